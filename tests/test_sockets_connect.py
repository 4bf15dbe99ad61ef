"""The Socket.IO handshake, presence, sockets closed by logout and password change, and the error-ack backstop.

Each case runs with Flask-SocketIO's test client, and the handshake cases again with a real python-socketio
client against a live `python wsgi.py` process (eventlet) on a free port.
"""

from __future__ import annotations

import contextlib
import logging
import time

import pytest
import requests
import socketio as sio
from pydantic import BaseModel
from socketio import packet

from app.extensions import socketio
from app.sockets.events import CLIENT_EVENTS, HANDLERS, socket_event
from tests.chat_helpers import direct
from tests.conftest import LiveServer
from tests.test_errors import BAD_TOKEN_NAMES, bad_tokens

UNAUTHORIZED = {"code": "unauthorized"}


def _wait_for(predicate, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("timed out waiting")


def _refusal(app, auth) -> object:
    """Connect a test client with `auth` and return the data of the CONNECT_ERROR packet the server sent."""
    client = socketio.test_client(app, auth=auth)
    assert not client.is_connected()
    sent = []
    original = socketio.server._send_packet

    def spy(eio_sid, pkt):
        sent.append(pkt)
        return original(eio_sid, pkt)

    socketio.server._send_packet = spy
    try:
        client.connect(auth=auth)
    finally:
        socketio.server._send_packet = original
    assert not client.is_connected()
    errors = [p.data for p in sent if p.packet_type == packet.CONNECT_ERROR]
    assert len(errors) == 1, sent
    return errors[0]


def _online(client, viewer, user_id) -> bool:
    return client.get(f"/api/users/{user_id}", headers=viewer.headers).get_json()["online"]


# --- test client: handshake -----------------------------------------------------------------------


def test_valid_token_connects_and_pings(make_user, socket_client):
    ann = make_user()
    c = socket_client(ann)
    assert c.is_connected()
    assert c.emit("ping", {}, callback=True) == {"ok": True, "user_id": ann.id}


@pytest.mark.parametrize("name", BAD_TOKEN_NAMES)
def test_bad_tokens_refused_at_connect(app, make_user, name):
    ann = make_user()
    token = bad_tokens(app.config["SECRET_KEY"], ann.access_token, ann.refresh_token)[name]
    error = _refusal(app, {"token": token})
    assert error == {"message": "unauthorized", "data": UNAUTHORIZED}


@pytest.mark.parametrize("auth", [None, {}, {"token": None}, {"token": 12345}, {"token": ["a"]}, {"jwt": "x"}])
def test_missing_or_odd_auth_refused_at_connect(app, auth):
    assert _refusal(app, auth)["data"] == UNAUTHORIZED


def test_token_of_a_logged_out_session_refused_at_connect(app, client, make_user):
    ann = make_user()
    assert client.post("/api/auth/logout", headers=ann.headers).status_code == 204
    assert _refusal(app, {"token": ann.access_token})["data"] == UNAUTHORIZED


# --- test client: presence ------------------------------------------------------------------------


def test_presence_online_from_first_tab_until_last_one_leaves(client, make_user, socket_client):
    ann, bob = make_user(), make_user()
    direct(client, ann, bob)  # presence is shown to chat partners (tests/test_security_presence.py)
    assert not _online(client, bob, ann.id)
    first = socket_client(ann)
    assert _online(client, bob, ann.id)
    second = socket_client(ann)
    first.disconnect()
    assert _online(client, bob, ann.id), "still online while the second tab is open"
    second.disconnect()
    assert not _online(client, bob, ann.id)


def test_logout_disconnects_that_sessions_sockets_and_presence_follows(client, make_user, socket_client):
    ann, bob = make_user(), make_user()
    direct(client, ann, bob)
    s1, s2 = socket_client(ann), socket_client(ann)
    assert client.post("/api/auth/logout", headers=ann.headers).status_code == 204
    assert not s1.is_connected() and not s2.is_connected()
    assert not _online(client, bob, ann.id)


# --- test client: errors inside handlers ----------------------------------------------------------


class _Payload(BaseModel):
    n: int


@pytest.fixture
def exploding_events(app):
    """Two handlers that fail, registered on this app's Socket.IO server only."""

    @socket_event("test:explode")
    def explode(conn, payload):
        raise RuntimeError("boom")

    @socket_event("test:typed", _Payload)
    def typed(conn, payload):
        return {"n": payload.n}

    @socketio.on("test:raw")
    def raw(data=None):
        raise KeyError("unwrapped")

    yield
    for name in ("test:explode", "test:typed"):
        CLIENT_EVENTS.pop(name, None)
        HANDLERS.pop(name, None)


def test_exception_in_handler_gives_error_ack_and_keeps_connection(exploding_events, make_user, socket_client, caplog):
    ann = make_user()
    c = socket_client(ann)
    with caplog.at_level(logging.ERROR, logger="masterchat.sockets"):
        ack = c.emit("test:explode", {}, callback=True)
    assert ack["ok"] is False
    assert ack["error"]["code"] == "internal_error" and ack["error"]["message"]
    assert any("test:explode" in r.getMessage() for r in caplog.records), "a log line, never a silent drop"
    assert c.is_connected()
    assert c.emit("ping", {}, callback=True)["ok"] is True


def test_exception_in_unwrapped_handler_gives_error_ack(exploding_events, make_user, socket_client):
    ann = make_user()
    c = socket_client(ann)
    ack = c.emit("test:raw", {}, callback=True)
    assert ack == {
        "ok": False,
        "error": {"code": "internal_error", "message": "Something went wrong on our side.", "details": {}},
    }
    assert c.is_connected()


@pytest.mark.parametrize("payload", [None, [], "text", {"n": "not a number"}, {}])
def test_bad_payload_gives_validation_error_ack(exploding_events, make_user, socket_client, payload):
    ann = make_user()
    c = socket_client(ann)
    ack = c.emit("test:typed", payload, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "validation_error"
    assert set(ack["error"]) == {"code", "message", "details"}
    assert c.emit("test:typed", {"n": 3}, callback=True) == {"ok": True, "n": 3}


# --- a real python-socketio client against a live server process ----------------------------------


@pytest.fixture(scope="module")
def live_user(live_server) -> dict:
    return live_server.signup("liveconnect")


def _real_client(live_server, token) -> sio.Client:
    client = sio.Client(reconnection=False)
    client.connect(live_server.url, auth={"token": token}, transports=["websocket"], wait_timeout=5)
    return client


def _real_refusal(live_server, auth) -> list:
    errors = []
    client = sio.Client(reconnection=False)
    client.on("connect_error", errors.append)
    with contextlib.suppress(sio.exceptions.ConnectionError):
        client.connect(live_server.url, auth=auth, transports=["websocket"], wait_timeout=5)
    assert not client.connected
    return errors


def test_live_valid_token_connects(live_server, live_user):
    client = _real_client(live_server, live_user["access_token"])
    try:
        assert client.call("ping", {}, timeout=5) == {"ok": True, "user_id": live_user["user"]["id"]}
    finally:
        client.disconnect()


@pytest.mark.parametrize("name", BAD_TOKEN_NAMES)
def test_live_bad_tokens_refused(live_server, live_user, name):
    token = bad_tokens(live_server.env["SECRET_KEY"], live_user["access_token"], live_user["refresh_token"])[name]
    errors = _real_refusal(live_server, {"token": token})
    assert errors and errors[0]["data"] == UNAUTHORIZED


def test_live_missing_token_refused(live_server):
    errors = _real_refusal(live_server, None)
    assert errors and errors[0]["data"] == UNAUTHORIZED


def _live_online(live_server, viewer_token, user_id) -> bool:
    res = requests.get(
        f"{live_server.url}/api/users/{user_id}", headers={"Authorization": f"Bearer {viewer_token}"}, timeout=5
    )
    return res.json()["online"]


def test_live_presence_and_logout(live_server, live_user):
    ann = live_server.signup("livepresence")
    viewer = live_user["access_token"]
    res = requests.post(  # presence is shown to chat partners
        f"{live_server.url}/api/chats",
        json={"type": "direct", "user_id": ann["user"]["id"]},
        headers={"Authorization": f"Bearer {viewer}"},
        timeout=5,
    )
    assert res.status_code in (200, 201)
    assert not _live_online(live_server, viewer, ann["user"]["id"])
    tab1 = _real_client(live_server, ann["access_token"])
    tab2 = _real_client(live_server, ann["access_token"])
    assert _live_online(live_server, viewer, ann["user"]["id"])
    tab1.disconnect()
    time.sleep(0.2)  # give the server time to process the disconnect before checking it is still online
    assert _live_online(live_server, viewer, ann["user"]["id"])

    res = requests.post(
        f"{live_server.url}/api/auth/logout", headers={"Authorization": f"Bearer {ann['access_token']}"}, timeout=5
    )
    assert res.status_code == 204
    _wait_for(lambda: not tab2.connected)
    _wait_for(lambda: not _live_online(live_server, viewer, ann["user"]["id"]))


def test_live_change_password_disconnects_other_sessions_only(live_server):
    ann = live_server.signup("livechange")
    other = requests.post(
        f"{live_server.url}/api/auth/login", json={"login": "livechange", "password": "correct-horse-9"}, timeout=5
    ).json()
    here = _real_client(live_server, ann["access_token"])
    there = _real_client(live_server, other["access_token"])
    try:
        res = requests.post(
            f"{live_server.url}/api/auth/change-password",
            json={"old_password": "correct-horse-9", "password": "new-horse-10"},
            headers={"Authorization": f"Bearer {ann['access_token']}"},
            timeout=5,
        )
        assert res.status_code == 204
        _wait_for(lambda: not there.connected)
        assert here.connected
        assert here.call("ping", {}, timeout=5)["ok"] is True
    finally:
        for c in (here, there):
            if c.connected:
                c.disconnect()


def test_gevent_server_handshake_and_logout(tmp_path):
    """ASYNC_MODE=gevent serves the same handshake as eventlet (the default the live_server fixture runs)."""
    server = LiveServer(tmp_path, async_mode="gevent").start()
    try:
        ann = server.signup("geventann")
        client = _real_client(server, ann["access_token"])
        assert client.call("ping", {}, timeout=5) == {"ok": True, "user_id": ann["user"]["id"]}
        token = bad_tokens(server.env["SECRET_KEY"], ann["access_token"], ann["refresh_token"])["alg none"]
        assert _real_refusal(server, {"token": token})[0]["data"] == UNAUTHORIZED
        res = requests.post(
            f"{server.url}/api/auth/logout", headers={"Authorization": f"Bearer {ann['access_token']}"}, timeout=5
        )
        assert res.status_code == 204
        _wait_for(lambda: not client.connected)
    finally:
        server.stop()


def test_server_fault_at_connect_is_refused_with_a_log_line(app, make_user, monkeypatch, caplog):
    import app.sockets.connection as connection

    ann = make_user()

    def broken(token):
        raise RuntimeError("database went away")

    monkeypatch.setattr(connection, "authenticate_socket_token", broken)
    with caplog.at_level(logging.ERROR, logger="masterchat.sockets"):
        error = _refusal(app, {"token": ann.access_token})
    assert error["data"] == {"code": "internal_error"}
    assert any("socket connect failed" in r.getMessage() for r in caplog.records)
