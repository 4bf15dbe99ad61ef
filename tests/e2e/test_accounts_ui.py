"""Accounts in the browser: user content renders as text, sign-up, log-in and log-out work."""

from __future__ import annotations

import re

import requests
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, api_call, api_user, login_as, shot

XSS = "<img src=x onerror=alert(1)>"


def test_username_and_message_with_markup_render_as_text(server, new_page):
    """A display name and a message holding an <img onerror> show literally; no dialog opens (fixture checks)."""
    evil = api_user(server, "mallory", display_name=XSS)
    alice = api_user(server, "alice_x")
    chat = api_call(server, evil, "POST", "/chats", json={"type": "direct", "user_id": alice["user"]["id"]})
    assert chat.status_code in (200, 201), chat.text
    chat_id = chat.json()["id"]
    sent = api_call(server, evil, "POST", "/messages", json={"chat_id": chat_id, "body": XSS, "client_id": "x1"})
    assert sent.status_code == 201, sent.text

    page = new_page(server)
    login_as(page, server, alice, f"#/chats/{chat_id}")
    bubble = page.locator(".msg .msg-body").last
    expect(bubble).to_have_text(XSS)
    expect(page.locator(".chat-head .chat-title")).to_have_text(XSS)
    expect(page.locator(".chat-item-title").first).to_have_text(XSS)
    assert page.locator(".messages img, .chat-list img").count() == 0
    page.wait_for_timeout(300)  # an onerror handler would have fired by now
    shot(page, "xss-chat")


def test_sign_up_log_out_and_log_in(server, new_page, tmp_path):
    """A visitor asked to log in signs up instead, lands where they wanted, edits the profile and avatar,
    logs out and logs back in."""
    page = new_page(server)
    page.goto(server.url + "/")
    expect(page.locator(".hero h1")).to_be_visible()
    shot(page, "landing")

    page.goto(server.url + "/#/settings")
    expect(page).to_have_url(re.compile(r"#/login\?next="))
    page.click("text=Create an account")
    page.fill("#email", "bob@example.com")
    page.fill("#username", "bob_ui")
    page.fill("#password", "correct-horse-9")
    shot(page, "signup")
    page.click("form button[type=submit]")
    expect(page.locator("h1", has_text="Account settings")).to_be_visible()  # back to where the visitor wanted to go
    expect(page.locator("#set-username")).to_have_value("bob_ui")
    page.fill("#set-display_name", "Bob Builder")
    page.click("#profile-form button[type=submit]")
    expect(page.locator(".me-name")).to_have_text("Bob Builder")
    picture = tmp_path / "me.png"
    Image.new("RGB", (120, 120), (40, 120, 200)).save(picture)
    page.set_input_files("#avatar-file", str(picture))
    expect(page.locator(".me-link .avatar img")).to_have_count(1)
    page.wait_for_function("() => document.querySelector('.me-link .avatar img').naturalWidth > 0")
    page.evaluate("() => window.scrollTo(0, 0)")
    shot(page, "settings")

    page.click("#logout")
    expect(page.locator("#account a", has_text="Log in")).to_be_visible()
    assert page.evaluate("() => localStorage.getItem('mc.refresh')") is None

    page.goto(server.url + "/#/login")
    page.fill("#login", "bob_ui")
    page.fill("#password", "correct-horse-9")
    shot(page, "login")
    page.click("form button[type=submit]")
    expect(page.locator(".news-page h1")).to_have_text("News")  # the home feed is the page after login
    expect(page.locator(".me-name")).to_have_text("Bob Builder")


def test_phone_layout_shows_one_pane(server, new_page):
    """On a phone-sized screen the chat list and the open chat take the whole width, one at a time."""
    a = api_user(server, "phone_a", display_name="Anna Phone")
    b = api_user(server, "phone_b", display_name="Boris Phone")
    chat_id = api_call(server, a, "POST", "/chats", json={"type": "direct", "user_id": b["user"]["id"]}).json()["id"]
    for i in range(3):
        api_call(server, b, "POST", "/messages", json={"chat_id": chat_id, "body": f"hello {i}", "client_id": f"p{i}"})
    page = new_page(server, PHONE)
    login_as(page, server, a, "#/chats")
    expect(page.locator(".chat-item")).to_have_count(1)
    expect(page.locator(".badge")).to_have_text("3")
    shot(page, "phone-chats")
    page.click(".chat-item")
    expect(page.locator(".msg")).to_have_count(3)
    expect(page.locator(".chat-list")).to_be_hidden()
    shot(page, "phone-chat")
    assert requests.get(server.url + "/", timeout=5).headers["Content-Security-Policy"].find("script-src 'self'") >= 0
