"""Logs: an access line per request and socket, request ids, JSON lines, and no secret in any line."""

from __future__ import annotations

import json
import time

import requests
import socketio as socketio_client

from tests.conftest import LiveServer
from tests.test_password_reset import _link, _outbox_mails, _token, _wait_for


def _boom_app(app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("the disk caught fire")

    return app


def test_a_failing_requests_id_is_in_its_response_and_in_its_log_lines(app, capsys):
    client = _boom_app(app).test_client()
    res = client.get("/boom", headers={"X-Request-ID": "req-4242.abc"})
    assert res.status_code == 500
    assert res.headers["X-Request-ID"] == "req-4242.abc"
    assert res.get_json()["error"]["details"] == {"request_id": "req-4242.abc"}
    lines = [line for line in capsys.readouterr().err.splitlines() if "[req-4242.abc]" in line]
    assert any("unhandled error: the disk caught fire" in line for line in lines), lines
    assert any("masterchat.access" in line and "GET /boom 500" in line for line in lines), lines


def test_a_request_id_is_made_when_missing_or_malformed(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/api/nothing", headers={"X-Request-ID": "spaces are not allowed"}).headers["X-Request-ID"]
    assert len(first) == 32 and len(second) == 32 and first != second


def test_access_lines_name_the_user_and_leave_out_the_query_string(client, make_user, capsys):
    ann = make_user()
    client.get("/api/users/me?token=leaky-query-value", headers=ann.headers)
    err = capsys.readouterr().err
    line = next(line for line in err.splitlines() if "GET /api/users/me 200" in line)
    assert f"user={ann.id}" in line
    assert "leaky-query-value" not in err


def test_redaction_masks_what_must_never_reach_a_log():
    from app.logs import redact

    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
    line = redact(f"Authorization: Bearer abc.def.ghi; password=hunter2 link /#/reset-password?token=Zx9 {jwt}")
    for secret in ("abc.def.ghi", "hunter2", "Zx9", jwt):
        assert secret not in line


def test_json_lines_with_sockets_and_no_token_password_or_reset_link(tmp_path):
    """A real server with LOG_FORMAT=json: every line is JSON; signup, login, a socket, a password reset."""
    server = LiveServer(tmp_path, extra_env={"LOG_FORMAT": "json"}).start()
    password, new_password = "first-Secret-77", "second-Secret-88"
    try:
        body = server.signup("logann", password)
        res = requests.post(server.url + "/api/auth/login", json={"login": "logann", "password": password}, timeout=10)
        tokens = res.json()
        sock = socketio_client.Client(reconnection=False)
        sock.connect(server.url, auth={"token": tokens["access_token"]}, transports=["websocket"], wait_timeout=10)
        sock.disconnect()
        requests.post(server.url + "/api/auth/reset-password", json={"email": "logann@example.com"}, timeout=10)
        link = _link(_wait_for(lambda: _outbox_mails(server.env["MAIL_OUTBOX"]))[0])
        confirm = requests.post(
            server.url + "/api/auth/reset-password/confirm",
            json={"token": _token(link), "password": new_password},
            headers={"X-Request-ID": "reset-1"},
            timeout=10,
        )
        assert confirm.status_code == 204
        time.sleep(0.3)
    finally:
        server.stop()
    text = (tmp_path / f"server-{server.port}.log").read_text()
    records = [json.loads(line) for line in text.splitlines() if line.strip()]
    access = [r for r in records if r["logger"] == "masterchat.access"]
    login = next(r for r in access if r["path"] == "/api/auth/login")
    assert login["method"] == "POST" and login["status"] == 200 and login["ms"] >= 0 and login["request_id"]
    reset = next(r for r in access if r["path"] == "/api/auth/reset-password/confirm")
    assert reset["request_id"] == "reset-1" and reset["status"] == 204
    sockets = [r for r in records if r["logger"] == "masterchat.sockets.access"]
    assert [r["event"] for r in sockets] == ["connect", "disconnect"]
    assert sockets[0]["request_id"] == sockets[1]["request_id"] == sockets[0]["sid"]
    assert all(r["user_id"] == body["user"]["id"] for r in sockets)
    secrets = [password, new_password, tokens["access_token"], tokens["refresh_token"], body["access_token"]]
    secrets += [_token(link), link]
    for secret in secrets:
        assert secret not in text
