"""Writes on accounts: sign-up, confirmation, login bookkeeping, password reset, profile, deletion."""

import hmac
import re
from functools import cache

from flask import current_app
from flask_babel import gettext as _
from redis.exceptions import RedisError
from sqlalchemy import func, select, text, update
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts import lockout, mails, passwords
from app.accounts.models import AGE_BANDS, ROLES, ApiToken, User
from app.consultations.models import utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.extensions import db, redis_connection
from app.territory.models import Qpv

PSEUDONYM_MIN, PSEUDONYM_MAX = 3, 40
PASSWORD_MIN, PASSWORD_MAX = 10, 200
DELETED_PREFIX = "Compte supprimé"
PSEUDONYM_RE = re.compile(r"^[\w][\w .'’-]*[\w]$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")


@cache
def _dummy_hash():
    # A real hash to check when the e-mail is unknown: a failed login takes the same time either way.
    return generate_password_hash("carte-commune-dummy-password")


def normalize_email(email):
    return (email or "").strip().lower()


def normalize_pseudonym(pseudonym):
    return " ".join((pseudonym or "").split())


def pseudonym_errors(pseudonym):
    """French messages for a pseudonym's format (not its uniqueness)."""
    if not PSEUDONYM_MIN <= len(pseudonym) <= PSEUDONYM_MAX:
        return [
            _(
                "Le pseudonyme doit compter entre %(minimum)s et %(maximum)s caractères.",
                minimum=PSEUDONYM_MIN,
                maximum=PSEUDONYM_MAX,
            )
        ]
    if not PSEUDONYM_RE.match(pseudonym):
        return [
            _("Utilisez des lettres, des chiffres, des espaces, des tirets, des points ou des apostrophes.")
        ]
    if pseudonym.casefold().startswith(DELETED_PREFIX.casefold()):
        return [_("Ce pseudonyme est réservé.")]
    return []


def email_errors(email):
    if len(email) > 254 or not EMAIL_RE.match(email):
        return [_("Saisissez une adresse e-mail valide, par exemple prenom@exemple.fr.")]
    return []


def password_errors(password, user_inputs=()):
    """French messages for a password: length, then too common or too easy to guess."""
    if len(password or "") < PASSWORD_MIN:
        return [_("Le mot de passe doit compter au moins %(minimum)s caractères.", minimum=PASSWORD_MIN)]
    if len(password) > PASSWORD_MAX:
        return [_("Le mot de passe ne peut pas dépasser %(maximum)s caractères.", maximum=PASSWORD_MAX)]
    return passwords.weakness(password, user_inputs)


def _email_taken(email, exclude_id=None):
    query = select(User.id).where(func.lower(User.email) == email)
    if exclude_id:
        query = query.where(User.id != exclude_id)
    return db.session.scalar(query) is not None


def _pseudonym_taken(pseudonym, exclude_id=None):
    query = select(User.id).where(func.lower(User.pseudonym) == func.lower(pseudonym))
    if exclude_id:
        query = query.where(User.id != exclude_id)
    return db.session.scalar(query) is not None


def _check_unique(email=None, pseudonym=None, exclude_id=None):
    fields = {}
    if email and _email_taken(email, exclude_id):
        fields["email"] = [
            _(
                "Un compte existe déjà avec cette adresse e-mail. Connectez-vous ou réinitialisez "
                "votre mot de passe."
            )
        ]
    if pseudonym and _pseudonym_taken(pseudonym, exclude_id):
        fields["pseudonym"] = [_("Ce pseudonyme est déjà pris : choisissez-en un autre.")]
    if fields:
        raise Conflict(_("Ce compte existe déjà."), fields=fields)


def _flush_unique(email, pseudonym, exclude_id=None):
    """Flush in a savepoint; a concurrent duplicate becomes a French Conflict, not a 500."""
    from sqlalchemy.exc import IntegrityError

    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        _check_unique(email, pseudonym, exclude_id)
        raise


def register_user(email, pseudonym, password, consent=True, role="resident", confirmed=False):
    """Create an account (unconfirmed unless `confirmed`); validates format and uniqueness."""
    email, pseudonym = normalize_email(email), normalize_pseudonym(pseudonym)
    fields = {}
    for name, errors in (
        ("email", email_errors(email)),
        ("pseudonym", pseudonym_errors(pseudonym)),
        ("password", password_errors(password, (email, pseudonym))),
    ):
        if errors:
            fields[name] = errors
    if not consent:
        fields["consent"] = [
            _("Vous devez accepter la notice d'information sur vos données pour créer un compte.")
        ]
    if role not in ROLES:
        fields["role"] = [_("Rôle inconnu : choisissez parmi %(roles)s.", roles=", ".join(ROLES))]
    if fields:
        raise Invalid(fields=fields)
    _check_unique(email, pseudonym)
    user = User(
        email=email,
        pseudonym=pseudonym,
        password_hash=generate_password_hash(password),
        role=role,
        confirmed_at=utcnow() if confirmed else None,
        created_at=utcnow(),
        session_version=1,
    )
    db.session.add(user)
    _flush_unique(email, pseudonym)
    return user


def sign_up(email, pseudonym, password, consent):
    """Public sign-up; never tells whether the e-mail has an account: its owner is mailed instead.

    Returns the new (unconfirmed) user, or None when the address already had an account."""
    owner = db.session.scalar(
        select(User).where(func.lower(User.email) == normalize_email(email), User.deleted_at.is_(None))
    )
    if owner is None:
        try:
            user = register_user(email, pseudonym, password, consent=consent)
        except Conflict as error:
            if "email" not in error.fields:
                raise
            return None  # an account for this address was created meanwhile
        mails.send_confirmation_mail(user)
        return user
    # Same checks and the same work (a password hash) as a real sign-up, then the owner is told.
    fields = {}
    for name, errors in (
        ("pseudonym", pseudonym_errors(normalize_pseudonym(pseudonym))),
        ("password", password_errors(password, (owner.email, normalize_pseudonym(pseudonym)))),
    ):
        if errors:
            fields[name] = errors
    if fields:
        raise Invalid(fields=fields)
    _check_unique(pseudonym=normalize_pseudonym(pseudonym))
    generate_password_hash(password)
    if _owner_warning_due(owner):
        mails.send_existing_account_mail(owner)
    return None


def _owner_warning_due(owner):
    # One warning per account and quarter of an hour, so that sign-up attempts cannot flood a mailbox.
    try:
        return bool(redis_connection().set(f"accounts:signup-warning:{owner.id}", 1, nx=True, ex=900))
    except RedisError:
        return True  # Redis away: warn anyway (the sign-up rate limit still applies)


def send_confirmation(user):
    """Mail the account-confirmation link (queued after the commit)."""
    if user.deleted_at is not None or user.email is None:
        raise NotFound(_("Ce compte n'existe pas."))
    if user.confirmed_at is not None:
        raise Conflict(_("Votre adresse e-mail est déjà confirmée."))
    mails.send_confirmation_mail(user)


def confirm_email(token):
    """Confirm the account a signed link points at; returns (user, newly_confirmed)."""
    from app.accounts import tokens

    data = tokens.load(tokens.CONFIRM, token)
    user = _live_user(data.get("uid"))
    if user is None or user.email != data.get("email"):
        raise Invalid(_("Ce lien de confirmation n'est plus valable."), code="bad_token")
    if user.confirmed_at is not None:
        return user, False
    user.confirmed_at = utcnow()
    db.session.flush()
    return user, True


def authenticate(email, password):
    """The live user with this e-mail and password, or None (constant-ish time).

    Failures are counted in the database; past LOGIN_LOCK_AFTER of them the account is locked for a
    delay that doubles at each further failure, and even the right password is refused meanwhile."""
    email = normalize_email(email)
    user = db.session.scalar(select(User).where(func.lower(User.email) == email)) if email else None
    if user is None or user.deleted_at is not None or not user.password_hash:
        check_password_hash(_dummy_hash(), password or "")
        return None
    if user.locked_until is not None and user.locked_until > utcnow():
        check_password_hash(_dummy_hash(), password or "")  # same time as an unlocked attempt
        return None
    if not check_password_hash(user.password_hash, password or ""):
        lockout.record_failure(user)
        return None
    if user.failed_logins or user.locked_until is not None:
        user.failed_logins, user.locked_until = 0, None
    return user


def check_can_sign_in(user):
    """Raise Forbidden with the reason when a banned account tries to sign in."""
    if user.banned_at is not None:
        reason = f" Motif : {user.suspension_reason}" if user.suspension_reason else ""
        raise Forbidden(
            _("Votre compte a été banni par la modération : vous ne pouvez plus vous connecter.") + reason,
            code="banned",
        )


def record_login(user):
    """Remember when the user last signed in."""
    user.last_login_at = utcnow()
    db.session.flush()


def request_password_reset(email):
    """Mail a reset link if a live account has this e-mail; silent otherwise (no account probing)."""
    email = normalize_email(email)
    if email_errors(email):
        raise Invalid(fields={"email": email_errors(email)})
    user = db.session.scalar(select(User).where(func.lower(User.email) == email, User.deleted_at.is_(None)))
    if user is not None:
        mails.send_reset_mail(user)
    return user


def user_for_reset(token):
    """The user a reset link is for; the link dies once the password changed (session_version)."""
    from app.accounts import tokens

    data = tokens.load(tokens.RESET, token)
    user = _live_user(data.get("uid"))
    if user is None or not hmac.compare_digest(str(user.session_version), str(data.get("v"))):
        raise Invalid(_("Ce lien de réinitialisation a déjà servi ou n'est plus valable."), code="bad_token")
    return user


def reset_password(token, password):
    """Set a new password from a reset link; ends the other sessions and the link itself."""
    user = user_for_reset(token)
    set_password(user, password)
    lockout.unlock(user)
    if user.confirmed_at is None:
        user.confirmed_at = utcnow()  # the link proved the mailbox
    db.session.flush()
    return user


def set_password(user, password):
    """Hash and store a new password; other sessions, reset links and every API token die."""
    errors = password_errors(password, (user.email, user.pseudonym))
    if errors:
        raise Invalid(fields={"password": errors})
    user.password_hash = generate_password_hash(password)
    user.session_version = (user.session_version or 1) + 1
    revoke_all_tokens(user)
    db.session.flush()


def revoke_all_tokens(user):
    """Revoke every active API token of `user` (password changed, account erased)."""
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def update_profile(user, pseudonym, home_qpv_code=None, age_band=None):
    """Change the pseudonym and the optional profile answers (used only in aggregate)."""
    pseudonym = normalize_pseudonym(pseudonym)
    fields = {}
    if pseudonym_errors(pseudonym):
        fields["pseudonym"] = pseudonym_errors(pseudonym)
    home_qpv_code = home_qpv_code or None
    if home_qpv_code and db.session.get(Qpv, home_qpv_code) is None:
        fields["home_qpv_code"] = [_("Quartier inconnu.")]
    age_band = age_band or None
    if age_band and age_band not in AGE_BANDS:
        fields["age_band"] = [_("Tranche d'âge inconnue.")]
    if fields:
        raise Invalid(fields=fields)
    if pseudonym != user.pseudonym:
        _check_unique(pseudonym=pseudonym, exclude_id=user.id)
    user.pseudonym, user.home_qpv_code, user.age_band = pseudonym, home_qpv_code, age_band
    _flush_unique(None, pseudonym, exclude_id=user.id)
    return user


def create_token(user, name):
    """A new personal API token for `user`; returns (ApiToken, raw token shown once)."""
    from app.accounts.auth import issue_token

    name = " ".join((name or "").split()) or "jeton personnel"
    if len(name) > 100:
        raise Invalid(fields={"name": [_("Le nom du jeton ne peut pas dépasser 100 caractères.")]})
    raw = issue_token(user, name=name)
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(raw)))
    return token, raw


def revoke_token(user, token_id):
    """Revoke one of the user's own tokens."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(_("Ce jeton n'existe pas."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
    return token


def set_role(user, role):
    """Give `user` one of the roles."""
    if role not in ROLES:
        raise Invalid(
            fields={"role": [_("Rôle inconnu : choisissez parmi %(roles)s.", roles=", ".join(ROLES))]}
        )
    user.role = role
    db.session.flush()
    return user


# Votes go with their counters in one statement: rows deleted and counters decremented together.
_DELETE_VOTES_SQL = text(
    "WITH gone AS (DELETE FROM votes WHERE user_id = :uid RETURNING contribution_id, value),"
    " totals AS (SELECT contribution_id,"
    "   count(*) FILTER (WHERE value = 1) AS agree, count(*) FILTER (WHERE value = -1) AS disagree"
    "   FROM gone GROUP BY contribution_id)"
    " UPDATE contributions c SET agree_count = c.agree_count - t.agree,"
    "   disagree_count = c.disagree_count - t.disagree"
    " FROM totals t WHERE c.id = t.contribution_id"
)


def delete_account(user, password):
    """Erase the account: votes removed with their counters, contributions and comments anonymised."""
    if not user.password_hash or not check_password_hash(user.password_hash, password or ""):
        raise Invalid(
            _("Mot de passe incorrect : le compte n'a pas été supprimé."),
            fields={"password": [_("Mot de passe incorrect.")]},
        )
    erase_account(user)


def erase_account(user):
    """The erasure itself (also used by administrators, without the password check)."""
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    db.session.execute(_DELETE_VOTES_SQL, {"uid": user.id})
    revoke_all_tokens(user)
    user.email = None
    user.password_hash = None
    user.pseudonym = f"{DELETED_PREFIX} #{user.id}"
    user.home_qpv_code = None
    user.age_band = None
    user.locale, user.easy_read = None, False
    user.last_login_at = None
    user.deleted_at = utcnow()
    user.session_version = (user.session_version or 1) + 1
    db.session.flush()
    _forget_follows(user)
    current_app.logger.info("Account %s deleted", user.id)
    return user


def _forget_follows(user):
    """What the person followed, their notifications and mail choices go with the account."""
    try:
        from app.notifications.services import forget_user
    except ImportError:  # the notifications feature is not installed
        return
    forget_user(user)


def _live_user(user_id):
    if not isinstance(user_id, int):
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and user.deleted_at is None else None
