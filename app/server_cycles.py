"""Reference cycles the WSGI servers leave per connection, broken where they are made.

Why: app/gc_tuning.py freezes whatever survives two young collections, an open websocket's
objects included. Frozen objects are still freed by reference counting when the socket closes,
but objects in a reference cycle are not: they wait for the scheduled full collection (hours),
so every cycle a connection leaves becomes memory that grows with connection churn. Measured with
`bench/gc_census.py` and gc.DEBUG_SAVEALL: each connection eventlet served left ~73 objects of
cyclic garbage (the protocol, its socket, buffered reader and writer, headers, input): 1,000
connects a minute is ~4 million objects an hour held until the full collection.

Each fix below is small enough to go upstream as it is, and tests/test_gc_tuning.py checks that a
served connection leaves no cycle behind.
"""

from __future__ import annotations

from typing import Any


def break_eventlet_cycles() -> None:
    """eventlet.wsgi: `environ['eventlet.set_idle']` is a closure over the protocol object, and the
    protocol keeps `environ`: protocol -> environ -> set_idle -> cell -> protocol. The closure needs
    only the connection's state list, so it gets one that refers to that list alone (the upstream fix
    would write `conn_state = self.conn_state` before `def set_idle` in HttpProtocol.get_environ)."""
    import eventlet.wsgi as ewsgi

    protocol = ewsgi.HttpProtocol
    if getattr(protocol, "_masterchat_no_cycle", False):
        return
    original = protocol.get_environ

    def get_environ(self: Any) -> dict[str, Any]:
        env = original(self)
        conn_state = self.conn_state

        def set_idle() -> None:
            conn_state[2] = ewsgi.STATE_IDLE

        env["eventlet.set_idle"] = set_idle  # replaces the closure over `self`, which is then freed
        return env

    protocol.get_environ = get_environ
    protocol._masterchat_no_cycle = True
    _break_timeout_cycle()


def _break_timeout_cycle() -> None:
    """eventlet.greenio: a socket read or write that times out raises the `socket.timeout` instance
    its caller made up front and handed down as `timeout_exc`; the frames in the exception's own
    traceback keep it (the `timeout_exc` parameters, the timer's arguments), so exception ->
    traceback -> frame -> exception is a cycle, and with it the whole connection (its websocket,
    Engine.IO socket, queue, greenthreads, session: ~160 objects) that the frames refer to. At
    10,000 users about half the websockets end this way (Engine.IO's read times out once the client
    is gone), which left 800,000 objects for the full collection. Clearing the finished frames and
    dropping the parameter before re-raising breaks the cycle; the exception and its traceback are
    otherwise unchanged for the code that catches it (upstream: the same three lines in
    GreenSocket._trampoline)."""
    import traceback

    from eventlet.greenio.base import GreenSocket

    original = GreenSocket._trampoline

    def _trampoline(
        self: Any, fd: Any, read: bool = False, write: bool = False, timeout: Any = None, timeout_exc: Any = None
    ) -> Any:
        try:
            return original(self, fd, read=read, write=write, timeout=timeout, timeout_exc=timeout_exc)
        except BaseException as exc:
            if exc is timeout_exc:
                traceback.clear_frames(exc.__traceback__)  # the finished frames below: their locals go
            del timeout_exc
            raise

    GreenSocket._trampoline = _trampoline


class _NoApp:
    """What gevent-websocket's WebSocket.current_app returns for an app without `current_app`."""

    def on_close(self, *_args: Any) -> None:
        """Nothing to tell: the app learns of the close from its own read loop."""


_NO_APP = _NoApp()


def break_gevent_cycles() -> None:
    """gevent-websocket: `WebSocket.current_app` defines a new class (`MockApp`) on every call when
    the WSGI app has no `current_app`, which is ours; a class is a cycle of ~60 objects (type, dict,
    mro, descriptors) and each closed websocket made one. One shared instance of one class does the
    same (the upstream fix is moving `MockApp` to module level)."""
    from geventwebsocket.websocket import WebSocket

    if getattr(WebSocket, "_masterchat_no_cycle", False):
        return

    def current_app(self: Any) -> Any:
        return getattr(self.handler.server.application, "current_app", _NO_APP)

    WebSocket.current_app = property(current_app)
    WebSocket._masterchat_no_cycle = True
