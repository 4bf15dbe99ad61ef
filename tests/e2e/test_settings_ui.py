"""Settings: changing the email asks for the current password (its problems said beside it), mails a link
to the new address, and the link confirms it."""

from __future__ import annotations

import email
import email.policy
import re
import time
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import api_call, api_user, login_as


def _link_to(server, address: str) -> str:
    """The confirmation link mailed to `address` (the live server writes mail to MAIL_OUTBOX)."""
    outbox = Path(server.env["MAIL_OUTBOX"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for path in outbox.glob("*.eml") if outbox.exists() else []:
            mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if mail["To"] == address:
                found = re.search(
                    r"https?://\S+#/confirm-email\?token=[\w.-]+", mail.get_body(("plain",)).get_content()
                )
                if found:
                    return found.group(0)
        time.sleep(0.1)
    raise AssertionError(f"no confirmation mail to {address}")


def test_changing_the_email_needs_the_password_and_the_mailed_link(server, new_page, problems):
    user = api_user(server, "mail_mover", "Mila Mover")
    page = new_page(server)
    login_as(page, server, user, "#/settings")
    current = page.locator("#set-current_password")
    expect(current).to_be_hidden()
    page.fill("#set-email", "mila.new@example.com")
    expect(current).to_be_visible()

    problems.allow(r"status of (401|422)")
    page.click("#profile-form button[type=submit]")
    expect(page.locator("#set-current_password-problem")).to_have_text("Required.")
    expect(current).to_be_focused()
    current.fill("not-my-password")
    page.click("#profile-form button[type=submit]")
    expect(page.locator("#set-current_password-problem")).to_have_text("Wrong password.")
    expect(page.locator("#nav")).to_contain_text("Chats")  # still signed in

    current.fill("correct-horse-9")
    page.click("#profile-form button[type=submit]")
    expect(page.locator("#toast")).to_contain_text("We sent a link to mila.new@example.com")
    expect(page.locator("#set-email")).to_have_value("mail_mover@example.com")  # unchanged until confirmed
    expect(current).to_be_hidden()

    page.goto(_link_to(server, "mila.new@example.com"))
    expect(page.get_by_role("heading", name="Your new email address is confirmed.")).to_be_visible()
    assert api_call(server, user, "GET", "/users/me").json()["email"] == "mila.new@example.com"
