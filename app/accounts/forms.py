"""Flask-WTF forms of the account pages (CSRF token included); the rules live in services."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, ValidationError

from app.accounts import services
from app.accounts.models import AGE_BANDS
from app.accounts.queries import AGE_BAND_LABELS

REQUIRED = _l("Ce champ est obligatoire.")


def _email_format(form, field):
    errors = services.email_errors(services.normalize_email(field.data))
    if errors:
        raise ValidationError(errors[0])


def _pseudonym_format(form, field):
    errors = services.pseudonym_errors(services.normalize_pseudonym(field.data))
    if errors:
        raise ValidationError(errors[0])


def _password_strength(form, field):
    known = [getattr(form, name).data for name in ("email", "pseudonym") if hasattr(form, name)]
    errors = services.password_errors(field.data, [value for value in known if value])
    if errors:
        raise ValidationError(errors[0])


class SignupForm(FlaskForm):
    pseudonym = StringField(
        _l("Pseudonyme (affiché publiquement)"), validators=[InputRequired(REQUIRED), _pseudonym_format]
    )
    email = EmailField(_l("Adresse e-mail"), validators=[InputRequired(REQUIRED), _email_format])
    password = PasswordField(
        _l("Mot de passe (10 caractères au moins)"), validators=[InputRequired(REQUIRED), _password_strength]
    )
    consent = BooleanField(
        _l(
            "J'ai lu la notice d'information et j'accepte que mes données soient traitées pour la concertation."
        ),
        validators=[DataRequired(_l("Cochez cette case pour créer votre compte."))],
    )


class LoginForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[InputRequired(REQUIRED)])
    password = PasswordField(_l("Mot de passe"), validators=[InputRequired(REQUIRED)])
    remember = BooleanField(_l("Rester connecté sur cet appareil"))


class SigninLinkForm(FlaskForm):
    email = EmailField(
        _l("Adresse e-mail de votre compte"), validators=[InputRequired(REQUIRED), _email_format]
    )


class ResetRequestForm(FlaskForm):
    email = EmailField(
        _l("Adresse e-mail de votre compte"), validators=[InputRequired(REQUIRED), _email_format]
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Nouveau mot de passe (10 caractères au moins)"),
        validators=[InputRequired(REQUIRED), _password_strength],
    )
    confirm = PasswordField(
        _l("Le même mot de passe, encore une fois"),
        validators=[
            InputRequired(REQUIRED),
            EqualTo("password", _l("Les deux mots de passe sont différents.")),
        ],
    )


class ProfileForm(FlaskForm):
    pseudonym = StringField(_l("Pseudonyme"), validators=[InputRequired(REQUIRED), _pseudonym_format])
    home_qpv_code = SelectField(_l("Quartier où vous habitez (facultatif)"), choices=[], validate_choice=True)
    age_band = SelectField(
        _l("Tranche d'âge (facultatif)"),
        choices=[("", _l("Je préfère ne pas répondre"))]
        + [(band, AGE_BAND_LABELS[band]) for band in AGE_BANDS],
    )

    def set_qpv_choices(self, choices):
        self.home_qpv_code.choices = [("", _("Je préfère ne pas répondre"))] + list(choices)


class TokenForm(FlaskForm):
    name = StringField(
        _l("Nom du jeton (pour vous y retrouver)"),
        validators=[Length(max=100, message=_l("100 caractères au plus."))],
    )


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Votre mot de passe, pour confirmer"), validators=[InputRequired(REQUIRED)])


class ActionForm(FlaskForm):
    """A form with only the CSRF token (logout, resend, revoke)."""
