"""A socket's authority ends with its access token.

Before, an open socket kept sending after its token expired (only revocation closed it). Now the server
sends `auth:expiring` ahead of the expiry; `auth:refresh {token}` with a fresh token of the same session
extends it; without one, events are refused with `token_expired` and the socket is closed.
Tokens here live 3 seconds (ACCESS_TOKEN_TTL=3).
"""

from __future__ import annotations

import threading
import time

import jwt
import pytest
import socketio as sio

from app.sockets import auth as socket_auth
from tests.conftest import LiveServer, assert_error

TTL = 3


@pytest.fixture
def config(config):
    config.ACCESS_TOKEN_TTL = TTL
    return config


@pytest.fixture(autouse=True)
def quick_sweep(monkeypatch):
    monkeypatch.setattr(socket_auth, "SWEEP_INTERVAL", 0.2)


def _wait_for(predicate, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


def _expiring(sock) -> list:
    return [e["args"][0] for e in sock.get_received() if e["name"] == "auth:expiring"]


def test_expired_socket_is_warned_then_refused_then_closed(make_user, socket_client):
    ann = make_user()
    c = socket_client(ann)
    assert c.emit("ping", {}, callback=True)["ok"] is True
    warning = _wait_for(lambda: _expiring(c), TTL)[0]
    assert 0 <= warning["seconds_left"] <= TTL and warning["expires_at"].endswith("Z")
    _wait_for(lambda: not c.is_connected(), TTL + 2)


def test_events_after_expiry_are_refused_even_before_the_sweep(app, make_user, socket_client, monkeypatch):
    from app.extensions import socketio

    ann = make_user()
    c = socket_client(ann)
    monkeypatch.setattr(socketio.server, "disconnect", lambda *a, **k: None)  # the sweep closes nothing
    time.sleep(TTL + 0.2)
    ack = c.emit("ping", {}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "token_expired"


def test_refresh_over_the_socket_keeps_it_open(client, make_user, socket_client):
    ann = make_user()
    first_exp = jwt.decode(ann.access_token, options={"verify_signature": False})["exp"]
    c = socket_client(ann)
    time.sleep(1.05)  # so that the fresh token's exp is a later second
    fresh = client.post("/api/auth/refresh", json={"refresh_token": ann.refresh_token}).get_json()
    assert jwt.decode(fresh["access_token"], options={"verify_signature": False})["exp"] > first_exp
    ack = c.emit("auth:refresh", {"token": fresh["access_token"]}, callback=True)
    assert ack["ok"] is True and ack["expires_at"].endswith("Z")
    time.sleep(max(0.0, first_exp + 0.4 - time.time()))  # past the first token's expiry
    assert c.is_connected()
    assert c.emit("ping", {}, callback=True)["ok"] is True


def test_refresh_with_another_sessions_token_is_refused(client, make_user, socket_client):
    ann = make_user()
    c = socket_client(ann)
    other = client.post("/api/auth/login", json={"login": ann.username, "password": ann.password}).get_json()
    ack = c.emit("auth:refresh", {"token": other["access_token"]}, callback=True)
    assert ack["ok"] is False and ack["error"]["details"]["reason"] == "session_mismatch"
    bad = c.emit("auth:refresh", {"token": "forged"}, callback=True)
    assert bad["ok"] is False and bad["error"]["code"] == "unauthorized"


def test_live_server_closes_a_socket_whose_token_expired(tmp_path):
    server = LiveServer(tmp_path, extra_env={"ACCESS_TOKEN_TTL": str(TTL)}).start()
    try:
        user = server.signup("expiring")
        client = sio.Client()
        warned, gone = threading.Event(), threading.Event()
        client.on("auth:expiring", lambda data: warned.set())
        client.on("disconnect", lambda *a: gone.set())
        client.connect(server.url, auth={"token": user["access_token"]}, transports=["websocket"], wait_timeout=5)
        assert warned.wait(TTL + 1)
        assert gone.wait(TTL + 3), "the socket outlived its token"
        client.disconnect()
    finally:
        server.stop()


def test_a_rest_token_that_worked_is_refused_once_it_expires(client, make_user):
    # Verified tokens are remembered (app.security._VERIFIED): the memory must not outlive the token.
    ann = make_user()
    assert client.get("/api/users/me", headers=ann.headers).status_code == 200
    time.sleep(TTL + 0.2)
    assert_error(client.get("/api/users/me", headers=ann.headers), 401, "token_expired")
