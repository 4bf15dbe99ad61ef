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
- eventlet: its websocket reads every frame a client sends with a `recv` per part: two bytes of
  header, the length, four bytes of mask, the payload; four system calls for a 100-byte message,
  where gevent-websocket reads through a buffered file and makes one. The websocket's socket now
  reads ahead (`ReadAheadSocket`): one `recv` of up to 16 kB, and the parts are served from it.
  (Upstream: `RFC6455WebSocket._get_bytes` and its payload loop could read through one buffer.)
- gevent: every greenlet records the stack that spawned it (gevent's `track_greenlet_tree`, on by
  default, a debugging aid): Engine.IO spawns one per received message, and recording it was 3.2 %.
  It is turned off.

- both: every delivery went through the socket's queue to its writer task: a put, a callback in the
  hub, a switch to the writer and one back, a get, per frame. When the writer is idle (waiting on an
  empty queue) nothing is in flight, so `Socket.send` now writes the frame itself, without blocking:
  one non-blocking `send` of the whole frame. Whatever a full kernel buffer leaves over is kept for
  the writer, and a NOOP queued behind it wakes the writer to send it first; a socket that is busy,
  closing or behind TLS goes through the queue as before. Order is kept because a frame is written
  directly only when nothing is queued or being written. (Upstream: engineio's `Socket.send` could
  take the same shortcut through a `send_nowait` of the async driver's websocket.)

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


_READ_AHEAD = 16384


class ReadAheadSocket:
    """A socket whose `recv(n)` reads up to 16 kB at once and serves later calls from what is left.

    It returns at most `n` bytes, as `recv` does, so a reader that loops until it has what it asked
    for works unchanged. Everything else (sends, shutdown, close, timeouts) goes to the socket.
    """

    __slots__ = ("_buf", "_recv", "wrapped")

    def __init__(self, sock: Any) -> None:
        self.wrapped = sock
        self._recv = sock.recv
        self._buf = b""

    def recv(self, n: int) -> bytes:
        """At most `n` bytes: from what was read ahead, else from one `recv` of up to 16 kB."""
        buf = self._buf
        if not buf:
            buf = self._recv(max(n, _READ_AHEAD))
            if len(buf) <= n:
                return buf
        self._buf = buf[n:]
        return buf[:n]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)


class FrameWriter:
    """Writes a websocket's frames to its TCP socket: waiting, for the writer task; or never waiting, directly.

    Waiting: what a direct write left over goes first, then the frame with one `send` and `sendall` for
    the rest. Never waiting (`direct` set): one `send` on the OS socket, which is non-blocking under
    both event loops; what it does not take, or all of it on an error, is kept in `pending` for the
    writer task, which meets the error itself and closes the socket as it always has.
    """

    __slots__ = ("_raw_send", "_send", "_sendall", "direct", "pending")

    def __init__(self, sock: Any, raw_send: Any = None) -> None:
        self._send, self._sendall = sock.send, sock.sendall
        self._raw_send = raw_send  # None: this socket is never written directly (TLS, an unknown type)
        self.pending: memoryview | None = None
        self.direct = False

    @property
    def can_write_directly(self) -> bool:
        """Whether a frame may be written to this socket without its writer task."""
        return self._raw_send is not None

    def __call__(self, data: bytes) -> None:
        """Write one frame (see the class)."""
        if self.direct:
            self._write_now(data)
            return
        if self.pending is not None:
            rest, self.pending = self.pending, None
            self._sendall(rest)
        sent = self._send(data)  # waits for the socket to be writable, within its timeout, like sendall
        if sent < len(data):
            self._sendall(memoryview(data)[sent:])

    def _write_now(self, data: bytes) -> None:
        if self.pending is not None:  # never when called through Socket.send, which checks first
            self.pending = memoryview(bytes(self.pending) + bytes(data))
            return
        try:
            sent = self._raw_send(data)
        except OSError:  # EAGAIN (a full buffer) or a broken socket: the writer task takes it from here
            sent = 0
        if sent < len(data):
            self.pending = memoryview(data)[sent:]


def frame_writer(sock: Any) -> FrameWriter:
    """The frame writer of a gevent socket; direct writes only on a plain TCP socket (not TLS)."""
    from gevent import socket as gsocket

    raw = sock._sock.send if type(sock) is gsocket.socket else None
    return FrameWriter(sock, raw)


class _DirectSender:
    """Writes an Engine.IO packet's frame through a websocket without its writer task (see the module)."""

    __slots__ = ("_out", "_ws_send")

    def __init__(self, ws_send: Any, out: FrameWriter) -> None:
        self._ws_send, self._out = ws_send, out

    def __call__(self, data: Any) -> bool:
        """Frame and write `data` now; True when part of the frame is left for the writer task."""
        out = self._out
        out.direct = True
        try:
            self._ws_send(data)  # the library frames it and calls out() once, which does not wait
        finally:
            out.direct = False
        return out.pending is not None


def direct_sender(ws: Any) -> _DirectSender | None:
    """A direct sender for the websocket Engine.IO's handler got, or None where it cannot write directly."""
    inner = getattr(ws, "_sock", None)  # engineio's gevent driver wraps gevent-websocket's WebSocket
    out = getattr(inner, "raw_write", None)
    if isinstance(out, FrameWriter) and out.can_write_directly:
        return _DirectSender(inner.send, out)
    out = _eventlet_writer(ws) if hasattr(ws, "_sendlock") else None
    if out is not None and out.can_write_directly:
        return _DirectSender(ws.send, out)
    return None


def _eventlet_writer(ws: Any) -> FrameWriter:
    out = ws.__dict__.get("_masterchat_out")
    if out is None:
        from eventlet.greenio import GreenSocket

        sock = ws.socket
        sock = sock.wrapped if type(sock) is ReadAheadSocket else sock
        out = FrameWriter(sock, sock.fd.send if type(sock) is GreenSocket else None)
        ws._masterchat_out = out
    return out


def _eventlet_send(self: Any, frame: bytes) -> None:
    """eventlet `RFC6455WebSocket._send`: the frame through the socket's FrameWriter, under the send lock."""
    out = _eventlet_writer(self)
    if out.direct:
        if not self._sendlock.acquire(blocking=False):  # a close frame going out: leave it all to the writer
            out.pending = memoryview(frame)
            return
    else:
        self._sendlock.acquire()
    try:
        out(frame)
    finally:
        self._sendlock.release()


def _poll(self: Any) -> list[Any]:
    """engineio `Socket.poll` for a websocket: the first packet waited for without a timer."""
    if not self.upgraded or self.server.service_task_handle is None:
        return _engineio_poll(self)
    self._masterchat_idle = True  # nothing queued or being written: Socket.send may write directly
    try:
        packets = [self.queue.get()]
    finally:
        self._masterchat_idle = False
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


def _send(self: Any, pkt: Any) -> None:
    """engineio `Socket.send`: the frame written at once when the websocket's writer is idle."""
    direct = self._masterchat_direct
    if direct is None or not self._masterchat_idle or self.queue.qsize():
        _engineio_send(self, pkt)
        return
    if not self.check_ping_timeout():
        return
    try:
        left_over = direct(pkt.encode())
    except Exception:  # closed under us: the writer task meets it and ends the socket as upstream does
        self.queue.put(pkt)
        return
    if left_over:
        self.queue.put(_FLUSH)  # wakes the writer, which sends the rest of the frame before anything else


def _websocket_handler(self: Any, ws: Any) -> Any:
    """engineio `Socket._websocket_handler`, with the websocket's direct sender known to `Socket.send`."""
    self._masterchat_direct = direct_sender(ws)
    try:
        return _engineio_websocket_handler(self, ws)
    finally:
        self._masterchat_direct = None


_engineio_poll: Any = None
_engineio_send: Any = None
_engineio_websocket_handler: Any = None
_FLUSH: Any = None


def wait_for_packets_without_timers() -> None:
    """engineio: a websocket's writer waits for its next packet without a timer (see above)."""
    global _engineio_poll
    from engineio import socket

    if _engineio_poll is None:
        _engineio_poll = socket.Socket.poll
        socket.Socket.poll = _poll


def write_directly_when_idle() -> None:
    """engineio: a packet for a websocket whose writer is idle is written by `Socket.send` itself."""
    global _engineio_send, _engineio_websocket_handler, _FLUSH
    from engineio import packet, socket

    if _engineio_send is not None:
        return
    _FLUSH = packet.Packet(packet.NOOP)
    _engineio_send, _engineio_websocket_handler = socket.Socket.send, socket.Socket._websocket_handler
    socket.Socket._masterchat_idle = False
    socket.Socket._masterchat_direct = None
    socket.Socket.send = _send
    socket.Socket._websocket_handler = _websocket_handler


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
    """eventlet: frames read ahead, payloads unmasked in C, frames written through a FrameWriter (direct writes)."""
    from eventlet import websocket

    if getattr(websocket, "_masterchat_speedups", False):
        return
    websocket.RFC6455WebSocket._apply_mask = staticmethod(unmask)
    websocket.RFC6455WebSocket._send = _eventlet_send
    init = websocket.RFC6455WebSocket.__init__

    def __init__(self: Any, sock: Any, *args: Any, **kwargs: Any) -> None:
        init(self, ReadAheadSocket(sock), *args, **kwargs)

    websocket.RFC6455WebSocket.__init__ = __init__
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
    write_directly_when_idle()
