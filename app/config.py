"""Configuration: everything comes from the environment."""

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# Keys that were public at some point (old defaults, examples): never accepted, in any mode.
PUBLIC_SECRETS = frozenset({"dev-not-secret", "change-me", "changeme", "test-secret-key", "secret", "dev"})
MIN_SECRET_LENGTH = 32


def _bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _bool_or_none(name):
    return None if os.environ.get(name) is None else _bool(name)


class Config:
    ENV_NAME = os.environ.get("CARTE_ENV", "development")
    # No default: `make run` writes a random key per install to SECRET_KEY_FILE (development only).
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SECRET_KEY_FILE = os.environ.get("SECRET_KEY_FILE", str(BASE_DIR / "var" / "secret_key"))
    # Cookies: Secure when unset and PUBLIC_BASE_URL is https (app/security.py), SameSite=Lax always.
    SESSION_COOKIE_SECURE = _bool_or_none("SESSION_COOKIE_SECURE")
    REMEMBER_COOKIE_SECURE = _bool_or_none("REMEMBER_COOKIE_SECURE")
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_HTTPONLY = True
    # Redirect http to https (only behind a TLS front; never in tests or `make run`).
    FORCE_HTTPS = _bool("FORCE_HTTPS")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", "postgresql://cartecommune@127.0.0.1:5432/cartecommune"
    )
    # Map queries must not fall back to generic plans (stack notes): no server-side prepare on its own
    # (app/dbpool.py executes every statement with prepare=False but those marked `prepared()`; psycopg
    # ignores prepare=True when the threshold is None, hence a threshold never reached). No JIT: short
    # queries over a large table got compiled at every call (5 s for a 40 ms OGC page at 1M).
    SQLALCHEMY_ENGINE_OPTIONS = {"connect_args": {"prepare_threshold": 2**31 - 1, "options": "-c jit=off"}}
    # Liveness check of pooled connections idle for longer than this (seconds; 0: at every checkout).
    DB_PING_AFTER_IDLE = float(os.environ.get("DB_PING_AFTER_IDLE", 5))
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # Optional hot standby for read-only endpoints (app/replica.py); reads go back to the primary past the lag.
    DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL") or None
    REPLICA_MAX_LAG_SECONDS = float(os.environ.get("REPLICA_MAX_LAG_SECONDS", 5))
    REPLICA_READ_YOUR_WRITES_SECONDS = int(os.environ.get("REPLICA_READ_YOUR_WRITES_SECONDS", 10))
    REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    RQ_QUEUES = ["default", "mail", "exports", "reports"]
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    WTF_CSRF_TIME_LIMIT = None
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    # Seconds nginx may serve the home page, an idea list or an idea page to anonymous visitors
    # (app/shared_pages.py); signed-in visitors always get their own.
    SHARED_PAGE_SECONDS = int(os.environ.get("SHARED_PAGE_SECONDS", 60))
    # No X-RateLimit headers on every answer (each costs Redis calls); a 429 says when to retry
    # (Retry-After, set by app.errors from the limit that was hit).
    RATELIMIT_HEADERS_ENABLED = False
    # Redis away: limits are counted in memory (per process) rather than every write failing.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 2}
    # Seconds before a Redis call gives up (a hung Redis must not hang the requests).
    REDIS_SOCKET_TIMEOUT = float(os.environ.get("REDIS_SOCKET_TIMEOUT", 5))
    # /healthz answers 503 when no RQ worker has sent a heartbeat for this long (seconds).
    WORKER_ABSENT_AFTER = int(os.environ.get("WORKER_ABSENT_AFTER", 60))
    # How often the worker hands undispatched outbox rows to RQ and reaps dead jobs (seconds).
    WORKER_RELAY_INTERVAL = int(os.environ.get("WORKER_RELAY_INTERVAL", 5))
    # A job handed to RQ that Redis no longer knows (restarted without its data) and that has not
    # ended after this many seconds is handed over again by the relay.
    OUTBOX_LOST_AFTER = int(os.environ.get("OUTBOX_LOST_AFTER", 30))
    # Retry-After of the 503 answered while PostgreSQL or Redis is unreachable (seconds).
    OUTAGE_RETRY_AFTER = int(os.environ.get("OUTAGE_RETRY_AFTER", 10))
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 12 * 1024 * 1024))
    MEDIA_DIR = os.environ.get("MEDIA_DIR", str(BASE_DIR / "var" / "media"))
    # Behind nginx: /media/ answers X-Accel-Redirect to this internal location (empty: Flask sends files).
    MEDIA_ACCEL_REDIRECT = os.environ.get("MEDIA_ACCEL_REDIRECT", "")
    MEDIA_MAX_AGE = int(os.environ.get("MEDIA_MAX_AGE", 300))  # public photos: seconds before revalidation
    # Uploads: most pixels decoded per photo, images in work at once per process, wait for a slot.
    PHOTO_MAX_PIXELS = int(os.environ.get("PHOTO_MAX_PIXELS", 24_000_000))
    PHOTO_CONCURRENCY = int(os.environ.get("PHOTO_CONCURRENCY", 1))
    PHOTO_WAIT_SECONDS = float(os.environ.get("PHOTO_WAIT_SECONDS", 10))
    EXPORT_DIR = os.environ.get("EXPORT_DIR", str(BASE_DIR / "var" / "exports"))
    REPORT_DIR = os.environ.get("REPORT_DIR", str(BASE_DIR / "var" / "reports"))
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR", str(BASE_DIR / "var" / "outbox"))
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")  # empty: mails go to the outbox folder
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 25))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    # Empty: the platform's name (territory data) <ne-pas-repondre@cartecommune.fr>.
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "")
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    TERRITORY_DIR = os.environ.get("TERRITORY_DIR", str(BASE_DIR / "data" / "territories" / "call"))
    # Background map tiles (web maps and printed maps); empty in tests (no network). Default: Plan IGN
    # of the Géoplateforme (public service, open licence, no key, no volume quota for normal use).
    MAP_TILES_URL = os.environ.get(
        "MAP_TILES_URL",
        "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2"
        "&STYLE=normal&TILEMATRIXSET=PM&FORMAT=image/png&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}",
    )
    MAP_TILES_ATTRIBUTION = os.environ.get("MAP_TILES_ATTRIBUTION", "&copy; IGN — Plan IGN (Géoplateforme)")
    # Printed maps fetch tiles server-side: identify ourselves, stay within the server's zooms, cache on disk.
    MAP_TILES_USER_AGENT = os.environ.get(
        "MAP_TILES_USER_AGENT", "CarteCommune/1.0 (cartes imprimees des ateliers; +https://cartecommune.fr)"
    )
    MAP_TILES_MIN_ZOOM = int(os.environ.get("MAP_TILES_MIN_ZOOM", 6))
    MAP_TILES_MAX_ZOOM = int(os.environ.get("MAP_TILES_MAX_ZOOM", 18))
    MAP_TILES_CACHE_DIR = os.environ.get("MAP_TILES_CACHE_DIR", str(BASE_DIR / "var" / "tiles"))
    MAP_TILES_CACHE_DAYS = int(os.environ.get("MAP_TILES_CACHE_DAYS", 30))
    MAP_TILES_TIMEOUT = float(os.environ.get("MAP_TILES_TIMEOUT", 8))
    MAP_PRINT_MAX_TILES = int(os.environ.get("MAP_PRINT_MAX_TILES", 120))  # per printed map
    # Zooms the offline workshop screens keep in the device's cache, and their tile budget.
    MAP_OFFLINE_ZOOMS = os.environ.get("MAP_OFFLINE_ZOOMS", "13,14,15,16")
    MAP_OFFLINE_MAX_TILES = int(os.environ.get("MAP_OFFLINE_MAX_TILES", 600))
    PROXY_FIX = _bool("PROXY_FIX")
    # Address search (BAN protocol: the public service or a self-hosted addok); seconds; cache seconds.
    GEOCODER_URL = os.environ.get("GEOCODER_URL", "https://api-adresse.data.gouv.fr")
    GEOCODER_TIMEOUT = min(float(os.environ.get("GEOCODER_TIMEOUT", 2)), 2.0)
    GEOCODER_CACHE_SECONDS = int(os.environ.get("GEOCODER_CACHE_SECONDS", 600))
    KIOSK_RATE_LIMIT = os.environ.get("KIOSK_RATE_LIMIT", "20 per 10 minutes")
    FLAG_THRESHOLD = int(os.environ.get("FLAG_THRESHOLD", 3))
    # A moderation decision can be undone for this many seconds (5 minutes by default).
    MODERATION_UNDO_SECONDS = int(os.environ.get("MODERATION_UNDO_SECONDS", 300))
    EXPORT_RETENTION_DAYS = int(os.environ.get("EXPORT_RETENTION_DAYS", 7))
    EXPORT_TEST_SLOW_SECONDS = float(os.environ.get("EXPORT_TEST_SLOW_SECONDS", 0))  # tests only
    # Accounts: personal API tokens' lifetime; sign-in lock after N failures, doubling from/up to (seconds).
    API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", 90))
    LOGIN_LOCK_AFTER = int(os.environ.get("LOGIN_LOCK_AFTER", 5))
    LOGIN_LOCK_SECONDS = int(os.environ.get("LOGIN_LOCK_SECONDS", 60))
    LOGIN_LOCK_MAX_SECONDS = int(os.environ.get("LOGIN_LOCK_MAX_SECONDS", 3600))
    # Sign-in links mailed instead of a password: minutes a link lives, links per account and window.
    SIGNIN_LINK_MINUTES = int(os.environ.get("SIGNIN_LINK_MINUTES", 15))
    SIGNIN_LINKS_PER_WINDOW = int(os.environ.get("SIGNIN_LINKS_PER_WINDOW", 3))
    MAX_JSON_DEPTH = int(os.environ.get("MAX_JSON_DEPTH", 64))  # deeper request JSON answers 400


TEST_VAR_DIR = Path(os.environ.get("TEST_VAR_DIR", str(BASE_DIR / "var" / "test")))


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = secrets.token_hex(32)  # random per test run, never a constant
    SECRET_KEY_FILE = ""
    SESSION_COOKIE_SECURE = False  # the live test server speaks plain http
    REMEMBER_COOKIE_SECURE = False
    FORCE_HTTPS = False
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "TEST_DATABASE_URL", "postgresql://cartecommune@127.0.0.1:5432/cartecommune_test"
    )
    REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    RATELIMIT_STORAGE_URI = REDIS_URL
    RATELIMIT_ENABLED = True  # real limits on real Redis; the test Redis db is flushed after each test
    MAP_TILES_URL = ""
    MAP_TILES_CACHE_DIR = str(TEST_VAR_DIR / "tiles")
    GEOCODER_URL = "http://127.0.0.1:9"  # never the real service: tests point it to a fake server
    MEDIA_DIR = str(TEST_VAR_DIR / "media")
    EXPORT_DIR = str(TEST_VAR_DIR / "exports")
    REPORT_DIR = str(TEST_VAR_DIR / "reports")
    MAIL_OUTBOX_DIR = str(TEST_VAR_DIR / "outbox")
    MAIL_SERVER = ""
    WORKER_ABSENT_AFTER = 0  # no worker runs behind most tests: the worker check is tested on its own


def load_secret(config):
    """Without SECRET_KEY: the install's key file in development, a random key per process in tests."""
    if config.get("SECRET_KEY"):
        return
    env = config.get("ENV_NAME")
    path = config.get("SECRET_KEY_FILE")
    if env == "development" and path and os.path.isfile(path):
        config["SECRET_KEY"] = Path(path).read_text(encoding="utf-8").strip()
    elif env == "test":
        config["SECRET_KEY"] = secrets.token_hex(32)


def check_secret(config):
    """Refuse to start, in any mode, with a missing, short or once-public SECRET_KEY."""
    key = config.get("SECRET_KEY") or ""
    if key in PUBLIC_SECRETS or len(key) < MIN_SECRET_LENGTH or len(set(key)) < 8:
        raise RuntimeError(
            "SECRET_KEY manquante, trop courte ou connue : définissez une clé secrète aléatoire d'au "
            f"moins {MIN_SECRET_LENGTH} caractères (variable d'environnement SECRET_KEY ; `make run` "
            "en crée une dans var/secret_key) avant de démarrer."
        )
