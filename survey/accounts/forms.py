"""Account forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    next = HiddenField()


class LogoutForm(FlaskForm):
    """Logout is a POST with a CSRF token, never a GET."""


class SettingsForm(FlaskForm):
    """The researcher's own language and time zone (times are shown in it, with the offset)."""

    language = SelectField(_l("Language"), validators=[DataRequired()])
    timezone = SelectField(_l("Time zone"), validators=[DataRequired()])
