"""Extensions, created unbound here and bound in create_app()."""

from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from redis import Redis
from rq import Queue
from sqlalchemy import MetaData

# Stable constraint names so Alembic migrations stay reproducible.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

db = SQLAlchemy(metadata=metadata)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)


@limiter.request_filter
def _reads_are_not_limited():
    # Every limit guards a write (sign-in, sign-up, contributions, votes, comments, flags, kiosk):
    # reads skip the limiter's per-request bookkeeping (about 0.15 ms of each map viewport).
    return request.method in ("GET", "HEAD", "OPTIONS")


api = Api()


def redis_connection():
    """The app's Redis connection (one per app, created lazily)."""
    conn = current_app.extensions.get("redis")
    if conn is None:
        conn = Redis.from_url(current_app.config["REDIS_URL"])
        current_app.extensions["redis"] = conn
    return conn


def get_queue(name="default"):
    """An RQ queue on the app's Redis."""
    return Queue(name, connection=redis_connection())
