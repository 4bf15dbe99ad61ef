"""A bare Flask-SocketIO relay: the framework's ceiling, to measure the app against.

No database, no auth, no validation beyond the shape. A client joins the room named by
`room` in its connect auth dict (or the `room` query parameter); `message:send` is
relayed to that room as `message:new` with the shape the app sends (chat_id, seq,
sender {id}, client_id, body) and acknowledged with `{"ok": true, "message": ...}`.

    ASYNC_MODE=eventlet PORT=5800 python bench/relay.py     # or ASYNC_MODE=gevent
"""

import os

ASYNC_MODE = os.environ.get("ASYNC_MODE", "eventlet")
if ASYNC_MODE == "eventlet":
    import eventlet

    eventlet.monkey_patch()
elif ASYNC_MODE == "gevent":
    from gevent import monkey

    monkey.patch_all()

import itertools  # noqa: E402
import time  # noqa: E402

from flask import Flask, request  # noqa: E402
from flask_socketio import SocketIO, join_room  # noqa: E402

app = Flask(__name__)
socketio = SocketIO(
    app,
    async_mode=ASYNC_MODE,
    cors_allowed_origins="*",
    http_compression=False,
    ping_interval=25,
    ping_timeout=20,
    max_http_buffer_size=64 * 1024,
)
_rooms: dict[str, tuple[int, int]] = {}  # sid -> (chat_id, user_id)
_seqs: dict[int, itertools.count] = {}


@app.get("/")
def index():
    """Health check."""
    return {"relay": True, "async_mode": ASYNC_MODE}


@socketio.on("connect")
def on_connect(auth=None):
    """Join the room named in auth (or the query string); no credentials are checked."""
    auth = auth if isinstance(auth, dict) else {}
    room = auth.get("room") or request.args.get("room")
    uid = auth.get("uid") or request.args.get("uid") or 0
    if room is None:
        return False
    chat_id, user_id = int(room), int(uid)
    _rooms[request.sid] = (chat_id, user_id)
    join_room(f"chat:{chat_id}")
    return None


@socketio.on("disconnect")
def on_disconnect(*_args):
    """Forget the socket."""
    _rooms.pop(request.sid, None)


@socketio.on("message:send")
def on_send(data):
    """Relay to the room with a per-room seq and acknowledge, as the app does (minus everything else)."""
    where = _rooms.get(request.sid)
    if where is None or not isinstance(data, dict):
        return {"ok": False, "error": {"code": "validation_error", "message": "bad payload", "details": {}}}
    chat_id, user_id = where
    seq = next(_seqs.setdefault(chat_id, itertools.count(1)))
    message = {
        "id": seq,
        "chat_id": chat_id,
        "seq": seq,
        "sender": {"id": user_id},
        "client_id": data.get("client_id"),
        "body": data.get("body", ""),
        "created_at": time.time(),
    }
    socketio.emit("message:new", message, to=f"chat:{chat_id}")
    return {"ok": True, "message": message}


if __name__ == "__main__":
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5800"))
    kwargs = {}
    if ASYNC_MODE == "eventlet":
        kwargs["max_size"] = int(os.environ.get("MAX_CONNECTIONS", "20000"))
    print(f"relay on http://{host}:{port} ({ASYNC_MODE})", flush=True)
    socketio.run(app, host=host, port=port, log_output=False, allow_unsafe_werkzeug=True, **kwargs)
