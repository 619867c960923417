"""Configuration: everything comes from the environment."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_SECRET = "dev-not-secret"


def _bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    ENV_NAME = os.environ.get("CARTE_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", "postgresql://cartecommune@127.0.0.1:5432/cartecommune"
    )
    # Map queries must not fall back to generic plans (stack notes): no server-side prepare.
    SQLALCHEMY_ENGINE_OPTIONS = {"connect_args": {"prepare_threshold": None}}
    # Liveness check of pooled connections idle for longer than this (seconds; 0: at every checkout).
    DB_PING_AFTER_IDLE = float(os.environ.get("DB_PING_AFTER_IDLE", 5))
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    RQ_QUEUES = ["default", "mail", "exports", "reports"]
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    WTF_CSRF_TIME_LIMIT = None
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 12 * 1024 * 1024))
    MEDIA_DIR = os.environ.get("MEDIA_DIR", str(BASE_DIR / "var" / "media"))
    EXPORT_DIR = os.environ.get("EXPORT_DIR", str(BASE_DIR / "var" / "exports"))
    REPORT_DIR = os.environ.get("REPORT_DIR", str(BASE_DIR / "var" / "reports"))
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR", str(BASE_DIR / "var" / "outbox"))
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")  # empty: mails go to the outbox folder
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 25))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Carte Commune <ne-pas-repondre@cartecommune.fr>")
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    TERRITORY_DIR = os.environ.get("TERRITORY_DIR", str(BASE_DIR / "data" / "territories" / "call"))
    # Background map tiles; empty in tests (no network), OSM France by default.
    MAP_TILES_URL = os.environ.get("MAP_TILES_URL", "https://{s}.tile.openstreetmap.fr/osmfr/{z}/{x}/{y}.png")
    MAP_TILES_ATTRIBUTION = os.environ.get(
        "MAP_TILES_ATTRIBUTION", "&copy; contributeurs OpenStreetMap, tuiles OSM France"
    )
    PROXY_FIX = _bool("PROXY_FIX")
    KIOSK_RATE_LIMIT = os.environ.get("KIOSK_RATE_LIMIT", "20 per 10 minutes")
    FLAG_THRESHOLD = int(os.environ.get("FLAG_THRESHOLD", 3))
    EXPORT_RETENTION_DAYS = int(os.environ.get("EXPORT_RETENTION_DAYS", 7))
    # Accounts: personal API tokens' lifetime; sign-in lock after N failures, doubling from/up to (seconds).
    API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", 90))
    LOGIN_LOCK_AFTER = int(os.environ.get("LOGIN_LOCK_AFTER", 5))
    LOGIN_LOCK_SECONDS = int(os.environ.get("LOGIN_LOCK_SECONDS", 60))
    LOGIN_LOCK_MAX_SECONDS = int(os.environ.get("LOGIN_LOCK_MAX_SECONDS", 3600))
    MAX_JSON_DEPTH = int(os.environ.get("MAX_JSON_DEPTH", 64))  # deeper request JSON answers 400


TEST_VAR_DIR = Path(os.environ.get("TEST_VAR_DIR", str(BASE_DIR / "var" / "test")))


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "TEST_DATABASE_URL", "postgresql://cartecommune@127.0.0.1:5432/cartecommune_test"
    )
    REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    RATELIMIT_STORAGE_URI = REDIS_URL
    RATELIMIT_ENABLED = True  # real limits on real Redis; the test Redis db is flushed after each test
    MAP_TILES_URL = ""
    MEDIA_DIR = str(TEST_VAR_DIR / "media")
    EXPORT_DIR = str(TEST_VAR_DIR / "exports")
    REPORT_DIR = str(TEST_VAR_DIR / "reports")
    MAIL_OUTBOX_DIR = str(TEST_VAR_DIR / "outbox")
    MAIL_SERVER = ""


def check_secret(config):
    """Refuse to run outside development/test with a missing or default SECRET_KEY."""
    if config.get("ENV_NAME") in {"development", "test"}:
        return
    key = config.get("SECRET_KEY") or ""
    if key in {"", DEFAULT_SECRET, "change-me"} or len(key) < 16:
        raise RuntimeError(
            "SECRET_KEY manquante ou par défaut : définissez une clé secrète d'au moins 16 "
            "caractères (variable d'environnement SECRET_KEY) avant de démarrer en production."
        )
