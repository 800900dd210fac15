"""Account forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
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


class CodeForm(FlaskForm):
    """The six digits of the authenticator app, or a recovery code."""

    code = StringField(_l("Verification code"), validators=[DataRequired(), Length(max=32)])


class SigninCodeForm(CodeForm):
    remember = BooleanField(_l("Remember this browser for 30 days"))


class ForgotForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "new-password"},
    )
    again = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "new-password"},
    )
