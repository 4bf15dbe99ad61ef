"""Serve Socket.IO websockets the way wsgi.py does, and count the cyclic garbage the closed ones leave.

Run by tests/test_gc_tuning.py in a process of its own (the async libraries monkey-patch it):

    python tests/gc_probe.py eventlet|gevent patched|unpatched CONNECTIONS [silent]

prints one JSON line: {"found": objects of cyclic garbage after CONNECTIONS websockets opened and
closed, "types": the most common of them}. With app/server_cycles.py's fixes ("patched") a closed
connection should leave none: frozen by app/gc_tuning.py, any it left would wait hours for a full
collection.
"""

from __future__ import annotations

import sys

MODE, PATCHED, CONNECTIONS = sys.argv[1], sys.argv[2] == "patched", int(sys.argv[3])
# silent: the clients go quiet after connecting, so the server's websocket read times out (the way
# about half the sockets ended at 10,000 users) before they close
SILENT = len(sys.argv) > 4 and sys.argv[4] == "silent"
if MODE == "eventlet":
    import eventlet

    eventlet.monkey_patch()
else:
    from gevent import monkey

    monkey.patch_all()

import collections  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402

import socketio  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from app import server_cycles  # noqa: E402

CLIENT = """
import sys, time, websocket
opened = []
for _ in range(int(sys.argv[2])):
    ws = websocket.create_connection(sys.argv[1] + "/socket.io/?EIO=4&transport=websocket", timeout=10)
    ws.recv()                 # the Engine.IO handshake
    ws.send("40")             # Socket.IO connect
    ws.recv()
    opened.append(ws)
if sys.argv[3] == "silent":
    time.sleep(3)             # no pong, no frame: the server's read (timeout 1 + 1 s) gives up first
for ws in opened:
    ws.close()
"""


def serve() -> tuple[int, callable]:
    """A Socket.IO server on a free port, in the background; returns the port and a stopper."""
    sio = socketio.Server(async_mode=MODE, ping_interval=1, ping_timeout=1)
    app = socketio.WSGIApp(sio)
    if MODE == "eventlet":
        from eventlet import wsgi

        if PATCHED:
            server_cycles.break_eventlet_cycles()
        listener = eventlet.listen(("127.0.0.1", 0))
        thread = eventlet.spawn(wsgi.server, listener, app, log_output=False)
        return listener.getsockname()[1], thread.kill
    from gevent import pywsgi
    from geventwebsocket.handler import WebSocketHandler

    if PATCHED:
        server_cycles.break_gevent_cycles()
    server = pywsgi.WSGIServer(("127.0.0.1", 0), app, handler_class=WebSocketHandler, log=None)
    server.start()
    return server.server_port, server.stop


def connect(port: int, count: int) -> None:
    """Open and close `count` websockets from another process (its objects are not ours to count)."""
    mode = "silent" if SILENT else "polite"
    subprocess.run([sys.executable, "-c", CLIENT, f"ws://127.0.0.1:{port}", str(count), mode], check=True, timeout=120)


def settle() -> None:
    """Let the server finish the closed connections' greenlets."""
    sleep = eventlet.sleep if MODE == "eventlet" else __import__("gevent").sleep
    for _ in range(40):
        sleep(0.05)


def main() -> None:
    """Warm up (imports, first-use caches), then count what CONNECTIONS connections leave behind."""
    port, stop = serve()
    connect(port, 3)
    settle()
    while gc.collect():
        pass
    gc.set_debug(gc.DEBUG_SAVEALL)
    connect(port, CONNECTIONS)
    settle()
    found = gc.collect()
    gc.set_debug(0)
    types = collections.Counter(type(o).__qualname__ for o in gc.garbage)
    gc.garbage.clear()
    stop()
    print(json.dumps({"found": found, "types": dict(types.most_common(8))}))


if __name__ == "__main__":
    main()
