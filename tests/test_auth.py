"""Accounts over REST: signup, login, refresh rotation with reuse detection, logout, change password, rate limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import RefreshToken
from app.models.base import utcnow
from tests.conftest import assert_error


@pytest.fixture(autouse=True)
def _rate_limit_window_clock(monkeypatch):
    """Pin the fixed-window clock mid-window: a test that straddles a window boundary would see its
    counts reset halfway (the token bucket keeps its real monotonic clock)."""
    import time as real_time
    from types import SimpleNamespace

    import app.ratelimit

    monkeypatch.setattr(
        app.ratelimit, "time", SimpleNamespace(time=lambda: 1_800_000_150.0, monotonic=real_time.monotonic)
    )


def _signup(client, email="ann@example.com", username="ann", password="correct-horse-9"):
    return client.post("/api/auth/signup", json={"email": email, "username": username, "password": password})


def _login(client, login, password="correct-horse-9", **kwargs):
    return client.post("/api/auth/login", json={"login": login, "password": password}, **kwargs)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- signup ---------------------------------------------------------------------------------------


def test_signup_creates_account_and_logs_in(client):
    res = _signup(client)
    assert res.status_code == 201
    body = res.get_json()
    assert set(body) == {"user", "access_token", "refresh_token"}
    assert body["user"]["username"] == "ann"
    assert body["user"]["email"] == "ann@example.com"
    me = client.get("/api/users/me", headers=_bearer(body["access_token"]))
    assert me.status_code == 200 and me.get_json()["id"] == body["user"]["id"]


@pytest.mark.parametrize(
    ("email", "username", "code"),
    [
        ("ann@example.com", "other", "email_taken"),
        ("ANN@Example.COM", "other", "email_taken"),
        ("other@example.com", "ann", "username_taken"),
        ("other@example.com", "ANN", "username_taken"),
    ],
)
def test_signup_duplicate_is_409_case_insensitive(client, email, username, code):
    assert _signup(client).status_code == 201
    assert_error(_signup(client, email=email, username=username), 409, code)


# --- login ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("login", ["ann@example.com", "ANN@EXAMPLE.COM", "ann", "Ann"])
def test_login_by_email_or_username(client, login):
    user_id = _signup(client).get_json()["user"]["id"]
    res = _login(client, login)
    assert res.status_code == 200
    body = res.get_json()
    assert body["user"]["id"] == user_id
    assert client.get("/api/users/me", headers=_bearer(body["access_token"])).status_code == 200


@pytest.mark.parametrize(
    ("login", "password"), [("ann", "wrong-password"), ("nobody", "correct-horse-9"), ("nobody@example.com", "x")]
)
def test_login_wrong_pair_and_unknown_user_look_the_same(client, login, password):
    _signup(client)
    err = assert_error(_login(client, login, password), 401, "invalid_credentials")
    assert err["message"] == "Wrong login or password."


# --- refresh --------------------------------------------------------------------------------------


def test_refresh_rotates_and_new_pair_works(client):
    first = _signup(client).get_json()
    res = client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert res.status_code == 200
    pair = res.get_json()
    assert set(pair) == {"access_token", "refresh_token"}
    assert pair["refresh_token"] != first["refresh_token"]
    assert client.get("/api/users/me", headers=_bearer(pair["access_token"])).status_code == 200
    again = client.post("/api/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert again.status_code == 200


def test_refresh_reuse_revokes_the_whole_family(client):
    first = _signup(client).get_json()
    second = client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]}).get_json()
    # The spent token comes back: someone copied it. The whole session dies.
    assert_error(client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]}), 401, "refresh_reuse")
    assert_error(client.post("/api/auth/refresh", json={"refresh_token": second["refresh_token"]}), 401)
    assert_error(client.get("/api/users/me", headers=_bearer(second["access_token"])), 401, "session_revoked")
    assert_error(client.get("/api/users/me", headers=_bearer(first["access_token"])), 401, "session_revoked")


def test_refresh_reuse_leaves_other_sessions_alone(client):
    first = _signup(client).get_json()
    other = _login(client, "ann").get_json()
    client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert client.get("/api/users/me", headers=_bearer(other["access_token"])).status_code == 200


def test_refresh_unknown_token_is_401(client):
    assert_error(client.post("/api/auth/refresh", json={"refresh_token": "not-a-token"}), 401, "invalid_refresh_token")


# --- logout ---------------------------------------------------------------------------------------


def test_logout_kills_refresh_access_and_sockets(client, make_user, socket_client):
    ann = make_user()
    other = _login(client, ann.username).get_json()
    mine = socket_client(ann)
    theirs = socket_client(token=other["access_token"])
    assert mine.is_connected() and theirs.is_connected()

    res = client.post("/api/auth/logout", headers=ann.headers)
    assert res.status_code == 204 and res.data == b""

    assert_error(client.post("/api/auth/refresh", json={"refresh_token": ann.refresh_token}), 401)
    assert_error(client.get("/api/users/me", headers=ann.headers), 401, "session_revoked")
    assert not mine.is_connected()
    # The other login of the same user is untouched.
    assert theirs.is_connected()
    assert client.get("/api/users/me", headers=_bearer(other["access_token"])).status_code == 200


def test_logout_needs_a_token(client):
    assert_error(client.post("/api/auth/logout"), 401)


# --- change password ------------------------------------------------------------------------------


def test_change_password_with_wrong_old_password_is_401(client, make_user):
    ann = make_user()
    res = client.post(
        "/api/auth/change-password",
        json={"old_password": "not-it-at-all", "password": "new-pass-123"},
        headers=ann.headers,
    )
    assert_error(res, 401, "invalid_credentials")
    assert _login(client, ann.username, ann.password).status_code == 200


def test_change_password_revokes_other_sessions_keeps_this_one(client, make_user, socket_client):
    ann = make_user()
    other = _login(client, ann.username).get_json()
    here = socket_client(ann)
    there = socket_client(token=other["access_token"])

    res = client.post(
        "/api/auth/change-password",
        json={"old_password": ann.password, "password": "new-pass-123"},
        headers=ann.headers,
    )
    assert res.status_code == 204

    assert client.get("/api/users/me", headers=ann.headers).status_code == 200
    assert here.is_connected()
    assert not there.is_connected()
    assert_error(client.get("/api/users/me", headers=_bearer(other["access_token"])), 401, "session_revoked")
    assert_error(client.post("/api/auth/refresh", json={"refresh_token": other["refresh_token"]}), 401)
    assert client.post("/api/auth/refresh", json={"refresh_token": ann.refresh_token}).status_code == 200
    assert_error(_login(client, ann.username, ann.password), 401, "invalid_credentials")
    assert _login(client, ann.username, "new-pass-123").status_code == 200


# --- rate limits ----------------------------------------------------------------------------------


def _assert_rate_limited(res):
    err = assert_error(res, 429, "rate_limited")
    retry_after = int(res.headers["Retry-After"])
    assert retry_after >= 1
    assert err["details"]["retry_after"] == retry_after


def test_login_rate_limit_per_account_and_address(client):
    _signup(client)
    for _ in range(10):
        assert _login(client, "ann", "wrong-password").status_code == 401
    _assert_rate_limited(_login(client, "ann", "wrong-password"))
    # The right password does not get around it, nor does switching to the email.
    _assert_rate_limited(_login(client, "ann"))
    _assert_rate_limited(_login(client, "ann@example.com"))


def test_login_rate_limit_per_address(client):
    for n in range(60):
        res = _login(client, f"nobody{n}", "wrong-password", environ_base={"REMOTE_ADDR": "10.0.0.7"})
        assert res.status_code == 401
    _assert_rate_limited(_login(client, "nobody-else", "x", environ_base={"REMOTE_ADDR": "10.0.0.7"}))
    # Another address is not punished for it.
    assert _login(client, "nobody-else", "x", environ_base={"REMOTE_ADDR": "10.0.0.8"}).status_code == 401


def test_signup_rate_limit_per_address(client):
    for n in range(20):
        assert _signup(client, email=f"user{n}@example.com", username=f"user{n}").status_code == 201
    _assert_rate_limited(_signup(client, email="late@example.com", username="late"))


def test_reset_request_rate_limit(client):
    for _ in range(5):
        assert client.post("/api/auth/reset-password", json={"email": "x@example.com"}).status_code == 202
    _assert_rate_limited(client.post("/api/auth/reset-password", json={"email": "x@example.com"}))


@pytest.fixture
def no_limits(config):
    config.RATE_LIMITS = False
    return config


def test_rate_limits_off(no_limits, client):
    _signup(client)
    for _ in range(30):
        assert _login(client, "ann", "wrong-password").status_code == 401
    assert _login(client, "ann").status_code == 200


def test_forwarded_for_is_ignored_without_trusted_proxies(client):
    """A client cannot dodge the per-address limit by inventing X-Forwarded-For headers."""
    for n in range(60):
        client.post(
            "/api/auth/login", json={"login": f"x{n}", "password": "x"}, headers={"X-Forwarded-For": f"1.2.3.{n}"}
        )
    _assert_rate_limited(_login(client, "y", "x", headers={"X-Forwarded-For": "9.9.9.9"}))


def test_behind_one_proxy_the_forwarded_address_counts(client):
    client.application.config["PROXY_HOPS"] = 1  # as PROXY_HOPS=1 in the environment does behind nginx
    for n in range(60):
        res = _login(client, f"x{n}", "x", headers={"X-Forwarded-For": "spoofed, 10.1.1.1"})
        assert res.status_code == 401
    _assert_rate_limited(_login(client, "y", "x", headers={"X-Forwarded-For": "other-spoof, 10.1.1.1"}))
    # Everyone else behind the same proxy (same remote_addr) is unaffected.
    assert _login(client, "y", "x", headers={"X-Forwarded-For": "10.2.2.2"}).status_code == 401


def test_change_password_guessing_is_rate_limited(client, make_user):
    ann = make_user()
    for n in range(10):
        res = client.post(
            "/api/auth/change-password",
            json={"old_password": f"guess-{n}", "password": "new-pass-123"},
            headers=ann.headers,
        )
        assert res.status_code == 401
    res = client.post(
        "/api/auth/change-password",
        json={"old_password": ann.password, "password": "new-pass-123"},
        headers=ann.headers,
    )
    _assert_rate_limited(res)


def test_expired_refresh_token_is_401(app, client):
    first = _signup(client).get_json()
    with app.app_context():
        with db.session.begin():
            db.session.execute(update(RefreshToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.remove()
    assert_error(client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]}), 401)


def test_refresh_tokens_are_stored_hashed(app, client):
    first = _signup(client).get_json()
    with app.app_context():
        stored = db.session.execute(select(RefreshToken.token_hash)).scalars().all()
    assert stored and first["refresh_token"] not in stored
    assert len(first["refresh_token"]) >= 43  # 256 bits, URL-safe base64
