"""Email change cannot take an account over, and does not tell who is registered.

The attack it stops: with only a stolen access token, PATCH /api/users/me {"email": mine} used to move
the account to the attacker's mailbox, after which a password reset handed it over. Now the current
password is needed, the new address must confirm by a mailed link, the old address is told, and every
reset link issued before the change dies.
"""

from __future__ import annotations

import re

from tests.conftest import assert_error
from tests.test_password_reset import _outbox_mails, _wait_for

CONFIRM = re.compile(r"/#/confirm-email\?token=(\S+)")
RESET = re.compile(r"/#/reset-password\?token=(\S+)")


def _mails_to(config, address: str) -> list:
    return [m for m in _outbox_mails(config.MAIL_OUTBOX) if m["To"] == address]


def test_email_change_without_current_password_is_refused(client, make_user):
    victim = make_user()
    res = client.patch("/api/users/me", json={"email": "attacker@evil.example.org"}, headers=victim.headers)
    err = assert_error(res, 422, "validation_error")
    assert "current_password" in err["details"]["fields"]
    wrong = client.patch(
        "/api/users/me",
        json={"email": "attacker@evil.example.org", "current_password": "guess-guess"},
        headers=victim.headers,
    )
    assert_error(wrong, 401, "invalid_credentials")
    assert client.get("/api/users/me", headers=victim.headers).get_json()["email"] == victim.email


def test_email_change_waits_for_the_new_mailbox_and_tells_the_old_one(client, make_user, config):
    ann = make_user()
    res = client.patch(
        "/api/users/me",
        json={"email": "Ann.New@Example.com", "current_password": ann.password, "bio": "hi"},
        headers=ann.headers,
    )
    assert res.status_code == 200
    assert res.get_json()["email"] == ann.email and res.get_json()["bio"] == "hi"  # not yet changed
    link_mail = _wait_for(lambda: _mails_to(config, "ann.new@example.com"))[0]
    notice = _wait_for(lambda: _mails_to(config, ann.email))[0]
    assert "a***@example.com" in notice.get_content()
    token = CONFIRM.search(link_mail.get_content()).group(1)
    assert (
        client.post("/api/auth/login", json={"login": "ann.new@example.com", "password": ann.password}).status_code
        == 401
    )
    # no language chosen: the notice goes out in the language of the browser that opened the link
    confirm = client.post("/api/users/me/email/confirm", json={"token": token}, headers={"Accept-Language": "en"})
    assert confirm.status_code == 204
    assert client.get("/api/users/me", headers=ann.headers).get_json()["email"] == "ann.new@example.com"
    assert (
        client.post("/api/auth/login", json={"login": "ann.new@example.com", "password": ann.password}).status_code
        == 200
    )
    # the link works once
    assert_error(client.post("/api/users/me/email/confirm", json={"token": token}), 422, "invalid_email_token")
    changed = _wait_for(lambda: [m for m in _mails_to(config, ann.email) if "was changed" in m["Subject"]])
    assert changed


def test_taken_address_gets_the_same_answer_and_no_link(client, make_user, config):
    ann, bob = make_user(), make_user()
    free = client.patch(
        "/api/users/me", json={"email": "free@example.com", "current_password": ann.password}, headers=ann.headers
    )
    taken = client.patch(
        "/api/users/me", json={"email": bob.email.upper(), "current_password": ann.password}, headers=ann.headers
    )
    assert free.status_code == taken.status_code == 200
    assert free.get_json() == taken.get_json()
    notice = _wait_for(lambda: _mails_to(config, bob.email))[0]
    assert not CONFIRM.search(notice.get_content())


def test_forged_or_foreign_tokens_are_refused(client, make_user):
    for token in ("nope", "a.b.c", "x" * 2000):
        assert_error(client.post("/api/users/me/email/confirm", json={"token": token}), 422, "invalid_email_token")


def test_reset_link_issued_before_an_email_change_dies(client, make_user, config):
    ann = make_user()
    client.post("/api/auth/reset-password", json={"email": ann.email})
    reset_token = RESET.search(_wait_for(lambda: _mails_to(config, ann.email))[0].get_content()).group(1)
    client.patch(
        "/api/users/me", json={"email": "moved@example.com", "current_password": ann.password}, headers=ann.headers
    )
    token = CONFIRM.search(_wait_for(lambda: _mails_to(config, "moved@example.com"))[0].get_content()).group(1)
    assert client.post("/api/users/me/email/confirm", json={"token": token}).status_code == 204
    res = client.post("/api/auth/reset-password/confirm", json={"token": reset_token, "password": "attacker-pass-1"})
    assert_error(res, 422, "invalid_reset_token")


def test_reset_link_issued_before_a_password_change_dies(client, make_user, config):
    ann = make_user()
    client.post("/api/auth/reset-password", json={"email": ann.email})
    reset_token = RESET.search(_wait_for(lambda: _mails_to(config, ann.email))[0].get_content()).group(1)
    res = client.post(
        "/api/auth/change-password",
        json={"old_password": ann.password, "password": "new-pass-123"},
        headers=ann.headers,
    )
    assert res.status_code == 204
    res = client.post("/api/auth/reset-password/confirm", json={"token": reset_token, "password": "attacker-pass-1"})
    assert_error(res, 422, "invalid_reset_token")


def test_password_change_voids_a_pending_email_link(client, make_user, config):
    ann = make_user()
    client.patch(
        "/api/users/me", json={"email": "pending@example.com", "current_password": ann.password}, headers=ann.headers
    )
    token = CONFIRM.search(_wait_for(lambda: _mails_to(config, "pending@example.com"))[0].get_content()).group(1)
    client.post(
        "/api/auth/change-password",
        json={"old_password": ann.password, "password": "new-pass-123"},
        headers=ann.headers,
    )
    assert_error(client.post("/api/users/me/email/confirm", json={"token": token}), 422, "invalid_email_token")
