"""The websocket servers' per-frame speed-ups (app/ws_speedups.py) keep what users send and receive intact."""

from __future__ import annotations

import json
import os
import socket
import threading
import uuid

import pytest
import requests
import socketio as sio

from app.ws_speedups import FrameWriter, ReadAheadSocket, frame_writer, unmask
from tests.conftest import LiveServer


def _xor(data: bytes, mask: bytes, offset: int = 0) -> bytes:
    """RFC 6455 section 5.3, byte by byte: what both libraries' Python maskers compute."""
    return bytes(b ^ mask[(offset + i) % 4] for i, b in enumerate(data))


@pytest.mark.parametrize("size", [0, 1, 3, 4, 5, 125, 126, 1000, 65_537])
@pytest.mark.parametrize("offset", [0, 1, 2, 3, 6])
def test_unmask_matches_the_rfc(size, offset):
    data, mask = os.urandom(size), os.urandom(4)
    assert unmask(data, mask, offset=offset) == _xor(data, mask, offset)
    assert unmask(unmask(data, mask, offset=offset), mask, offset=offset) == data


def test_unmask_takes_only_length_bytes_and_bytearrays():
    data, mask = os.urandom(50), bytearray(os.urandom(4))
    assert unmask(bytearray(data), mask, length=20) == _xor(data[:20], bytes(mask))


class _Chunks:
    """A socket whose recv returns the stream as it arrived: in the chunks given, at most n bytes each."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks, self.calls = list(chunks), 0

    def recv(self, n: int) -> bytes:
        self.calls += 1
        if not self.chunks:
            return b""
        chunk = self.chunks.pop(0)
        if len(chunk) > n:
            self.chunks.insert(0, chunk[n:])
        return chunk[:n]

    def shutdown(self, how: int) -> str:
        return f"shutdown {how}"


@pytest.mark.parametrize("seed", range(5))
def test_a_read_ahead_socket_serves_the_stream_in_order_never_more_than_asked(seed):
    import random

    rng = random.Random(seed)
    stream = os.urandom(50_000)
    cuts = sorted(rng.sample(range(1, len(stream)), 30))
    chunks = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    raw = _Chunks(chunks)
    sock = ReadAheadSocket(raw)
    got, asks = bytearray(), 0
    while True:
        want = rng.choice([1, 2, 4, 8, 100, 5000, 20_000])
        part = sock.recv(want)
        asks += 1
        assert len(part) <= want
        if not part:
            break
        got += part
    assert bytes(got) == stream
    assert sock.shutdown(1) == "shutdown 1"  # everything but recv is the socket's own


def test_small_frames_arriving_together_cost_one_recv():
    """Header, mask and payload of three frames that arrived in one segment: one system call, not twelve."""
    frames = b"".join(bytes([0x81, 0x80 | 5]) + b"mask" + b"hello" for _ in range(3))
    raw = _Chunks([frames])
    sock = ReadAheadSocket(raw)
    for _ in range(3):
        assert sock.recv(2) == bytes([0x81, 0x85]) and sock.recv(4) == b"mask" and sock.recv(5) == b"hello"
    assert raw.calls == 1


class _Trickle:
    """A socket whose send takes at most `most` bytes, the way a full send buffer does."""

    def __init__(self, most: int) -> None:
        self.most, self.sent, self.calls = most, bytearray(), []

    def send(self, data) -> int:
        self.calls.append("send")
        chunk = bytes(data[: self.most])
        self.sent += chunk
        return len(chunk)

    def sendall(self, data) -> None:
        self.calls.append("sendall")
        self.sent += bytes(data)


def test_a_frame_goes_out_in_one_send_when_the_buffer_takes_it():
    sock = _Trickle(most=1 << 20)
    frame_writer(sock)(b"x" * 300)
    assert sock.calls == ["send"] and bytes(sock.sent) == b"x" * 300


def test_what_one_send_left_over_goes_out_with_sendall_in_order():
    payload = os.urandom(10_000)
    sock = _Trickle(most=4096)
    frame_writer(sock)(payload)
    assert sock.calls == ["send", "sendall"] and bytes(sock.sent) == payload


def test_a_frame_larger_than_the_kernel_buffer_arrives_whole():
    left, right = socket.socketpair()
    left.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    payload = os.urandom(3_000_000)
    got = bytearray()

    def read() -> None:
        while len(got) < len(payload):
            chunk = right.recv(65536)
            if not chunk:
                break
            got.extend(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        frame_writer(left)(payload)
        reader.join(10)
    finally:
        left.close()
        right.close()
    assert bytes(got) == payload


def _full_pair() -> tuple[socket.socket, socket.socket]:
    """A connected pair whose writing end has a small kernel buffer and waits at most 10 s."""
    left, right = socket.socketpair()
    left.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    right.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    left.settimeout(10)  # Python makes the descriptor non-blocking and waits in poll(): os.write never waits
    return left, right


def _read_all(sock: socket.socket, got: bytearray, size: int) -> threading.Thread:
    def run() -> None:
        while len(got) < size:
            chunk = sock.recv(65536)
            if not chunk:
                return
            got.extend(chunk)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a_direct_write_never_waits_and_the_writer_sends_what_it_left_before_the_next_frame():
    """A frame written directly into a full buffer is not lost, split or overtaken: the rest goes
    out first when the writer task writes next, then the writer's own frame."""
    left, right = _full_pair()
    try:
        out = FrameWriter(left, raw_send=lambda data: os.write(left.fileno(), data))
        assert out.can_write_directly
        first, second = os.urandom(1_000_000), os.urandom(5_000)
        out.direct = True
        out(first)  # with nobody reading, this would wait for 10 s and fail if it waited at all
        out.direct = False
        assert out.pending is not None and 0 < len(out.pending) < len(first)
        got = bytearray()
        reader = _read_all(right, got, len(first) + len(second))
        out(second)
        reader.join(10)
        assert out.pending is None
        assert bytes(got) == first + second
    finally:
        left.close()
        right.close()


def test_a_direct_write_to_a_broken_socket_leaves_the_whole_frame_to_the_writer():
    left, right = _full_pair()
    right.close()
    left.close()
    out = FrameWriter(_Trickle(most=1 << 20), raw_send=lambda data: os.write(-1, data))
    out.direct = True
    out(b"frame")
    assert bytes(out.pending) == b"frame"


def test_sockets_behind_tls_or_of_unknown_types_are_never_written_directly():
    assert not frame_writer(_Trickle(most=10)).can_write_directly
    import gevent.ssl

    tls = object.__new__(gevent.ssl.SSLSocket)
    assert not frame_writer(tls).can_write_directly


def _two_in_a_chat(server: LiveServer, prefix: str) -> tuple[dict, dict, dict]:
    """Ann and Bob signed up on the live server, and their direct chat (Ann's view of it)."""
    ann, bob = server.signup(f"{prefix}ann"), server.signup(f"{prefix}bob")
    chat = requests.post(
        f"{server.url}/api/chats",
        json={"type": "direct", "user_id": bob["user"]["id"]},
        headers={"Authorization": f"Bearer {ann['access_token']}"},
        timeout=5,
    ).json()
    return ann, bob, chat


@pytest.mark.parametrize("mode", ["eventlet", "gevent"])
def test_long_messages_in_both_alphabets_cross_each_server_intact(tmp_path, mode):
    """A browser masks every frame it sends; the patched servers unmask and validate them in C and
    write each frame with one system call: the longest message allowed (4,000 characters, 13 kB as
    the client escapes it, 7 kB as the server sends it) and short ones in Russian and English reach
    the other member as typed."""
    server = LiveServer(tmp_path, async_mode=mode).start()
    clients: list[sio.Client] = []
    try:
        ann, bob, chat = _two_in_a_chat(server, f"ws{mode}")
        heard: list[str] = []
        done = threading.Event()
        bodies = ["привет, мастер! 🔧", "hello", "ё" * 126, ("Сантехник / plumber " * 200)[:3999] + "!"]

        listener = sio.Client(reconnection=False)

        @listener.on("message:new")
        def _on_message(message):
            heard.append(message["body"])
            if len(heard) == len(bodies):
                done.set()

        for who, client in ((bob, listener), (ann, sio.Client(reconnection=False))):
            client.connect(server.url, auth={"token": who["access_token"]}, transports=["websocket"], wait_timeout=5)
            clients.append(client)
        sender = clients[1]
        for body in bodies:
            ack = sender.call(
                "message:send", {"chat_id": chat["id"], "body": body, "client_id": uuid.uuid4().hex}, timeout=10
            )
            assert ack.get("ok") is True, ack
            assert ack["message"]["body"] == body
        assert done.wait(10)
        assert heard == bodies
    finally:
        for client in clients:
            if client.connected:
                client.disconnect()
        server.stop()


@pytest.mark.parametrize("mode", ["eventlet", "gevent"])
def test_a_member_who_stops_reading_gets_every_message_in_order_when_they_read_again(tmp_path, mode):
    """Frames written straight from the sending task fill a slow reader's buffers; what the kernel
    could not take is sent by the socket's writer before anything newer: the member who read nothing
    for a while then reads every message, whole and in order, and the sender was never held up."""
    import websocket

    server = LiveServer(tmp_path, async_mode=mode, extra_env={"RATE_LIMITS": "off"}).start()
    sender = sio.Client(reconnection=False)
    slow = None
    try:
        ann, bob, chat = _two_in_a_chat(server, f"slow{mode}")
        # Bob's socket, by hand: a 4 kB receive buffer, and nothing read while Ann sends.
        slow = websocket.create_connection(
            f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket",
            timeout=10,
            sockopt=((socket.SOL_SOCKET, socket.SO_RCVBUF, 4096),),
        )
        assert slow.recv().startswith("0{")
        slow.send("40" + json.dumps({"token": bob["access_token"]}))
        assert slow.recv().startswith("40{")

        sender.connect(server.url, auth={"token": ann["access_token"]}, transports=["websocket"], wait_timeout=5)
        bodies = [f"{i:03d} Сантехник " + "🔧" * 3980 + "!" for i in range(450)]
        for body in bodies:  # 450 x 16 kB: more than the kernel lets the server's buffer grow to (4 MB)
            ack = sender.call("message:send", {"chat_id": chat["id"], "body": body}, timeout=10)
            assert ack.get("ok") is True, ack

        heard: list[str] = []
        while len(heard) < len(bodies):
            frame = slow.recv()
            if frame == "2":
                slow.send("3")
            elif frame.startswith("42"):
                name, payload = json.loads(frame[2:])[:2]
                if name == "message:new" and payload["chat_id"] == chat["id"]:
                    heard.append(payload["body"])
        assert heard == bodies
    finally:
        if slow is not None:
            slow.close()
        if sender.connected:
            sender.disconnect()
        server.stop()


@pytest.mark.parametrize("mode", ["eventlet", "gevent"])
def test_frames_sent_together_or_split_mid_frame_are_each_answered(tmp_path, mode):
    """A client may put several frames in one TCP write, or one frame across two: each server reads
    them all (eventlet through its read-ahead), and every send is stored and acknowledged in order."""
    import time

    import websocket

    server = LiveServer(tmp_path, async_mode=mode, extra_env={"RATE_LIMITS": "off"}).start()
    ws = None
    try:
        ann, _bob, chat = _two_in_a_chat(server, f"pipe{mode}")
        ws = websocket.create_connection(
            f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket", timeout=10
        )
        assert ws.recv().startswith("0{")
        ws.send("40" + json.dumps({"token": ann["access_token"]}))
        assert ws.recv().startswith("40{")

        def frame(ack_id: int, body: str) -> bytes:
            text = f"42{ack_id}" + json.dumps(["message:send", {"chat_id": chat["id"], "body": body}])
            return websocket.ABNF.create_frame(text, websocket.ABNF.OPCODE_TEXT).format()

        bodies = [f"{i} пакет / packet " + "ж" * (1 + i * 40) for i in range(8)]
        together = b"".join(frame(i, body) for i, body in enumerate(bodies[:5]))
        ws.sock.sendall(together)  # five frames in one write
        split = frame(5, bodies[5]) + frame(6, bodies[6]) + frame(7, bodies[7])
        for cut in (1, 7, len(split) - 3):  # mid-header, mid-mask, mid-payload
            ws.sock.sendall(split[:cut])
            time.sleep(0.05)
            split = split[cut:]
        ws.sock.sendall(split)

        acks: dict[int, dict] = {}
        while len(acks) < len(bodies):
            text = ws.recv()
            if text == "2":
                ws.send("3")
            elif text.startswith("43"):
                digits = len(text) - len(text[2:].lstrip("0123456789"))
                ack_id, payload = int(text[2:digits]), json.loads(text[digits:])[0]
                acks[ack_id] = payload
        assert [acks[i]["ok"] for i in range(len(bodies))] == [True] * len(bodies)
        assert [acks[i]["message"]["body"] for i in range(len(bodies))] == bodies
        assert [acks[i]["message"]["seq"] for i in range(len(bodies))] == sorted(
            a["message"]["seq"] for a in acks.values()
        )
    finally:
        if ws is not None:
            ws.close()
        server.stop()


@pytest.fixture
def writer_patch(monkeypatch):
    """app.ws_speedups' engineio patch, for this test only (wsgi.py installs it in the server)."""
    from engineio import socket as eio_socket

    from app import ws_speedups

    monkeypatch.setattr(eio_socket.Socket, "poll", eio_socket.Socket.poll)
    monkeypatch.setattr(ws_speedups, "_engineio_poll", None)
    ws_speedups.wait_for_packets_without_timers()


def _engineio_socket(upgraded: bool):
    import engineio
    from engineio import socket as eio_socket

    server = engineio.Server(async_mode="threading")
    server.service_task_handle = object()  # as when the server's service task is running
    sock = eio_socket.Socket(server, "sid")
    sock.upgraded = upgraded
    return sock


@pytest.mark.parametrize("upgraded", [True, False])
def test_the_writer_gets_every_queued_packet_in_order_and_stops_at_close(writer_patch, upgraded):
    from engineio import packet

    sock = _engineio_socket(upgraded)
    sent = [packet.Packet(packet.MESSAGE, f"m{i}") for i in range(5)]
    for pkt in sent:
        sock.queue.put(pkt)
    assert sock.poll() == sent

    got: list = []
    waiting = threading.Thread(target=lambda: got.append(sock.poll()))
    waiting.start()
    sock.queue.put(sent[0])
    waiting.join(5)
    assert got == [[sent[0]]]

    sock.queue.put(sent[1])
    sock.queue.put(None)  # Socket.close(): the writer sends what was queued, then stops
    assert sock.poll() == [sent[1]]
    assert sock.poll() == []
    sock.queue.join()  # every get was marked done: close(wait=True) does not hang


def test_a_websocket_writer_waits_for_its_next_packet_without_a_timer(writer_patch):
    sock = _engineio_socket(upgraded=True)
    calls: list = []
    get = sock.queue.get
    sock.queue.get = lambda *a, **kw: calls.append(kw) or get(*a, **kw)
    sock.queue.put(None)
    assert sock.poll() == []
    assert calls == [{}]


@pytest.fixture
def direct_patch(monkeypatch, writer_patch):
    """app.ws_speedups' direct writes in engineio's Socket, for this test only."""
    from engineio import socket as eio_socket

    from app import ws_speedups

    for name in ("send", "_websocket_handler"):
        monkeypatch.setattr(eio_socket.Socket, name, getattr(eio_socket.Socket, name))
    monkeypatch.setattr(ws_speedups, "_engineio_send", None)
    ws_speedups.write_directly_when_idle()
    yield
    for name in ("_masterchat_idle", "_masterchat_direct"):
        monkeypatch.delattr(eio_socket.Socket, name, raising=False)


class _Direct:
    """A direct sender that records frames; `leave` makes it report a part left for the writer."""

    def __init__(self, leave: bool = False, fail: bool = False) -> None:
        self.sent, self.leave, self.fail = [], leave, fail

    def __call__(self, data) -> bool:
        if self.fail:
            raise OSError("closed")
        self.sent.append(data)
        return self.leave


def test_a_packet_for_an_idle_websocket_is_written_at_once_and_never_queued(direct_patch):
    from engineio import packet

    sock = _engineio_socket(upgraded=True)
    sock._masterchat_direct = direct = _Direct()
    sock._masterchat_idle = True  # the writer is waiting on an empty queue
    sock.send(packet.Packet(packet.MESSAGE, "hello"))
    assert direct.sent == ["4hello"] and sock.queue.qsize() == 0


def test_a_packet_queues_behind_others_while_the_writer_is_busy_or_not_waiting(direct_patch):
    from engineio import packet

    sock = _engineio_socket(upgraded=True)
    sock._masterchat_direct = direct = _Direct()
    first, second = packet.Packet(packet.MESSAGE, "1"), packet.Packet(packet.MESSAGE, "2")
    sock.send(first)  # the writer is not waiting (writing, or not started): queued
    sock._masterchat_idle = True
    sock.send(second)  # something is queued already: behind it, in order
    assert direct.sent == [] and sock.poll() == [first, second]


def test_what_a_direct_write_left_over_wakes_the_writer_and_errors_go_to_the_writer(direct_patch):
    from engineio import packet

    sock = _engineio_socket(upgraded=True)
    sock._masterchat_idle = True
    sock._masterchat_direct = _Direct(leave=True)
    sock.send(packet.Packet(packet.MESSAGE, "big"))
    (wake,) = sock.poll()
    assert wake.packet_type == packet.NOOP  # the writer writes the rest of the frame, then this NOOP

    sock._masterchat_idle = True
    sock._masterchat_direct = _Direct(fail=True)
    failed = packet.Packet(packet.MESSAGE, "x")
    sock.send(failed)
    assert sock.poll() == [failed]  # the writer meets the error itself and closes as upstream does


def test_a_closed_socket_takes_no_direct_write(direct_patch):
    from engineio import exceptions, packet

    sock = _engineio_socket(upgraded=True)
    sock._masterchat_idle = True
    sock._masterchat_direct = direct = _Direct()
    sock.closed = True
    with pytest.raises(exceptions.SocketIsClosedError):  # as upstream's send says of a closed socket
        sock.send(packet.Packet(packet.MESSAGE, "late"))
    assert direct.sent == []
