"""Entry point: monkey-patch first, bring the schema up to date, then serve.

`python wsgi.py` serves on HOST:PORT with the async mode from ASYNC_MODE
(eventlet by default, gevent works too). `wsgi:app` is the WSGI app for other servers.
"""

import os

ASYNC_MODE = os.environ.get("ASYNC_MODE", "eventlet")
# The listen queue. eventlet.listen's default is 50: at hundreds of connects per second the queue
# overflows, the kernel drops SYNs and each dropped client retries after 1 s (connect p99 ~1 s).
LISTEN_BACKLOG = int(os.environ.get("LISTEN_BACKLOG", "2048"))
# eventlet's listener sets SO_REUSEPORT unless told not to: a second server on the same port then
# started silently and the kernel split the connections between the two (issue 12). Off unless asked.
REUSE_PORT = os.environ.get("REUSE_PORT", "").strip().lower() in {"1", "true", "yes", "on"}
LISTENERS: list = []  # the listening sockets, closed first when SIGTERM drains the worker
if ASYNC_MODE == "eventlet":
    import eventlet

    eventlet.monkey_patch()

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

if ASYNC_MODE in ("eventlet", "gevent") and os.environ.get("DATABASE_URL", "").startswith("postgresql"):
    # psycopg2 waits on the socket through the event loop instead of blocking the process.
    import importlib

    importlib.import_module(f"psycogreen.{ASYNC_MODE}").patch_psycopg()


def refuse_taken_port() -> None:
    """Exit with a clear error when HOST:PORT is already served (before touching Redis or the database)."""
    import errno
    import socket as _socket
    import sys

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


if __name__ == "__main__" and not REUSE_PORT:
    refuse_taken_port()

from app import create_app  # noqa: E402
from app.extensions import socketio  # noqa: E402

app = create_app(os.environ.get("APP_ENV"))


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


if __name__ == "__main__":
    import sys

    host, port = app.config["HOST"], app.config["PORT"]
    upgrade_schema()
    from app.gc_tuning import tune
    from app.upkeep import start as start_upkeep

    # After start-up, so that the app's own objects are frozen out of every later collection.
    tune(app.config, socketio.start_background_task)
    if app.config["ASYNC_MODE"] in ("eventlet", "gevent"):
        install_drain()
        start_upkeep(app)
    app.logger.info("Masterchat on http://%s:%s (async mode %s)", host, port, app.config["ASYNC_MODE"])
    kwargs = {}
    if app.config["ASYNC_MODE"] == "eventlet":
        # eventlet's wsgi server caps connections at 1024 unless told otherwise.
        kwargs["max_size"] = int(os.environ.get("MAX_CONNECTIONS", "20000"))
    try:
        socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, log_output=False, **kwargs)
    except OSError as exc:
        import errno

        if exc.errno != errno.EADDRINUSE:
            raise
        sys.exit(f"Masterchat: port {port} on {host} is already in use by another server; not starting")
