"""Signed, expiring links (e-mail confirmation, password reset) made with itsdangerous."""

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.errors import Invalid


@dataclass(frozen=True)
class LinkKind:
    salt: str
    max_age: int  # seconds
    expired: str
    invalid: str


CONFIRM = LinkKind(
    "carte-commune/confirm-email",
    7 * 24 * 3600,
    _l("Ce lien de confirmation a expiré : connectez-vous et demandez-en un nouveau depuis votre compte."),
    _l("Ce lien de confirmation n'est pas valable : vérifiez qu'il a été copié en entier."),
)
RESET = LinkKind(
    "carte-commune/reset-password",
    2 * 3600,
    _l("Ce lien de réinitialisation a expiré (il est valable deux heures) : demandez-en un nouveau."),
    _l("Ce lien de réinitialisation n'est pas valable : demandez-en un nouveau."),
)


def _serializer(kind):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=kind.salt)


def dump(kind, data):
    """A signed token carrying `data` (a small dict)."""
    return _serializer(kind).dumps(data)


def load(kind, token):
    """The data of a token; Invalid (French message) when it is forged, damaged or expired."""
    try:
        data = _serializer(kind).loads(token, max_age=kind.max_age)
    except SignatureExpired as error:
        raise Invalid(kind.expired, code="expired_token") from error
    except BadSignature as error:
        raise Invalid(kind.invalid, code="bad_token") from error
    if not isinstance(data, dict):
        raise Invalid(kind.invalid, code="bad_token")
    return data
