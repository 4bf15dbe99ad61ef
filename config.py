"""Configuration read from the environment (see .env.example and the README's table)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))

load_dotenv(BASE_DIR / ".env")


def _bool(name: str, default: bool) -> bool:
    """Read a boolean environment variable ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    """Read an integer environment variable."""
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _list(name: str, default: list[str]) -> list[str]:
    """Read a comma-separated environment variable."""
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def _secret_key(production: bool) -> str:
    """SECRET_KEY from the environment, or one generated once into instance/ outside production."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if production:
        raise RuntimeError("SECRET_KEY must be set in production")
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    """Settings shared by every environment; each reads the environment when instantiated."""

    TESTING = False
    PRODUCTION = False

    def __init__(self) -> None:
        self.SECRET_KEY = _secret_key(self.PRODUCTION)
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'masterchat.db'}")
        self.HOST = os.environ.get("HOST", "127.0.0.1")
        self.PORT = _int("PORT", 5000)
        public_url = os.environ.get("PUBLIC_URL")
        if not public_url and self.PRODUCTION:
            # Links in mail (password reset) must point at the real site, never at a guessed address.
            raise RuntimeError("PUBLIC_URL must be set in production (e.g. https://masterchat.example)")
        self.PUBLIC_URL = (public_url or f"http://{self.HOST}:{self.PORT}").rstrip("/")
        self.ASYNC_MODE = os.environ.get("ASYNC_MODE", "eventlet")
        self.ALLOWED_ORIGINS = _list("ALLOWED_ORIGINS", [])
        self.REDIS_URL = os.environ.get("REDIS_URL") or None
        # Workers that share REDIS_URL and this channel hear each other's emits.
        self.REDIS_CHANNEL = os.environ.get("REDIS_CHANNEL", "masterchat")
        self.DB_POOL_SIZE = _int("DB_POOL_SIZE", 10)  # PostgreSQL connections per worker (plus DB_MAX_OVERFLOW)
        self.DB_MAX_OVERFLOW = _int("DB_MAX_OVERFLOW", 20)
        self.ACCESS_TOKEN_TTL = _int("ACCESS_TOKEN_TTL", 15 * 60)
        self.REFRESH_TOKEN_TTL = _int("REFRESH_TOKEN_TTL", 30 * 24 * 3600)
        self.RESET_TOKEN_TTL = _int("RESET_TOKEN_TTL", 30 * 60)
        self.BCRYPT_ROUNDS = _int("BCRYPT_ROUNDS", 12)
        self.RATE_LIMITS = os.environ.get("RATE_LIMITS", "on").lower() != "off"
        self.PROXY_HOPS = _int("PROXY_HOPS", 0)  # trusted reverse proxies in front (X-Forwarded-For)
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
        self.MAIL_PORT = _int("MAIL_PORT", 25)
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
        self.MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
        self.MAIL_FROM = os.environ.get("MAIL_FROM", "Masterchat <no-reply@masterchat.local>")
        self.MAIL_OUTBOX = os.environ.get("MAIL_OUTBOX", str(INSTANCE_DIR / "outbox"))
        self.UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
        self.MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 12 * 1024 * 1024)
        self.AVATAR_MAX_BYTES = _int("AVATAR_MAX_BYTES", 5 * 1024 * 1024)
        self.SOCKET_MAX_FRAME = _int("SOCKET_MAX_FRAME", 64 * 1024)
        self.MESSAGE_MAX_LENGTH = _int("MESSAGE_MAX_LENGTH", 4000)
        self.MESSAGE_RATE = float(os.environ.get("MESSAGE_RATE") or 20)
        self.MESSAGE_BURST = _int("MESSAGE_BURST", 200)
        # Concurrent sends of one worker share a write transaction (app/services/messages.py, _GroupCommit).
        self.MESSAGE_GROUP_COMMIT = _bool("MESSAGE_GROUP_COMMIT", True)
        self.ATTACHMENT_MAX_BYTES = _int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
        self.LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
        # Garbage collection for thousands of sockets (app/gc_tuning.py, docs/PERFORMANCE.md).
        self.GC_TUNING = os.environ.get("GC_TUNING", "on").lower() != "off"
        self.GC_THRESHOLD0 = _int("GC_THRESHOLD0", 50_000)
        self.GC_THRESHOLD1 = _int("GC_THRESHOLD1", 10)
        self.GC_FREEZE_INTERVAL = float(os.environ.get("GC_FREEZE_INTERVAL") or 60)
        self.GC_FULL_INTERVAL = float(os.environ.get("GC_FULL_INTERVAL") or 3600)
        self.GC_WARN_MS = float(os.environ.get("GC_WARN_MS") or 50)
        # --- Client (issue 11): the currency prices are shown in (ISO 4217 code; the page's
        # <meta name="currency">, read by the client's fmt.money). ---
        self.CURRENCY = os.environ.get("CURRENCY", "RUB").strip().upper() or "RUB"
        self.SQLALCHEMY_ECHO = _bool("SQL_ECHO", False)
        self.SQLALCHEMY_TRACK_MODIFICATIONS = False


class DevelopmentConfig(Config):
    """Local development: the defaults."""


class TestingConfig(Config):
    """Tests: fast bcrypt, a private database per test unless DATABASE_URL says otherwise."""

    TESTING = True

    def __init__(self) -> None:
        super().__init__()
        self.BCRYPT_ROUNDS = _int("BCRYPT_ROUNDS", 4)
        self.ASYNC_MODE = os.environ.get("ASYNC_MODE", "threading")


class ProductionConfig(Config):
    """Production: SECRET_KEY and PUBLIC_URL must come from the environment."""

    PRODUCTION = True


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def get_config(name: str | None = None) -> Config:
    """Build the config object for `name` (default: $APP_ENV or development)."""
    name = name or os.environ.get("APP_ENV", "development")
    if name not in CONFIGS:
        raise ValueError(f"unknown config {name!r}; use one of {sorted(CONFIGS)}")
    return CONFIGS[name]()
