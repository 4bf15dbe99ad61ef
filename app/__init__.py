"""Masterchat: a real-time marketplace and messenger (Flask + Flask-SocketIO)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, render_template, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from werkzeug.routing import IntegerConverter

from config import BASE_DIR, INSTANCE_DIR, Config, get_config

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'{socket}; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
# A year, subdomains included: sent when the site is served over https (PUBLIC_URL or the request).
HSTS = "max-age=31536000; includeSubDomains"


def page_csp(config: Config) -> str:
    """The page's CSP: connect-src is this origin only ('self', plus its ws/wss form for browsers
    that do not map 'self' to websockets), never any host's ws:/wss:."""
    public = urlsplit(config.PUBLIC_URL)
    scheme = "wss" if public.scheme == "https" else "ws"
    return CSP.format(socket=f" {scheme}://{public.netloc}" if public.netloc else "")


def _origins(config: Config) -> list[str]:
    """Origins allowed to open a socket: ALLOWED_ORIGINS, else PUBLIC_URL and the local address."""
    if config.ALLOWED_ORIGINS:
        return config.ALLOWED_ORIGINS
    public = urlsplit(config.PUBLIC_URL)
    return sorted(
        {
            f"{public.scheme}://{public.netloc}",
            f"http://127.0.0.1:{config.PORT}",
            f"http://localhost:{config.PORT}",
        }
    )


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a number past 2**53 (JavaScript's safe integers) matches no route.

    Such an id names nothing, so the answer is the contract's 404; it never reaches the database,
    which would fail on it (SQLite cannot bind an integer past 2**63).
    """

    def __init__(self, url_map: Any, fixed_digits: int = 0, min: int | None = None, max: int | None = 2**53) -> None:
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max)


class SocketlessCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, not opened for socket events.

    Flask opens the session each time a request context is pushed, and Flask-SocketIO pushes
    one per socket event, then swaps in its own per-socket session. Opening it built a signing
    serializer and parsed the handshake's cookies on every event (4.6 % of the server's samples
    at its message:send ceiling, docs/PERFORMANCE.md); for /socket.io contexts it is now empty.
    """

    def open_session(self, app: Flask, request: Any) -> SecureCookieSession | None:
        """An empty session for /socket.io contexts and requests without the cookie; Flask's own otherwise."""
        if request.environ.get("PATH_INFO", "").startswith("/socket.io"):
            return self.session_class()
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            # What Flask returns then too, without building a signing serializer first: API calls
            # carry a bearer token, not the cookie (3 % of a like storm's worker, "Like storm").
            return self.session_class()
        return super().open_session(app, request)


class MasterchatFlask(Flask):
    """Flask, minus URL matching for the request contexts of socket events.

    Flask-SocketIO runs every socket event inside a request context built from the socket's
    handshake request (`/socket.io/...`), and pushing one matches its URL. No route matches
    it, so each event raised a NotFound and kept it with its traceback, and Werkzeug's matcher
    left a self-referencing closure: about 60 objects of cyclic garbage per event, all of the
    garbage the server made under chat traffic, which the collector had to find (long young
    collections at 10,000 sockets). Socket handlers never route or build URLs, so their
    contexts get no URL adapter and match nothing (docs/PERFORMANCE.md, "Garbage collection").
    """

    session_interface = SocketlessCookieSessions()

    def create_url_adapter(self, request):
        """No adapter for /socket.io/ contexts; Flask's own otherwise."""
        if request is not None and request.environ.get("PATH_INFO", "").startswith("/socket.io"):
            return None
        return super().create_url_adapter(request)


def create_app(config_name: str | Config | None = None) -> Flask:
    """Build the app: config, database, migrations, Socket.IO, blueprints, error handlers."""
    from app import models  # noqa: F401  (registers the tables)
    from app.api import register_blueprints
    from app.db import configure_engine, install_session_hooks
    from app.errors import register_error_handlers
    from app.extensions import db, migrate, socketio
    from app.presence import make_presence
    from app.ratelimit import make_limiter

    config = config_name if isinstance(config_name, Config) else get_config(config_name)
    app = MasterchatFlask(__name__, instance_path=str(INSTANCE_DIR), instance_relative_config=False)
    app.config.from_object(config)
    app.url_map.converters["int"] = IdConverter
    from app import logs, ops

    logs.setup_logging(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "connect_args": {"check_same_thread": False, "timeout": 5},
            # Kept like PostgreSQL's: SQLAlchemy's default of 5 made every request past the fifth at
            # once open and close a connection of its own (the pragmas and lower() with it): a like
            # storm's profile showed 6 % of the CPU in Engine.connect.
            "pool_size": app.config["DB_POOL_SIZE"],
            "max_overflow": app.config["DB_MAX_OVERFLOW"],
        }
    else:
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_size": app.config["DB_POOL_SIZE"],
            "max_overflow": app.config["DB_MAX_OVERFLOW"],
            # Connections are renewed every half hour; no ping before each checkout (a round trip per
            # event under load). After a database restart the first query on a dead connection fails
            # once and the pool replaces every connection of that generation.
            "pool_recycle": 1800,
        }
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    install_session_hooks()
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)

    # Handlers must be declared before init_app, which copies them onto each new server.
    from app import sockets  # noqa: F401

    queue = {}
    if app.config["REDIS_URL"]:
        from app import redis_client
        from app.realtime import worker_hook_runner
        from app.upkeep import install_queue_hooks

        redis_client.configure(app.config["REDIS_TIMEOUT"])
        manager = redis_client.QueueManager(
            app.config["REDIS_URL"],
            channel=app.config["REDIS_CHANNEL"],
            retry=app.config["REDIS_RETRY"],
            buffer=app.config["PUBLISH_BUFFER"],
            max_age=app.config["PUBLISH_MAX_AGE"],
        )
        install_queue_hooks(manager)
        manager.on_call = worker_hook_runner(app)  # run_everywhere(): a hook on every worker
        queue["client_manager"] = manager
    from app.room_index import index_rooms_by_socket
    from app.sockets.frames import FramePacket

    index_rooms_by_socket()  # a disconnect scans its socket's rooms, not all 30,000 (app/room_index.py)
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        message_queue=app.config["REDIS_URL"],
        channel=app.config["REDIS_CHANNEL"],
        **queue,
        cors_allowed_origins=_origins(config),
        max_http_buffer_size=app.config["SOCKET_MAX_FRAME"],
        http_compression=False,
        serializer=FramePacket,
        ping_interval=25,
        ping_timeout=20,
    )
    from app.sockets.events import install_event_dispatch

    install_event_dispatch(socketio.server)  # client events run in an app context (app/sockets/events.py)
    worker = f"{app.config['HOST']}:{app.config['PORT']}"
    app.extensions["masterchat.presence"] = make_presence(app.config["REDIS_URL"], worker, app.config)
    app.extensions["masterchat.ratelimit"] = make_limiter(app.config["REDIS_URL"])

    register_error_handlers(app)
    register_blueprints(app)
    logs.init_app(app)  # request ids and access lines (app/logs.py)
    ops.init_app(app)  # /healthz, /readyz, /metrics (app/ops.py)
    from app.api.base import chunked_input_terminated, no_websocket_compression
    from app.guards import polling_guard

    app.wsgi_app = no_websocket_compression(chunked_input_terminated(app.wsgi_app))
    app.wsgi_app = polling_guard(app.wsgi_app, app.config["SOCKET_MAX_FRAME"])
    from app import cli

    cli.register(app)

    @app.get("/")
    def index():
        """The single-page client."""
        return render_template("index.html")

    csp = page_csp(config)
    https_site = config.PUBLIC_URL.startswith("https://")

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if https_site or request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", csp)
            response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    Path(app.config["UPLOAD_DIR"]).mkdir(parents=True, exist_ok=True)
    return app
