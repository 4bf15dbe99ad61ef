"""Site administrators: the role, bans, session revocation, account deletion, the audit log,
through /api/admin and `flask admin ...` (against a live server, whose sockets close within 2 s)."""

from __future__ import annotations

import time

import pytest
import requests
import socketio as socketio_client

from tests.chat_helpers import direct, send
from tests.conftest import LiveServer, assert_error
from tests.test_cli_commands import flask_cli

ADMIN_ROUTES = [
    ("GET", "/api/admin/users"),
    ("GET", "/api/admin/audit"),
    ("POST", "/api/admin/users/{id}/ban"),
    ("POST", "/api/admin/users/{id}/unban"),
    ("POST", "/api/admin/users/{id}/revoke-sessions"),
    ("DELETE", "/api/admin/users/{id}"),
]


@pytest.fixture
def admin(app, make_user):
    """A user promoted to site admin through the service `flask admin create` uses."""
    user = make_user("siteadmin")
    with app.app_context():
        from app.services.admin import create_admin

        create_admin("siteadmin", None, None, "cli:test")
    return user


def _call(client, method, path, user=None, **kw):
    return client.open(path, method=method, headers=user.headers if user else {}, **kw)


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
def test_admin_routes_are_for_site_admins_only(client, make_user, method, path):
    someone, victim = make_user(), make_user()
    url = path.format(id=victim.id)
    assert_error(_call(client, method, url), 401)
    assert_error(_call(client, method, url, someone, json={}), 403, "forbidden")
    assert (
        client.post("/api/auth/login", json={"login": victim.username, "password": victim.password}).status_code == 200
    )


def test_a_ban_closes_sockets_refuses_login_hides_the_card_and_is_audited(client, admin, make_user, socket_client):
    spammer = make_user()
    assert client.post("/api/masters", headers=spammer.headers, json={"category_ids": [2]}).status_code == 201
    sock = socket_client(spammer)
    assert sock.is_connected()
    res = client.post(f"/api/admin/users/{spammer.id}/ban", headers=admin.headers, json={"reason": "spam"})
    assert res.status_code == 200 and res.get_json()["banned"] is True
    assert not sock.is_connected()  # closed right after the commit
    assert_error(client.get("/api/users/me", headers=spammer.headers), 401)
    err = assert_error(
        client.post("/api/auth/login", json={"login": spammer.username, "password": spammer.password}),
        403,
        "account_banned",
    )
    assert err["details"]["reason"] == "spam"
    assert socket_client(spammer).is_connected() is False
    assert spammer.id not in [m["user"]["id"] for m in client.get("/api/masters").get_json()["items"]]
    assert_error(client.get(f"/api/masters/{spammer.id}"), 404)
    assert_error(client.post(f"/api/admin/users/{spammer.id}/ban", headers=admin.headers, json={}), 409)

    assert client.post(f"/api/admin/users/{spammer.id}/unban", headers=admin.headers).status_code == 200
    assert (
        client.post("/api/auth/login", json={"login": spammer.username, "password": spammer.password}).status_code
        == 200
    )
    assert client.get(f"/api/masters/{spammer.id}").status_code == 200
    log = client.get("/api/admin/audit", headers=admin.headers, query_string={"user_id": spammer.id}).get_json()
    assert [(e["action"], e["actor"]) for e in log["items"]] == [
        ("unban", "admin:siteadmin"),
        ("ban", "admin:siteadmin"),
    ]
    assert log["items"][1]["details"] == {"reason": "spam", "sessions": 1}


def test_revoke_sessions_ends_every_login_of_the_user(client, admin, make_user, socket_client):
    bob = make_user()
    sock = socket_client(bob)
    res = client.post(f"/api/admin/users/{bob.id}/revoke-sessions", headers=admin.headers)
    assert res.status_code == 200 and res.get_json() == {"revoked": 1}
    assert not sock.is_connected()
    assert_error(client.post("/api/auth/refresh", json={"refresh_token": bob.refresh_token}), 401)
    assert client.post("/api/auth/login", json={"login": bob.username, "password": bob.password}).status_code == 200


def test_a_deleted_accounts_messages_stay_as_deleted_account(client, admin, make_user):
    ann, bob = make_user(), make_user()
    chat = direct(client, ann, bob)
    send(client, bob, chat["id"], "remember me")
    res = client.delete(f"/api/admin/users/{bob.id}", headers=admin.headers)
    assert res.status_code == 200 and res.get_json()["deleted"] is True
    items = client.get(f"/api/messages/{chat['id']}", headers=ann.headers).get_json()["items"]
    mine = [m for m in items if m["body"] == "remember me"]
    assert mine and mine[0]["sender"]["display_name"] == "deleted account"
    assert mine[0]["sender"]["username"] == f"deleted-{bob.id}"
    assert_error(client.post("/api/auth/login", json={"login": bob.username, "password": bob.password}), 401)
    found = client.get("/api/admin/users", headers=admin.headers, query_string={"q": bob.email}).get_json()
    assert found["items"] == []


def test_admins_cannot_ban_or_delete_themselves(client, admin):
    assert_error(client.post(f"/api/admin/users/{admin.id}/ban", headers=admin.headers, json={}), 422)
    assert_error(client.delete(f"/api/admin/users/{admin.id}", headers=admin.headers), 422)


def test_the_admin_page_lists_users_with_their_state(client, admin, make_user):
    make_user("zed_person")
    page = client.get("/api/admin/users", headers=admin.headers, query_string={"q": "zed"}).get_json()
    assert [u["username"] for u in page["items"]] == ["zed_person"]
    me = client.get("/api/admin/users", headers=admin.headers, query_string={"q": "siteadmin"}).get_json()["items"][0]
    assert me["is_admin"] is True and me["banned"] is False


def test_flask_admin_commands_against_a_live_server_close_a_banned_users_socket_within_2_s(tmp_path):
    server = LiveServer(tmp_path).start()
    env = {k: server.env[k] for k in ("DATABASE_URL", "INSTANCE_PATH", "SECRET_KEY", "APP_ENV", "UPLOAD_DIR")}
    try:
        troll = server.signup("troll")
        created = flask_cli(tmp_path, "admin", "create", "root", "--email", "root@example.com", "--password",
                            "root-pass-123", env=env)  # fmt: skip
        assert created.returncode == 0 and "created site admin root" in created.stdout, created.stderr
        sock = socketio_client.Client(reconnection=False)
        closed = []
        sock.on("disconnect", lambda *a: closed.append(time.monotonic()))
        sock.connect(server.url, auth={"token": troll["access_token"]}, transports=["websocket"], wait_timeout=10)
        ban = flask_cli(tmp_path, "admin", "ban", "troll", "--reason", "trolling", env=env)
        banned_at = time.monotonic()
        assert ban.returncode == 0 and "banned troll" in ban.stdout, ban.stderr
        deadline = banned_at + 2.0
        while not closed and time.monotonic() < deadline:
            time.sleep(0.05)
        assert closed, "the banned user's socket was still open 2 s after `flask admin ban`"
        login = requests.post(server.url + "/api/auth/login", json={"login": "troll", "password": "correct-horse-9"})
        assert login.status_code == 403
        assert flask_cli(tmp_path, "admin", "unban", "troll", env=env).returncode == 0
        again = requests.post(server.url + "/api/auth/login", json={"login": "troll", "password": "correct-horse-9"})
        assert again.status_code == 200
        revoked = flask_cli(tmp_path, "admin", "revoke-sessions", "troll", env=env)
        assert "revoked 1 session(s) of troll" in revoked.stdout  # the login after the unban, revoked.stderr
        deleted = flask_cli(tmp_path, "admin", "delete-user", "troll", "--yes", env=env)
        assert deleted.returncode == 0, deleted.stderr
        audit = flask_cli(tmp_path, "admin", "audit", env=env).stdout
        for action in ("create_admin", "ban", "unban", "revoke_sessions", "delete_user"):
            assert action in audit
        missing = flask_cli(tmp_path, "admin", "ban", "nobody-here", env=env)
        assert missing.returncode == 1 and "No user 'nobody-here'" in missing.stderr
    finally:
        server.stop()
