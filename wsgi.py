"""Entry point: monkey-patch first, bring the schema up to date, then serve.

`python wsgi.py` serves on HOST:PORT with the async mode from ASYNC_MODE
(eventlet by default, gevent works too). `wsgi:app` is the WSGI app for other servers.
"""

import os

ASYNC_MODE = os.environ.get("ASYNC_MODE", "eventlet")
# The listen queue. eventlet.listen's default is 50: at hundreds of connects per second the queue
# overflows, the kernel drops SYNs and each dropped client retries after 1 s (connect p99 ~1 s).
LISTEN_BACKLOG = int(os.environ.get("LISTEN_BACKLOG", "2048"))
# Every connection's reads and writes time out (docs/SECURITY.md, "Transport"): a body that never
# arrives or a reader that never reads lets go of its greenlet. Above Engine.IO's ping interval plus
# timeout (25 + 20 s), so a healthy idle websocket (a pong every 25 s) is never cut.
HTTP_SOCKET_TIMEOUT = float(os.environ.get("HTTP_SOCKET_TIMEOUT", "60"))
# A kept-alive or fresh connection that sends no request line within this many seconds is closed.
HTTP_IDLE_TIMEOUT = float(os.environ.get("HTTP_IDLE_TIMEOUT", "30"))
if ASYNC_MODE == "eventlet":
    import eventlet

    eventlet.monkey_patch()

    import eventlet.wsgi

    # eventlet answers a header line over 8 kB with an empty 400 of its own; let lines up to the total
    # header limit (64 kB) reach the app, which answers in the contract's shape (a 10 kB token: 401).
    eventlet.wsgi.MAX_HEADER_LINE = eventlet.wsgi.MAX_TOTAL_HEADER_SIZE

    import socket

    _listen = eventlet.listen

    def _listen_nodelay(addr, family=socket.AF_INET, backlog=50, **kwargs):
        # Accepted sockets inherit TCP_NODELAY: without it an ack written right after a broadcast
        # waits ~40 ms for the client's delayed ACK (Nagle), quadrupling message:send latency.
        sock = _listen(addr, family, max(backlog, LISTEN_BACKLOG), **kwargs)
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
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

if ASYNC_MODE in ("eventlet", "gevent") and os.environ.get("DATABASE_URL", "").startswith("postgresql"):
    # psycopg2 waits on the socket through the event loop instead of blocking the process.
    import importlib

    importlib.import_module(f"psycogreen.{ASYNC_MODE}").patch_psycopg()

from app import create_app  # noqa: E402
from app.extensions import socketio  # noqa: E402

app = create_app(os.environ.get("APP_ENV"))


def upgrade_schema() -> None:
    """Apply pending Alembic migrations (as `flask db upgrade` would)."""
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


if __name__ == "__main__":
    upgrade_schema()
    from app.gc_tuning import tune

    # After start-up, so that the app's own objects are frozen out of every later collection.
    tune(app.config, socketio.start_background_task)
    host, port = app.config["HOST"], app.config["PORT"]
    app.logger.info("Masterchat on http://%s:%s (async mode %s)", host, port, app.config["ASYNC_MODE"])
    kwargs = {}
    if app.config["ASYNC_MODE"] == "eventlet":
        # eventlet's wsgi server caps connections at 1024 unless told otherwise.
        kwargs["max_size"] = int(os.environ.get("MAX_CONNECTIONS", "20000"))
        kwargs["socket_timeout"] = HTTP_SOCKET_TIMEOUT
        kwargs["keepalive"] = HTTP_IDLE_TIMEOUT  # a number: the idle limit while waiting for a request
    socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, log_output=False, **kwargs)
