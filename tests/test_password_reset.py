"""Password reset end to end: through MAIL_OUTBOX files and through a real SMTP server on loopback."""

from __future__ import annotations

import email
import email.policy
import re
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from app.extensions import db
from app.models import PasswordReset
from app.models.base import utcnow
from tests.conftest import assert_error, free_port

LINK = re.compile(r"(\S+/#/reset-password\?token=\S+)")
NEW_PASSWORD = "brand-new-pass-1"


def _wait_for(predicate, timeout: float = 5.0):
    """Poll until predicate() returns something truthy; the mail goes out from a background task."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("timed out waiting")


def _outbox_mails(outbox: str) -> list[email.message.EmailMessage]:
    folder = Path(outbox)
    if not folder.exists():
        return []
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in sorted(folder.glob("*.eml"))]


def _link(msg: email.message.EmailMessage) -> str:
    return LINK.search(msg.get_content()).group(1)


def _token(link: str) -> str:
    return parse_qs(urlsplit(link).fragment.partition("?")[2])["token"][0]


def _confirm(client, token: str, password: str = NEW_PASSWORD):
    return client.post("/api/auth/reset-password/confirm", json={"token": token, "password": password})


def _login(client, user, password):
    return client.post("/api/auth/login", json={"login": user.username, "password": password})


# --- through the outbox ---------------------------------------------------------------------------


def test_reset_through_outbox_end_to_end(app, client, make_user, socket_client, config):
    ann = make_user()
    other = _login(client, ann, ann.password).get_json()
    sock = socket_client(ann)

    # A forged Host header must not leak into the link: links come from PUBLIC_URL only.
    res = client.post("/api/auth/reset-password", json={"email": ann.email.upper()}, headers={"Host": "evil.example"})
    assert res.status_code == 202

    msg = _wait_for(lambda: _outbox_mails(config.MAIL_OUTBOX))[0]
    assert msg["To"] == ann.email
    assert msg["From"] == config.MAIL_FROM
    link = _link(msg)
    assert link.startswith("http://masterchat.test/#/reset-password?token="), link
    assert "evil.example" not in msg.as_string()
    token = _token(link)
    assert len(token) >= 22  # at least 128 bits, URL-safe base64

    # Only a hash of the token is stored.
    with app.app_context():
        stored = db.session.execute(select(PasswordReset.token_hash)).scalars().all()
    assert stored and token not in stored

    assert _confirm(client, token).status_code == 204
    assert _login(client, ann, NEW_PASSWORD).status_code == 200
    assert_error(_login(client, ann, ann.password), 401, "invalid_credentials")

    # Every session of the user is over, and its sockets are closed.
    for access, refresh in ((ann.access_token, ann.refresh_token), (other["access_token"], other["refresh_token"])):
        assert_error(client.get("/api/users/me", headers={"Authorization": f"Bearer {access}"}), 401)
        assert_error(client.post("/api/auth/refresh", json={"refresh_token": refresh}), 401)
    assert not sock.is_connected()

    # Single use.
    assert_error(_confirm(client, token, "another-pass-2"), 422, "invalid_reset_token")
    assert _login(client, ann, NEW_PASSWORD).status_code == 200


def test_expired_reset_token_is_refused(app, client, make_user, config):
    ann = make_user()
    client.post("/api/auth/reset-password", json={"email": ann.email})
    token = _token(_link(_wait_for(lambda: _outbox_mails(config.MAIL_OUTBOX))[0]))
    with app.app_context():
        with db.session.begin():
            db.session.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.remove()
    assert_error(_confirm(client, token), 422, "invalid_reset_token")
    assert _login(client, ann, ann.password).status_code == 200


def test_reset_link_is_valid_for_thirty_minutes(app, client, make_user, config):
    assert config.RESET_TOKEN_TTL == 30 * 60
    ann = make_user()
    before = utcnow()
    client.post("/api/auth/reset-password", json={"email": ann.email})
    _wait_for(lambda: _outbox_mails(config.MAIL_OUTBOX))
    with app.app_context():
        expires = db.session.execute(select(PasswordReset.expires_at)).scalar_one()
    assert timedelta(minutes=29) < expires - before <= timedelta(minutes=30, seconds=5)


def test_using_one_link_kills_the_other_outstanding_links(client, make_user, config):
    ann = make_user()
    client.post("/api/auth/reset-password", json={"email": ann.email})
    client.post("/api/auth/reset-password", json={"email": ann.email})
    mails = _wait_for(lambda: len(_outbox_mails(config.MAIL_OUTBOX)) == 2 and _outbox_mails(config.MAIL_OUTBOX))
    first, second = (_token(_link(m)) for m in mails)
    assert first != second
    assert _confirm(client, first).status_code == 204
    assert_error(_confirm(client, second, "another-pass-2"), 422, "invalid_reset_token")


def test_unknown_email_gets_the_same_answer_and_no_mail(client, make_user, config):
    ann = make_user()
    unknown = client.post("/api/auth/reset-password", json={"email": "nobody@example.com"})
    known = client.post("/api/auth/reset-password", json={"email": ann.email})
    assert unknown.status_code == known.status_code == 202
    assert unknown.get_json() == known.get_json()
    assert unknown.headers.get("Content-Type") == known.headers.get("Content-Type")
    # The known address's mail arrives; the unknown one never gets one.
    mails = _wait_for(lambda: _outbox_mails(config.MAIL_OUTBOX))
    assert [m["To"] for m in mails] == [ann.email]


@pytest.mark.parametrize("token", ["", "x", "not-a-real-token-at-all-0123456789", "a" * 200])
def test_made_up_reset_tokens_are_refused(client, token):
    res = _confirm(client, token)
    assert_error(res, 422)


def test_made_up_tokens_cost_no_bcrypt_and_are_rate_limited(client, monkeypatch):
    """Guessing at the confirm route without a link costs the server a lookup, not a password hash,
    and an address that keeps guessing is told to wait (429 with Retry-After) before anything else."""
    import time as real_time
    from types import SimpleNamespace

    import app.ratelimit
    import app.services.auth as auth_service

    # Mid-window, so that the fixed window cannot roll over halfway through the test.
    clock = SimpleNamespace(time=lambda: 1_800_000_150.0, monotonic=real_time.monotonic)
    monkeypatch.setattr(app.ratelimit, "time", clock)
    hashed: list[str] = []
    monkeypatch.setattr(auth_service, "hash_password", lambda pw: hashed.append(pw) or "x")
    for n in range(20):
        assert_error(_confirm(client, f"made-up-token-{n:04d}-0123456789abcdef"), 422, "invalid_reset_token")
    assert hashed == []
    res = _confirm(client, "made-up-token-9999-0123456789abcdef")
    assert_error(res, 429)
    assert int(res.headers["Retry-After"]) > 0


# --- through a real SMTP server on loopback -------------------------------------------------------


class _Inbox:
    """aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls this hook by name
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(config):
    """A real SMTP server on a free loopback port; the app's config points at it."""
    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    config.MAIL_SERVER = "127.0.0.1"
    config.MAIL_PORT = port
    yield inbox
    controller.stop()


def test_reset_through_real_smtp_server(smtp, client, make_user, config):
    ann = make_user()
    res = client.post("/api/auth/reset-password", json={"email": ann.email}, headers={"Accept-Language": "en-GB,en"})
    assert res.status_code == 202
    msg = _wait_for(lambda: smtp.messages and smtp.messages[0])
    assert smtp.envelopes[0][1] == [ann.email]
    assert msg["Subject"] == "Reset your Masterchat password"  # no locale chosen: the browser's language
    link = _link(msg)
    assert link.startswith("http://masterchat.test/#/reset-password?token=")
    assert not Path(config.MAIL_OUTBOX).exists() or not list(Path(config.MAIL_OUTBOX).glob("*.eml"))

    assert _confirm(client, _token(link)).status_code == 204
    assert _login(client, ann, NEW_PASSWORD).status_code == 200
    assert_error(_login(client, ann, ann.password), 401, "invalid_credentials")


def test_reset_against_live_eventlet_server(live_server):
    """The same flow in a real `python wsgi.py` process, where the mail goes out from an eventlet green thread."""
    user = live_server.signup("livereset")
    res = requests.post(
        f"{live_server.url}/api/auth/reset-password",
        json={"email": "livereset@example.com"},
        headers={"Host": "evil.example"},
        timeout=5,
    )
    assert res.status_code == 202
    msg = _wait_for(lambda: _outbox_mails(live_server.env["MAIL_OUTBOX"]))[0]
    link = _link(msg)
    assert link.startswith(f"{live_server.url}/#/reset-password?token=")
    res = requests.post(
        f"{live_server.url}/api/auth/reset-password/confirm",
        json={"token": _token(link), "password": NEW_PASSWORD},
        timeout=5,
    )
    assert res.status_code == 204
    login = requests.post(
        f"{live_server.url}/api/auth/login", json={"login": "livereset", "password": NEW_PASSWORD}, timeout=5
    )
    assert login.status_code == 200
    old = requests.get(
        f"{live_server.url}/api/users/me", headers={"Authorization": f"Bearer {user['access_token']}"}, timeout=5
    )
    assert old.status_code == 401
