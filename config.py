"""Configuration read from the environment (see .env.example and the README's table).

Every setting is one field of `Settings` below (pydantic-settings): its name is the environment
variable, its type says what it accepts (booleans take 1/0, true/false, yes/no, on/off), and a bad
value stops the process with the variable's name and what was expected (`ConfigError`). The
`Config` classes copy the fields onto themselves as the attributes `create_app` reads.

To add a setting: one field in `Settings` (with a comment), a line in `.env.example` and the
README's configuration table. `python wsgi.py --check-config` prints what the process would run with.
"""

from __future__ import annotations

import os
import secrets
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from dotenv import load_dotenv
from pydantic import Field, SecretStr, TypeAdapter, field_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))

load_dotenv(BASE_DIR / ".env")

Network = IPv4Network | IPv6Network


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names the variable and what it expected."""


def _comma_list(value: Any) -> Any:
    """ "a, b,c" -> ["a", "b", "c"] (lists pass through)."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    """Every setting of the app, one field per environment variable (the field's name)."""

    model_config = SettingsConfigDict(case_sensitive=True, env_ignore_empty=True, extra="ignore")

    # --- the process -------------------------------------------------------------------------------
    APP_ENV: Literal["development", "testing", "production"] = "development"
    SECRET_KEY: SecretStr | None = None  # required in production; generated into INSTANCE_PATH otherwise
    DATABASE_URL: str | None = None  # default: sqlite:///INSTANCE_PATH/masterchat.db
    HOST: str = "127.0.0.1"
    PORT: int = Field(5000, ge=1, le=65535)
    PUBLIC_URL: str | None = None  # base of links in mail; required in production
    ASYNC_MODE: Literal["eventlet", "gevent", "threading"] = "eventlet"
    ALLOWED_ORIGINS: Annotated[list[str], NoDecode] = []
    MAX_CONNECTIONS: int = Field(20_000, ge=1)  # sockets one eventlet worker accepts
    LISTEN_BACKLOG: int = Field(2048, ge=1)  # read by wsgi.py before the app exists
    CERT_FILE: str | None = None  # with KEY_FILE: `python wsgi.py` serves https/wss itself
    KEY_FILE: str | None = None
    # --- several workers ---------------------------------------------------------------------------
    REDIS_URL: str | None = None
    REDIS_CHANNEL: str = "masterchat"  # workers sharing REDIS_URL and this channel hear each other's emits
    # Database connections a worker keeps open, plus DB_MAX_OVERFLOW opened for a burst and closed
    # again on return. 30 kept: with 10 kept, a storm of 32 concurrent likes opened and closed a
    # PostgreSQL connection for most requests (14 % of the worker; docs/PERFORMANCE.md, "Like storm").
    # PostgreSQL's max_connections must exceed workers x (DB_POOL_SIZE + DB_MAX_OVERFLOW).
    DB_POOL_SIZE: int = Field(30, ge=1)
    DB_MAX_OVERFLOW: int = Field(10, ge=0)
    PROXY_HOPS: int = Field(0, ge=0)  # trusted reverse proxies in front (X-Forwarded-For)
    # --- accounts ----------------------------------------------------------------------------------
    ACCESS_TOKEN_TTL: int = Field(15 * 60, ge=1)
    REFRESH_TOKEN_TTL: int = Field(30 * 24 * 3600, ge=1)
    RESET_TOKEN_TTL: int = Field(30 * 60, ge=1)
    BCRYPT_ROUNDS: int = Field(12, ge=4, le=31)
    RATE_LIMITS: bool = True
    # --- mail --------------------------------------------------------------------------------------
    MAIL_SERVER: str | None = None
    MAIL_PORT: int = Field(25, ge=1, le=65535)
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: SecretStr | None = None
    MAIL_USE_TLS: bool = False
    MAIL_FROM: str = "Masterchat <no-reply@masterchat.local>"
    MAIL_OUTBOX: str | None = None  # default: INSTANCE_PATH/outbox
    # --- content -----------------------------------------------------------------------------------
    UPLOAD_DIR: str | None = None  # default: INSTANCE_PATH/uploads
    MAX_CONTENT_LENGTH: int = Field(12 * 1024 * 1024, ge=1)
    AVATAR_MAX_BYTES: int = Field(5 * 1024 * 1024, ge=1)
    SOCKET_MAX_FRAME: int = Field(64 * 1024, ge=1)
    MESSAGE_MAX_LENGTH: int = Field(4000, ge=1)
    MESSAGE_RATE: float = Field(20.0, gt=0)
    MESSAGE_BURST: int = Field(200, ge=1)
    # Concurrent sends, and likes, of one worker share a write transaction (app/group_commit.py).
    MESSAGE_GROUP_COMMIT: bool = True
    LIKE_GROUP_COMMIT: bool = True
    ATTACHMENT_MAX_BYTES: int = Field(10 * 1024 * 1024, ge=1)
    # --- music (issue 15) ----------------------------------------------------------------------------
    TRACK_MAX_BYTES: int = Field(30 * 1024 * 1024, ge=1)  # largest track upload (POST /api/tracks)
    STREAM_URL_TTL: int = Field(6 * 3600, ge=60)  # seconds a signed stream_url works
    # Behind nginx: the URL prefix of an `internal` location aliased to UPLOAD_DIR/tracks/, so that nginx,
    # not a worker, sends the bytes (deploy/nginx.conf). Empty: the app sends them itself.
    MEDIA_ACCEL_REDIRECT: Annotated[str, Field(pattern=r"^(/[A-Za-z0-9_.\-/]*)?$")] = ""
    # --- client (issue 11) -------------------------------------------------------------------------
    # The currency prices are shown in (ISO 4217; the page's <meta name="currency">, the client's fmt.money).
    CURRENCY: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "RUB"
    # --- security limits (issue 13; docs/SECURITY.md explains each number) ----------------------------
    EMAIL_CHANGE_TTL: int = Field(24 * 3600, ge=60)  # seconds a new-address confirmation link stays valid
    IMAGE_DECODES: int = Field(2, ge=1)  # images decoded at once per worker (~100 MB each at most)
    UPLOAD_RATE: int = Field(30, ge=1)  # uploads (images, audio, avatars) per user per 5 minutes
    # seconds before its access token expires that a socket is asked to send auth:refresh, else closed
    AUTH_EXPIRY_NOTICE: int = Field(60, ge=1)
    # every connection's reads/writes time out after this (above Engine.IO's ping interval + timeout)
    HTTP_SOCKET_TIMEOUT: float = Field(60.0, gt=0)
    HTTP_IDLE_TIMEOUT: float = Field(30.0, gt=0)  # a connection that sends no request line within this is closed
    # --- operations --------------------------------------------------------------------------------
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    LOG_FORMAT: Literal["text", "json"] = "text"  # json: one JSON object per line
    # Networks besides loopback that may read /metrics (comma-separated, e.g. 10.0.0.0/8).
    METRICS_ALLOW: Annotated[list[Network], NoDecode] = []
    SQL_ECHO: bool = False
    # Garbage collection for thousands of sockets (app/gc_tuning.py, docs/PERFORMANCE.md).
    GC_TUNING: bool = True
    GC_THRESHOLD0: int = Field(5_000, ge=1)
    GC_THRESHOLD1: int = Field(10, ge=1)
    GC_FREEZE_ON_SURVIVAL: bool = True  # freeze survivors right after each collection of ...
    GC_FREEZE_GENERATION: int = Field(0, ge=0, le=2)  # ... this generation or an older one
    GC_FREEZE_INTERVAL: float = Field(10.0, ge=0)
    GC_YOUNG_INTERVAL: float = Field(0.1, ge=0)  # seconds between timed young collections (0: none)
    GC_FULL_INTERVAL: float = Field(21_600.0, ge=0)
    GC_WARN_MS: float = Field(50.0, ge=0)

    @field_validator("ALLOWED_ORIGINS", mode="before")
    @classmethod
    def _origins(cls, value: Any) -> Any:
        return _comma_list(value)

    @field_validator("METRICS_ALLOW", mode="before")
    @classmethod
    def _networks(cls, value: Any) -> Any:
        return [ip_network(item, strict=False) if isinstance(item, str) else item for item in _comma_list(value)]

    @field_validator("LOG_LEVEL", "LOG_FORMAT", "APP_ENV", "ASYNC_MODE", "CURRENCY", mode="before")
    @classmethod
    def _case(cls, value: Any, info: Any) -> Any:
        if isinstance(value, str):
            upper = info.field_name in ("LOG_LEVEL", "CURRENCY")
            return value.strip().upper() if upper else value.strip().lower()
        return value


class TestingSettings(Settings):
    """The test suite's defaults: fast bcrypt, no monkey patching."""

    BCRYPT_ROUNDS: int = Field(4, ge=4, le=31)
    ASYNC_MODE: Literal["eventlet", "gevent", "threading"] = "threading"


_EXPECTED = {
    "int_parsing": "an integer",
    "float_parsing": "a number",
    "bool_parsing": "a boolean (1/0, true/false, yes/no, on/off)",
    "literal_error": None,  # pydantic's own message lists the choices
}


def _explain(err: PydanticValidationError) -> str:
    """One line per bad variable: its name, the value given and what it expected."""
    lines = []
    for item in err.errors():
        name = str(item["loc"][0]) if item["loc"] else "?"
        expected = _EXPECTED.get(item["type"]) or item["msg"].removeprefix("Input should be ").removeprefix("Value ")
        given = item.get("input")
        if name in SECRET_NAMES:
            given = "***"
        lines.append(f"{name}={given!r}: expected {expected}")
    return "invalid settings: " + "; ".join(lines)


def load_settings(cls: type[Settings] = Settings) -> Settings:
    """Read the environment into `cls`, or raise ConfigError naming each bad variable."""
    try:
        return cls()
    except PydanticValidationError as err:
        raise ConfigError(_explain(err)) from None
    except ValueError as err:  # a bad network in METRICS_ALLOW, raised by ip_network()
        raise ConfigError(f"invalid settings: {err}") from None


def _env(name: str, annotation: Any, default: Any) -> Any:
    """One variable read and validated like a Settings field (for settings added in the old style)."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return TypeAdapter(annotation).validate_python(value)
    except PydanticValidationError as err:
        raise ConfigError(f"invalid settings: {name}={value!r}: expected {_EXPECTED.get(err.errors()[0]['type'])}")


def _bool(name: str, default: bool) -> bool:
    """A boolean variable (1/0, true/false, yes/no, on/off). Prefer a Settings field."""
    return _env(name, bool, default)


def _int(name: str, default: int) -> int:
    """An integer variable. Prefer a Settings field."""
    return _env(name, int, default)


def _float(name: str, default: float) -> float:
    """A number variable. Prefer a Settings field."""
    return _env(name, float, default)


def _list(name: str, default: list[str]) -> list[str]:
    """A comma-separated variable. Prefer a Settings field."""
    value = os.environ.get(name)
    return default if value is None else _comma_list(value)


def _secret_key(settings: Settings, production: bool) -> str:
    """SECRET_KEY from the environment, or one generated once into instance/ outside production."""
    if settings.SECRET_KEY is not None and settings.SECRET_KEY.get_secret_value():
        return settings.SECRET_KEY.get_secret_value()
    if production:
        raise ConfigError("SECRET_KEY must be set in production")
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


# Settings whose names differ in Flask's config (Flask-SQLAlchemy reads these names).
_RENAMED = {"DATABASE_URL": "SQLALCHEMY_DATABASE_URI", "SQL_ECHO": "SQLALCHEMY_ECHO"}
SECRET_NAMES = frozenset({"SECRET_KEY", "MAIL_PASSWORD"})


class Config:
    """Settings shared by every environment; each reads the environment when instantiated."""

    TESTING = False
    PRODUCTION = False
    SETTINGS: type[Settings] = Settings

    def __init__(self) -> None:
        settings = load_settings(self.SETTINGS)
        self.settings = settings
        for name, value in settings:
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            setattr(self, _RENAMED.get(name, name), value)
        self.SECRET_KEY = _secret_key(settings, self.PRODUCTION)
        self.SQLALCHEMY_DATABASE_URI = settings.DATABASE_URL or f"sqlite:///{INSTANCE_DIR / 'masterchat.db'}"
        if not settings.PUBLIC_URL and self.PRODUCTION:
            # Links in mail (password reset) must point at the real site, never at a guessed address.
            raise ConfigError("PUBLIC_URL must be set in production (e.g. https://masterchat.example)")
        scheme = "https" if settings.CERT_FILE else "http"
        self.PUBLIC_URL = (settings.PUBLIC_URL or f"{scheme}://{self.HOST}:{self.PORT}").rstrip("/")
        self.MAIL_OUTBOX = settings.MAIL_OUTBOX or str(INSTANCE_DIR / "outbox")
        self.UPLOAD_DIR = settings.UPLOAD_DIR or str(INSTANCE_DIR / "uploads")
        if bool(settings.CERT_FILE) != bool(settings.KEY_FILE):
            raise ConfigError("CERT_FILE and KEY_FILE: set both (https) or neither")
        self.SQLALCHEMY_TRACK_MODIFICATIONS = False
        # Settings added on other branches in the old style (`self.X = _int("X", 1)`) go below this
        # line until they become Settings fields.
        # --- Faults (issue 12, docs/RELIABILITY.md): Redis timeouts, presence heartbeat, drain, port ---
        self.REDIS_TIMEOUT = _float("REDIS_TIMEOUT", 1.0)  # s, every Redis call (socket timeout)
        self.REDIS_RETRY = _float("REDIS_RETRY", 1.0)  # s between reconnects of the queue listener
        self.PUBLISH_BUFFER = _int("PUBLISH_BUFFER", 20_000)  # emits held for Redis while it is away
        self.PUBLISH_MAX_AGE = _float("PUBLISH_MAX_AGE", 30.0)  # s; dropped ones: their rooms told to resync
        self.PRESENCE_TTL = _int("PRESENCE_TTL", 30)  # s a dead worker's users stay online
        self.PRESENCE_GRACE = _float("PRESENCE_GRACE", 3.0)  # s a reconnect has before "offline"
        self.PRESENCE_BATCH = _int("PRESENCE_BATCH", 500)  # offline announcements per worker per second, at most
        self.SESSION_CHECK_INTERVAL = _float("SESSION_CHECK_INTERVAL", 1.0)  # s, revoked sessions' sockets
        self.CONNECT_CONCURRENCY = _int("CONNECT_CONCURRENCY", 8)  # connects/disconnects doing DB/Redis work at once
        self.SYNC_CONCURRENCY = _int("SYNC_CONCURRENCY", 4)  # chat:sync catch-ups running at once (reconnect storms)
        self.DRAIN_TIMEOUT = _float("DRAIN_TIMEOUT", 10.0)  # s SIGTERM may take before exit
        # s a drained worker's clients wait before reconnecting (then 0..2 ms per socket more): a
        # restarted worker is back by then, so the others do not take all its clients at once
        self.DRAIN_RECONNECT_AFTER = _float("DRAIN_RECONNECT_AFTER", 3.0)
        self.REUSE_PORT = _bool("REUSE_PORT", False)  # share the port with another server (SO_REUSEPORT)


class DevelopmentConfig(Config):
    """Local development: the defaults."""


class TestingConfig(Config):
    """Tests: fast bcrypt, threading, a private database per test unless DATABASE_URL says otherwise."""

    TESTING = True
    SETTINGS = TestingSettings


class ProductionConfig(Config):
    """Production: SECRET_KEY and PUBLIC_URL must come from the environment."""

    PRODUCTION = True


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def get_config(name: str | None = None) -> Config:
    """Build the config object for `name` (default: $APP_ENV or development); ConfigError on a bad setting."""
    name = name or os.environ.get("APP_ENV", "development").strip().lower()
    if name not in CONFIGS:
        raise ConfigError(f"invalid settings: APP_ENV={name!r}: expected one of {sorted(CONFIGS)}")
    return CONFIGS[name]()


def _mask_url(url: str) -> str:
    """A URL with its password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def describe(config: Config) -> list[tuple[str, str, str]]:
    """(variable, value as the process uses it, 'env' or 'default') for every setting, secrets masked."""
    settings = config.settings
    given = settings.model_fields_set
    rows = []
    for name in type(settings).model_fields:
        value = getattr(config, _RENAMED.get(name, name))
        if name in SECRET_NAMES:
            shown = "***" if value else "(unset)"
        elif name in ("DATABASE_URL", "REDIS_URL") and value:
            shown = _mask_url(str(value))
        elif isinstance(value, list):
            shown = ",".join(str(v) for v in value) or "(none)"
        elif value is None:
            shown = "(unset)"
        else:
            shown = str(value)
        rows.append((name, shown, "env" if name in given else "default"))
    if "SECRET_KEY" not in given:
        rows = [(n, "*** (generated into INSTANCE_PATH/secret_key)" if n == "SECRET_KEY" else v, s) for n, v, s in rows]
    rows.append(("INSTANCE_PATH", str(INSTANCE_DIR), "env" if "INSTANCE_PATH" in os.environ else "default"))
    return rows
