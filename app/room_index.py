"""python-socketio's rooms, indexed by socket as well as by room.

python-socketio keeps `rooms[namespace][room] = {sid: eio_sid}` only. To find a socket's rooms,
`BaseManager.basic_disconnect` (every disconnect) and `get_rooms` (Flask-SocketIO's `rooms()`,
called by `posts:watch`) copy and scan every room of the namespace. Each socket here is in at least
three (its own, `user:<id>`, `session:<id>`), so at 10,000 users every disconnect scanned 30,000
rooms: in a reconnect storm of 2,000 that scan was 40 % of the worker's CPU (py-spy, docs/PERFORMANCE.md,
"A reconnect storm of 2,000"), and every returning user waited behind it.

The index `(namespace, sid) -> rooms` is kept beside python-socketio's own by wrapping the two
methods that change membership (`basic_enter_room`, `basic_leave_room`; `basic_close_room` and
`basic_disconnect` go through the latter), and the two readers use it: a disconnect costs the
socket's own rooms, not everyone's. The rest of `basic_disconnect` is python-socketio 5.18's, line
for line. (Upstream: the same index in BaseManager.) tests/test_room_index.py runs random sequences
of joins, leaves, closes and disconnects against the unpatched manager and compares every room.
"""

from __future__ import annotations

from typing import Any

_Key = tuple[str, str]
_PATCHED = ("basic_enter_room", "basic_leave_room", "basic_disconnect", "get_rooms")
UPSTREAM: dict[str, Any] = {}  # python-socketio's own methods, as they were before the patch


def _index(manager: Any) -> dict[_Key, dict[Any, None]]:
    index = manager.__dict__.get("_rooms_of_sid")
    if index is None:
        index = manager._rooms_of_sid = {}
    return index


def index_rooms_by_socket() -> None:
    """Install the index on python-socketio's BaseManager (and so on every manager); idempotent."""
    from socketio.base_manager import BaseManager

    if getattr(BaseManager, "_masterchat_room_index", False):
        return
    UPSTREAM.update({name: BaseManager.__dict__[name] for name in _PATCHED})
    enter, leave = BaseManager.basic_enter_room, BaseManager.basic_leave_room

    def basic_enter_room(self: Any, sid: str, namespace: str, room: Any, eio_sid: Any = None) -> None:
        enter(self, sid, namespace, room, eio_sid=eio_sid)
        _index(self).setdefault((namespace, sid), {})[room] = None

    def basic_leave_room(self: Any, sid: str, namespace: str, room: Any) -> None:
        leave(self, sid, namespace, room)
        index = _index(self)
        rooms = index.get((namespace, sid))
        if rooms is not None:
            rooms.pop(room, None)
            if not rooms:
                del index[(namespace, sid)]

    def basic_disconnect(self: Any, sid: str, namespace: str, **kwargs: Any) -> None:
        if namespace not in self.rooms:
            return
        for room in list(_index(self).get((namespace, sid), ())):
            self.basic_leave_room(sid, namespace, room)
        if sid in self.callbacks:
            del self.callbacks[sid]
        if namespace in self.pending_connect and sid in self.pending_connect[namespace]:
            self.pending_connect[namespace].remove(sid)
            if len(self.pending_connect[namespace]) == 0:
                del self.pending_connect[namespace]
        if namespace in self.pending_disconnect and sid in self.pending_disconnect[namespace]:
            self.pending_disconnect[namespace].remove(sid)
            if len(self.pending_disconnect[namespace]) == 0:
                del self.pending_disconnect[namespace]

    def get_rooms(self: Any, sid: str, namespace: str) -> list[Any]:
        """Return the rooms a client is in."""
        return [room for room in _index(self).get((namespace, sid), ()) if room is not None]

    BaseManager.basic_enter_room = basic_enter_room
    BaseManager.basic_leave_room = basic_leave_room
    BaseManager.basic_disconnect = basic_disconnect
    BaseManager.get_rooms = get_rooms
    BaseManager._masterchat_room_index = True
