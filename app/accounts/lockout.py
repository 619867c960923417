"""Sign-in lock-out: failed sign-ins counted in PostgreSQL (they outlive a Redis restart); past a
threshold the account is locked for a delay that doubles at each further failure, up to a cap."""

from flask import current_app
from sqlalchemy import text

from app.extensions import db

# One statement, so that parallel attempts cannot lose a failure.
_FAILED_LOGIN_SQL = text(
    "UPDATE users SET failed_logins = failed_logins + 1,"
    " locked_until = CASE WHEN failed_logins + 1 >= :after"
    "   THEN clock_timestamp() + make_interval(secs => least("
    "     :base * power(2, least(failed_logins + 1 - :after, 20)), :cap))"
    "   ELSE locked_until END"
    " WHERE id = :uid RETURNING failed_logins, locked_until"
)


def record_failure(user):
    """Count a failed sign-in; lock the account (doubling delay) once the threshold is reached."""
    config = current_app.config
    failed, locked_until = db.session.execute(
        _FAILED_LOGIN_SQL,
        {
            "uid": user.id,
            "after": config.get("LOGIN_LOCK_AFTER", 5),
            "base": config.get("LOGIN_LOCK_SECONDS", 60),
            "cap": config.get("LOGIN_LOCK_MAX_SECONDS", 3600),
        },
    ).one()
    db.session.expire(user, ["failed_logins", "locked_until"])
    if locked_until is not None and failed >= config.get("LOGIN_LOCK_AFTER", 5):
        current_app.logger.warning("Account %s locked after %s failed sign-ins", user.id, failed)
    return failed, locked_until


def unlock(user):
    """Forget the failed sign-ins (a reset link proved the mailbox)."""
    user.failed_logins, user.locked_until = 0, None
    db.session.flush()
