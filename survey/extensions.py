"""Extension instances, created here and bound to the app in the factory."""

from flask_wtf.csrf import CSRFProtect

from survey.db import db
from survey.i18n import babel

csrf = CSRFProtect()

__all__ = ["babel", "csrf", "db"]
