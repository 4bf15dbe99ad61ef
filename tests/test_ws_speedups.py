"""The websocket servers' per-frame speed-ups (app/ws_speedups.py) keep what users send and receive intact."""

from __future__ import annotations

import os
import socket
import threading
import uuid

import pytest
import requests
import socketio as sio

from app.ws_speedups import frame_writer, unmask
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


@pytest.mark.parametrize("mode", ["eventlet", "gevent"])
def test_long_messages_in_both_alphabets_cross_each_server_intact(tmp_path, mode):
    """A browser masks every frame it sends; the patched servers unmask and validate them in C and
    write each frame with one system call: the longest message allowed (4,000 characters, 13 kB as
    the client escapes it) and short ones in Russian and English reach the other member as typed."""
    server = LiveServer(tmp_path, async_mode=mode).start()
    clients: list[sio.Client] = []
    try:
        ann, bob = server.signup(f"ws{mode}ann"), server.signup(f"ws{mode}bob")
        chat = requests.post(
            f"{server.url}/api/chats",
            json={"type": "direct", "user_id": bob["user"]["id"]},
            headers={"Authorization": f"Bearer {ann['access_token']}"},
            timeout=5,
        ).json()
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
