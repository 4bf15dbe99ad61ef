"""Entry point: monkey-patch first, bring the schema up to date, then serve.

`python wsgi.py` serves on HOST:PORT with the async mode from ASYNC_MODE (eventlet by default,
gevent works too), over https/wss when CERT_FILE and KEY_FILE are set.
`python wsgi.py --check-config` prints the settings the process would run with (secrets masked)
and exits (status 2 on a bad setting).
`wsgi:app` is the WSGI app for other servers and for `flask --app wsgi:app ...` commands, which run
without monkey patching (async mode threading): a migration or a seed needs no event loop.
"""

import os
import sys
import warnings
from pathlib import Path

from dotenv import load_dotenv

load_dotenv(Path(__file__).resolve().parent / ".env")
CHECK_CONFIG = __name__ == "__main__" and "--check-config" in sys.argv[1:]


def _under_flask_cli() -> bool:
    """True when the `flask` command imports this module (it loads the app inside its click context)."""
    click = sys.modules.get("click")
    return click is not None and click.get_current_context(silent=True) is not None


# Serving (here or under another WSGI server) patches the standard library for the event loop;
# `flask ...` commands and --check-config do not.
SERVING = not CHECK_CONFIG and not _under_flask_cli()
# eventlet warns on import that it is in maintenance mode; we know (docs/PERFORMANCE.md compares it with gevent).
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")


def _listen_backlog() -> int:
    """LISTEN_BACKLOG, read before anything else is imported (config.py validates it again)."""
    value = os.environ.get("LISTEN_BACKLOG") or "2048"
    if not value.strip().isdigit() or int(value) < 1:
        sys.exit(f"invalid settings: LISTEN_BACKLOG={value!r}: expected a positive integer")
    return int(value)


ASYNC_MODE = os.environ.get("ASYNC_MODE", "eventlet").strip().lower() if SERVING else "threading"
# The listen queue. eventlet.listen's default is 50: at hundreds of connects per second the queue
# overflows, the kernel drops SYNs and each dropped client retries after 1 s (connect p99 ~1 s).
LISTEN_BACKLOG = _listen_backlog() if SERVING else 0
# Every connection's reads and writes time out (docs/SECURITY.md, "Transport"): a body that never
# arrives or a reader that never reads lets go of its greenlet. Above Engine.IO's ping interval plus
# timeout (25 + 20 s), so a healthy idle websocket (a pong every 25 s) is never cut. Read here for
# gevent's handler, before the app exists; config.py validates it (and HTTP_IDLE_TIMEOUT) again.
HTTP_SOCKET_TIMEOUT = float(os.environ.get("HTTP_SOCKET_TIMEOUT") or 60)
# eventlet's listener sets SO_REUSEPORT unless told not to: a second server on the same port then
# started silently and the kernel split the connections between the two (issue 12). Off unless asked.
REUSE_PORT = os.environ.get("REUSE_PORT", "").strip().lower() in {"1", "true", "yes", "on"}
LISTENERS: list = []  # the listening sockets, closed first when SIGTERM drains the worker
if ASYNC_MODE == "eventlet":
    import eventlet

    eventlet.monkey_patch()

    import eventlet.wsgi

    # eventlet answers a header line over 8 kB with an empty 400 of its own; let lines up to the total
    # header limit (64 kB) reach the app, which answers in the contract's shape (a 10 kB token: 401).
    eventlet.wsgi.MAX_HEADER_LINE = eventlet.wsgi.MAX_TOTAL_HEADER_SIZE
    from app.server_cycles import break_eventlet_cycles

    break_eventlet_cycles()  # no reference cycle per connection (frozen by app/gc_tuning.py, see there)

    import socket

    _listen = eventlet.listen

    def _listen_nodelay(addr, family=socket.AF_INET, backlog=50, **kwargs):
        # Accepted sockets inherit TCP_NODELAY: without it an ack written right after a broadcast
        # waits ~40 ms for the client's delayed ACK (Nagle), quadrupling message:send latency.
        kwargs.setdefault("reuse_port", REUSE_PORT)
        sock = _listen(addr, family, max(backlog, LISTEN_BACKLOG), **kwargs)
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        LISTENERS.append(sock)
        return sock

    eventlet.listen = _listen_nodelay
elif ASYNC_MODE == "gevent":
    from gevent import monkey

    monkey.patch_all()

    import socket

    import gevent.server

    _tcp_listener = gevent.server._tcp_listener

    def _tcp_listener_nodelay(address, backlog=50, *args, **kwargs):
        # The same Nagle and listen-queue fixes as under eventlet: pywsgi's listener is made here.
        sock = _tcp_listener(address, max(backlog, LISTEN_BACKLOG), *args, **kwargs)
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if REUSE_PORT:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        LISTENERS.append(sock)
        return sock

    gevent.server._tcp_listener = _tcp_listener_nodelay

    import gevent.pywsgi

    _handle = gevent.pywsgi.WSGIServer.handle

    def _handle_with_timeout(self, sock, address):
        # pywsgi has no socket_timeout: every accepted socket gets one here (reads, writes, and idle:
        # pywsgi has no separate idle limit, so an idle connection is closed after HTTP_SOCKET_TIMEOUT).
        sock.settimeout(HTTP_SOCKET_TIMEOUT)
        return _handle(self, sock, address)

    gevent.pywsgi.WSGIServer.handle = _handle_with_timeout
    from app.server_cycles import break_gevent_cycles

    break_gevent_cycles()  # no reference cycle per websocket (frozen by app/gc_tuning.py, see there)

from app.ws_speedups import install as install_ws_speedups  # noqa: E402

install_ws_speedups(ASYNC_MODE)  # per-frame and per-packet costs of the websocket servers (see there)

if ASYNC_MODE in ("eventlet", "gevent") and os.environ.get("DATABASE_URL", "").startswith("postgresql"):
    # psycopg2 waits on the socket through the event loop instead of blocking the process.
    import importlib

    importlib.import_module(f"psycogreen.{ASYNC_MODE}").patch_psycopg()


def check_config() -> int:
    """Print every setting as this process would use it (secrets masked); 2 on a bad setting."""
    from config import ConfigError, describe, get_config

    try:
        config = get_config()
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    rows = describe(config)
    width = max(len(name) for name, _, _ in rows)
    print(f"# {type(config).__name__}; 'env' = from the environment or .env, 'default' = not set")
    for name, value, source in rows:
        print(f"{name.ljust(width)}  {value}  [{source}]")
    return 0


if CHECK_CONFIG:
    sys.exit(check_config())


def refuse_taken_port() -> None:
    """Exit with a clear error when HOST:PORT is already served (before touching Redis or the database)."""
    import errno
    import socket as _socket

    host, port = os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "5000"))
    probe = _socket.socket(_socket.AF_INET6 if ":" in host else _socket.AF_INET, _socket.SOCK_STREAM)
    try:
        probe.setsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR, 1)  # as the real listener: TIME_WAIT is fine
        probe.bind((host, port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            sys.exit(
                f"Masterchat: port {port} on {host} is already in use by another server; not starting "
                "(set REUSE_PORT=on to share a port on purpose)"
            )
        raise
    finally:
        probe.close()


if __name__ == "__main__" and SERVING and not REUSE_PORT:
    refuse_taken_port()

from app import create_app  # noqa: E402
from app.extensions import socketio  # noqa: E402
from config import ConfigError, get_config  # noqa: E402

try:
    _config = get_config()
except ConfigError as _err:
    sys.exit(str(_err))
if not SERVING:
    _config.ASYNC_MODE = "threading"  # a command, not a server: no event loop, no monkey patching
app = create_app(_config)


def upgrade_schema() -> None:
    """Apply pending Alembic migrations (as `flask db upgrade` would)."""
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


def stop_accepting() -> None:
    """Close the listening sockets: new connections are refused (nginx tries the next worker)."""
    for sock in LISTENERS:
        sock.close()


def install_drain() -> None:
    """SIGTERM (and SIGINT) drain the worker (app/upkeep.py, `drain`) within DRAIN_TIMEOUT seconds."""
    import signal

    from app.upkeep import drain

    started: list[bool] = []

    def on_signal(*_args) -> None:
        if started:
            return
        started.append(True)
        socketio.start_background_task(drain, app, stop_accepting, app.config["DRAIN_TIMEOUT"])

    if app.config["ASYNC_MODE"] == "gevent":
        import gevent

        gevent.signal_handler(signal.SIGTERM, on_signal)
        gevent.signal_handler(signal.SIGINT, on_signal)
    else:
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)


def hint_demo() -> None:
    """On an empty database, say how to get a marketplace to try (`make demo`)."""
    from app.demo import is_empty

    with app.app_context():
        if is_empty():
            app.logger.warning(
                "The database is empty. For a marketplace to try (masters, orders, chats, in Russian and "
                "English), stop the server and run `make demo` (or `flask --app wsgi:app demo`); it prints the logins."
            )


if __name__ == "__main__":
    upgrade_schema()
    hint_demo()
    from app.gc_tuning import tune

    # After start-up, so that the app's own objects are frozen out of every later collection.
    tune(app.config, socketio.start_background_task)
    from app import metrics

    metrics.forget_dead_workers()  # live gauges of crashed workers sharing PROMETHEUS_MULTIPROC_DIR
    socketio.start_background_task(metrics.gc_flusher)
    from app.services.admin import watch_actions

    # Bans and revocations made with `flask admin ...` close the sockets here within 2 s.
    socketio.start_background_task(watch_actions, app)
    if app.config["ASYNC_MODE"] in ("eventlet", "gevent"):
        from app.upkeep import start as start_upkeep

        install_drain()  # SIGTERM drains (docs/RELIABILITY.md)
        start_upkeep(app)  # presence heartbeat, offline announcements, revoked-session check
    server = socketio.server
    if app.config["REDIS_URL"] and server is not None and not server.manager_initialized:
        # Listen to the message queue from the start. python-socketio subscribes at the first socket
        # connect, so a restarted worker's first clients could miss what other workers published
        # between their connect and its subscription.
        server.manager_initialized = True
        server.manager.initialize()
    host, port = app.config["HOST"], app.config["PORT"]
    kwargs = {}
    if app.config["CERT_FILE"]:
        # TLS here (https and wss) when no proxy terminates it; behind nginx, nginx does.
        kwargs.update(certfile=app.config["CERT_FILE"], keyfile=app.config["KEY_FILE"])
    scheme = "https" if kwargs else "http"
    app.logger.info("Masterchat on %s://%s:%s (async mode %s)", scheme, host, port, app.config["ASYNC_MODE"])
    if app.config["ASYNC_MODE"] == "eventlet":
        # eventlet's wsgi server caps connections at 1024 unless told otherwise.
        kwargs["max_size"] = app.config["MAX_CONNECTIONS"]
        kwargs["socket_timeout"] = app.config["HTTP_SOCKET_TIMEOUT"]
        kwargs["keepalive"] = app.config["HTTP_IDLE_TIMEOUT"]  # a number: the idle limit while waiting for a request
    # Access lines come from app/logs.py (one per request, with its id), not from the WSGI server.
    try:
        socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, log_output=False, **kwargs)
    except OSError as exc:
        import errno

        if exc.errno != errno.EADDRINUSE:
            raise
        sys.exit(f"Masterchat: port {port} on {host} is already in use by another server; not starting")
