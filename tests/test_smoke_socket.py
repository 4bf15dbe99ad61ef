"""The socket handshake: a valid token connects, anything else is refused with {"code": "unauthorized"}."""

import contextlib

import socketio as sio


def test_connect_with_valid_token_gets_ping_ack(make_user, socket_client):
    alice = make_user()
    c = socket_client(alice)
    assert c.is_connected()
    ack = c.emit("ping", {}, callback=True)
    assert ack == {"ok": True, "user_id": alice.id}


def test_connect_without_token_is_refused(socket_client):
    c = socket_client(token="garbage")
    assert not c.is_connected()


def test_live_server_handshake_with_real_client(live_server):
    user = live_server.signup("livealice")
    client = sio.Client()
    client.connect(live_server.url, auth={"token": user["access_token"]}, transports=["websocket"], wait_timeout=5)
    try:
        assert client.call("ping", {}, timeout=5) == {"ok": True, "user_id": user["user"]["id"]}
    finally:
        client.disconnect()
    errors = []
    bad = sio.Client()
    bad.on("connect_error", lambda data: errors.append(data))
    with contextlib.suppress(sio.exceptions.ConnectionError):
        bad.connect(live_server.url, auth={"token": "forged"}, transports=["websocket"], wait_timeout=5)
    assert errors and errors[0]["data"] == {"code": "unauthorized"}
