"""Transport guards on a real server (eventlet and gevent): no request can hold a handler forever.

A long-polling POST whose Content-Length is over SOCKET_MAX_FRAME used to be parked on a queue
nothing reads (engine.io's close waits for it), so 40 such requests stopped a worker. Now a small
WSGI guard answers it with 413 in the contract's shape before Socket.IO sees it, a body that never
arrives is cut off by the server's read timeout, and an idle connection is closed.
"""

from __future__ import annotations

import json
import socket
import time

import pytest
import requests

from tests.conftest import LiveServer


@pytest.fixture(scope="module", params=["eventlet", "gevent"])
def guarded_server(request, tmp_path_factory):
    """A live server (eventlet, then gevent) with short timeouts, so that the timeout tests stay quick."""
    env = {"HTTP_SOCKET_TIMEOUT": "2", "HTTP_IDLE_TIMEOUT": "2"}
    server = LiveServer(tmp_path_factory.mktemp("guard"), async_mode=request.param, extra_env=env).start()
    yield server
    server.stop()


def _polling_sid(url: str) -> str:
    res = requests.get(url + "/socket.io/?EIO=4&transport=polling", timeout=5)
    assert res.status_code == 200, res.text
    return json.loads(res.text[1:])["sid"]


def _raw_request(port: int, head: bytes, timeout: float = 5.0) -> tuple[bytes, float]:
    """Send `head` (no body), read until the server answers or closes; (answer, seconds taken)."""
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(head)
        chunks = []
        try:
            while True:
                data = s.recv(65536)
                if not data:
                    break
                chunks.append(data)
                if b"\r\n\r\n" in b"".join(chunks) and _complete(b"".join(chunks)):
                    break
        except TimeoutError:
            pass
    return b"".join(chunks), time.monotonic() - start


def _complete(raw: bytes) -> bool:
    head, _, body = raw.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return False


def _body(raw: bytes) -> dict:
    return json.loads(raw.partition(b"\r\n\r\n")[2])


def test_oversize_polling_post_is_answered_413_at_once(guarded_server):
    sid = _polling_sid(guarded_server.url)
    head = (
        f"POST /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: x\r\n"
        f"Content-Type: text/plain\r\nContent-Length: 100000\r\n\r\n"
    ).encode()
    raw, took = _raw_request(guarded_server.port, head)
    assert raw.startswith(b"HTTP/1.1 413"), raw[:200]
    assert _body(raw)["error"]["code"] == "payload_too_large"
    assert took < 1.0
    # and the worker still serves everyone else
    assert requests.get(guarded_server.url + "/healthz", timeout=2).status_code in (200, 404)


@pytest.mark.parametrize("length", ["abc", "-5", ""])
def test_malformed_polling_length_is_refused_in_contract_shape(guarded_server, length):
    sid = _polling_sid(guarded_server.url)
    line = f"Content-Length: {length}\r\n" if length else ""
    head = f"POST /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: x\r\n{line}\r\n".encode()
    raw, took = _raw_request(guarded_server.port, head)
    assert raw.split(b" ")[1] in (b"400", b"411", b"413"), raw[:200]
    assert took < 1.0
    if length == "":  # eventlet itself answers malformed numbers; a missing length reaches our guard
        assert "error" in _body(raw)


def test_body_that_never_arrives_is_cut_off_by_the_read_timeout(guarded_server):
    sid = _polling_sid(guarded_server.url)
    head = (
        f"POST /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: x\r\n"
        f"Content-Type: text/plain\r\nContent-Length: 1000\r\n\r\n"
    ).encode()
    _raw, took = _raw_request(guarded_server.port, head, timeout=10)
    assert took < 5.0  # HTTP_SOCKET_TIMEOUT=2 here: the server lets go, it does not wait forever


def test_idle_connection_is_closed(guarded_server):
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", guarded_server.port), timeout=10) as s:
        assert s.recv(1) == b""  # the server closes a connection that never sends a request
    assert time.monotonic() - start < 5.0


def test_a_real_polling_client_still_works_through_the_guard(guarded_server):
    import socketio as sio

    user = guarded_server.signup(f"poller{guarded_server.port}")
    client = sio.Client()
    client.connect(guarded_server.url, auth={"token": user["access_token"]}, transports=["polling"], wait_timeout=5)
    try:
        for _ in range(3):  # each call is a polling POST read by the guard, then handed to Engine.IO
            assert client.call("ping", {}, timeout=5) == {"ok": True, "user_id": user["user"]["id"]}
    finally:
        client.disconnect()


def test_a_body_that_stops_short_never_reaches_engineio(guarded_server):
    sid = _polling_sid(guarded_server.url)
    head = (
        f"POST /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: x\r\n"
        f"Content-Type: text/plain\r\nContent-Length: 1000\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", guarded_server.port), timeout=5) as s:
        s.sendall(head + b"40")
        s.shutdown(socket.SHUT_WR)  # the client goes away mid-body
        s.recv(65536)
    log = next(guarded_server.tmp.glob("server-*.log")).read_text()
    assert "post request handler error" not in log
