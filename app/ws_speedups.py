"""Per-frame costs of the websocket servers, taken out where the profile at 10,000 users found them.

py-spy on one worker at 10,000 users and 1,000 msg/s (docs/PERFORMANCE.md, "CPU per frame"):

- gevent: every frame gevent-websocket writes goes through gevent's `socket.sendall`, which asks the
  kernel for SO_SNDBUF (a `getsockopt` system call) before each send to size its chunks. That
  second system call per frame cost as much as the send itself: 7.6 % of the worker's CPU. A frame
  is a few hundred bytes; one `send` takes it whole, and `sendall` is only needed for what a full
  socket buffer left over. (Upstream: gevent's `_sendall` could try one send before sizing chunks.)
- both: the payload of every frame a browser sends is masked, and both libraries unmask it one byte
  at a time in Python (gevent-websocket `Header.mask_payload`, eventlet `_apply_mask`): 1.7 % and
  3.8 %. wsaccel, the C accelerator both already use for UTF-8 validation when it is installed, has
  the masker too. (Upstream: the same `try: import wsaccel` both libraries have for the validator.)
- both: Engine.IO's websocket writer waits for its next packet with `queue.get(timeout=...)`, so
  every delivery to an idle socket started and cancelled a timer in the event loop (eventlet: 6 %
  of the CPU in the hub's timer heap). The timeout is a safety net only: a websocket's writer is
  ended by the None that `Socket.close()` and the end of the read loop queue, and the server's
  service task closes a socket whose client stopped answering pings. With that task running, a
  websocket's writer now waits without a timer. (Upstream: the same condition in `Socket.poll`.)
- gevent: every greenlet records the stack that spawned it (gevent's `track_greenlet_tree`, on by
  default, a debugging aid): Engine.IO spawns one per received message, and recording it was 3.2 %.
  It is turned off.

wsgi.py calls `install(ASYNC_MODE)` once, after the async library's monkey-patching. Each patch
keeps the library's own behaviour (errors, timeouts, partial writes); tests/test_ws_speedups.py
checks them against it.
"""

from __future__ import annotations

from typing import Any

from wsaccel.xormask import XorMaskerSimple


def unmask(data: bytes, mask: bytes, length: int | None = None, offset: int = 0) -> bytes:
    """`data[:length]` XOR the 4-byte `mask`, the mask starting at byte `offset` of the frame."""
    if length is not None and length != len(data):
        data = data[:length]
    turn = offset % 4
    if turn:
        mask = mask[turn:] + mask[:turn]
    return XorMaskerSimple(bytes(mask)).process(bytes(data))


def frame_writer(sock: Any) -> Any:
    """A `write(data)` for a gevent socket: one `send`, `sendall` only for what it left over."""
    send, sendall = sock.send, sock.sendall

    def write(data: bytes) -> None:
        sent = send(data)  # waits for the socket to be writable, within its timeout, like sendall
        if sent < len(data):
            sendall(memoryview(data)[sent:])

    return write


def _poll(self: Any) -> list[Any]:
    """engineio `Socket.poll` for a websocket: the first packet waited for without a timer."""
    if not self.upgraded or self.server.service_task_handle is None:
        return _engineio_poll(self)
    packets = [self.queue.get()]
    self.queue.task_done()
    if packets == [None]:
        return []
    queue_empty = self.server.get_queue_empty_exception()
    while True:  # then everything already queued, as engineio does
        try:
            pkt = self.queue.get(block=False)
        except queue_empty:
            break
        self.queue.task_done()
        if pkt is None:
            self.queue.put(None)
            break
        packets.append(pkt)
    return packets


_engineio_poll: Any = None


def wait_for_packets_without_timers() -> None:
    """engineio: a websocket's writer waits for its next packet without a timer (see above)."""
    global _engineio_poll
    from engineio import socket

    if _engineio_poll is None:
        _engineio_poll = socket.Socket.poll
        socket.Socket.poll = _poll


def speed_up_gevent_websocket() -> None:
    """gevent-websocket: frames written with one system call, payloads unmasked in C."""
    from geventwebsocket import websocket

    if getattr(websocket, "_masterchat_speedups", False):
        return
    stream_init = websocket.Stream.__init__

    def init(self: Any, handler: Any) -> None:
        stream_init(self, handler)
        self.write = frame_writer(handler.socket)

    def mask_payload(self: Any, payload: bytes) -> bytes:
        return unmask(payload, self.mask, self.length)

    websocket.Stream.__init__ = init
    websocket.Header.mask_payload = mask_payload
    websocket.Header.unmask_payload = mask_payload
    websocket._masterchat_speedups = True


def speed_up_eventlet_websocket() -> None:
    """eventlet: payloads unmasked in C."""
    from eventlet import websocket

    if getattr(websocket, "_masterchat_speedups", False):
        return
    websocket.RFC6455WebSocket._apply_mask = staticmethod(unmask)
    websocket._masterchat_speedups = True


def install(async_mode: str) -> None:
    """Every speed-up above that applies to `async_mode` (eventlet or gevent; others: none)."""
    if async_mode == "eventlet":
        speed_up_eventlet_websocket()
    elif async_mode == "gevent":
        import gevent

        gevent.config.track_greenlet_tree = False
        speed_up_gevent_websocket()
    else:
        return
    wait_for_packets_without_timers()
