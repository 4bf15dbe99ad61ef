"""A user's language: kept in the profile (`locale`), shown to its owner only, and the language every mail
goes out in; a user who never chose one gets the browser's language at the time the mail was asked for."""
# ruff: noqa: RUF001  (Russian test data is meant to be Cyrillic)

from __future__ import annotations

import email
import email.policy
import time
from pathlib import Path

import pytest

from app.services.mail_texts import MAILS, render_mail
from tests.conftest import assert_error


def _mails(outbox: str) -> list[email.message.EmailMessage]:
    folder = Path(outbox)
    files = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime) if folder.exists() else []
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in files]


def _one_mail(outbox: str, timeout: float = 5.0) -> email.message.EmailMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        mails = _mails(outbox)
        if mails:
            assert len(mails) == 1, [m["Subject"] for m in mails]
            return mails[0]
        time.sleep(0.02)
    raise AssertionError("no mail")


# ---- locale in the profile -------------------------------------------------------------------------


def test_locale_is_null_until_chosen_and_only_its_owner_sees_it(client, make_user):
    ann, bob = make_user(), make_user()
    assert client.get("/api/users/me", headers=ann.headers).get_json()["locale"] is None
    res = client.patch("/api/users/me", json={"locale": "en"}, headers=ann.headers)
    assert res.status_code == 200 and res.get_json()["locale"] == "en"
    assert client.get("/api/users/me", headers=ann.headers).get_json()["locale"] == "en"
    assert "locale" not in client.get(f"/api/users/{ann.id}", headers=bob.headers).get_json()
    # null: back to following the browser
    assert client.patch("/api/users/me", json={"locale": None}, headers=ann.headers).get_json()["locale"] is None


@pytest.mark.parametrize("bad", ["de", "EN", "", 1, ["ru"]])
def test_unknown_locale_is_422_and_changes_nothing(client, make_user, bad):
    ann = make_user()
    client.patch("/api/users/me", json={"locale": "ru"}, headers=ann.headers)
    res = client.patch("/api/users/me", json={"locale": bad, "bio": "changed?"}, headers=ann.headers)
    err = assert_error(res, 422, "validation_error")
    assert err["details"]["fields"]["locale"]["code"] == "invalid_choice"
    assert err["details"]["fields"]["locale"]["choices"] == ["ru", "en"]
    me = client.get("/api/users/me", headers=ann.headers).get_json()
    assert me["locale"] == "ru" and me["bio"] == ""


# ---- mail in the reader's language -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "browser", "subject", "words", "language"),
    [
        ("en", "ru", "Reset your Masterchat password", "Open this link within 30 minutes", "en"),
        ("ru", "en-US,en", "Сброс пароля в Masterchat", "в течение 30 минут", "ru"),
        (None, "en-US,en;q=0.9", "Reset your Masterchat password", "Open this link within 30 minutes", "en"),
        (None, "ru-RU,ru", "Сброс пароля в Masterchat", "Здравствуйте", "ru"),
        (None, None, "Сброс пароля в Masterchat", "Здравствуйте", "ru"),
    ],
)
def test_password_reset_mail_is_in_the_users_language(client, make_user, config, locale, browser, subject, words,
                                                      language):  # fmt: skip
    ann = make_user()
    if locale:
        client.patch("/api/users/me", json={"locale": locale}, headers=ann.headers)
    headers = {"Accept-Language": browser} if browser else {}
    assert client.post("/api/auth/reset-password", json={"email": ann.email}, headers=headers).status_code == 202
    msg = _one_mail(config.MAIL_OUTBOX)
    assert msg["Subject"] == subject
    assert msg["Content-Language"] == language
    body = msg.get_content()
    assert words in body and "/#/reset-password?token=" in body
    assert ann.username in body  # greets by name


def test_every_mail_has_both_languages_with_the_same_placeholders():
    import string

    for kind, texts in MAILS.items():
        assert set(texts) == {"ru", "en"}, kind
        fields = {
            lang: {f for part in pair for _lit, f, _spec, _conv in string.Formatter().parse(part) if f}
            for lang, pair in texts.items()
        }
        assert {f.removesuffix("_ru").removesuffix("_en") for f in fields["ru"]} == {
            f.removesuffix("_ru").removesuffix("_en") for f in fields["en"]
        }, kind


@pytest.mark.parametrize(
    ("minutes", "ru", "en"),
    [(1, "1 минуты", "1 minute"), (21, "21 минуты", "21 minutes"), (11, "11 минут", "11 minutes"),
     (30, "30 минут", "30 minutes")],
)  # fmt: skip
def test_minutes_are_spelled_with_their_noun(minutes, ru, en):
    assert ru in render_mail("password_reset", "ru", name="a", minutes=minutes, link="L")[1]
    assert en in render_mail("password_reset", "en", name="a", minutes=minutes, link="L")[1]
    assert render_mail("password_reset", "xx", name="a", minutes=1, link="L")[0] == "Сброс пароля в Masterchat"


@pytest.mark.parametrize(("hours", "ru"), [(1, "1 часа"), (2, "2 часов"), (21, "21 часа"), (24, "24 часов")])
def test_hours_are_spelled_with_their_noun(hours, ru):
    _subject, body = render_mail("email_change_confirm", "ru", name="a", hours=hours, link="L")
    assert f"в течение {ru}" in body
    english = render_mail("email_change_confirm", "en", name="a", hours=hours, link="L")[1]
    assert f"within {hours} hour{'s' if hours != 1 else ''} " in english


def test_email_change_mails_go_out_in_each_readers_language(client, make_user, config):
    """The requester (locale en) gets English; the owner of the address asked for (locale ru) gets Russian."""
    ann, bob = make_user(), make_user()
    client.patch("/api/users/me", json={"locale": "en"}, headers=ann.headers)
    client.patch("/api/users/me", json={"locale": "ru"}, headers=bob.headers)
    res = client.patch(
        "/api/users/me",
        json={"email": bob.email, "current_password": ann.password},
        headers={**ann.headers, "Accept-Language": "ru"},
    )
    assert res.status_code == 200
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(_mails(config.MAIL_OUTBOX)) < 2:
        time.sleep(0.02)
    mails = {m["To"]: m for m in _mails(config.MAIL_OUTBOX)}
    assert mails[ann.email]["Subject"] == "Masterchat: a change of your email was requested"
    assert mails[ann.email]["Content-Language"] == "en"
    assert mails[bob.email]["Subject"] == "Masterchat: на этот адрес уже есть аккаунт"
    assert mails[bob.email]["Content-Language"] == "ru"


def test_email_change_link_follows_the_browser_for_a_user_without_a_locale(client, make_user, config):
    ann = make_user()
    res = client.patch(
        "/api/users/me",
        json={"email": "new-ann@example.com", "current_password": ann.password},
        headers={**ann.headers, "Accept-Language": "en-GB,en;q=0.9"},
    )
    assert res.status_code == 200
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(_mails(config.MAIL_OUTBOX)) < 2:
        time.sleep(0.02)
    link = next(m for m in _mails(config.MAIL_OUTBOX) if m["To"] == "new-ann@example.com")
    assert link["Subject"] == "Confirm your new Masterchat email"
    assert "within 24 hours" in link.get_content()
