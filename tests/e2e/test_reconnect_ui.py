"""Connection life in the browser: the server restarts, the page shows it, catches up and loses nothing."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.conftest import LiveServer
from tests.e2e.conftest import api_call, api_user, login_as, shot


@pytest.fixture
def own_server(tmp_path):
    """A server of this test's own, to kill and start again."""
    srv = LiveServer(tmp_path, extra_env={"RATE_LIMITS": "off"}).start()
    yield srv
    srv.stop()


def test_server_restart_loses_and_doubles_nothing(own_server, new_page, problems):
    """Kill the server mid-chat: a banner shows, a message typed meanwhile waits, and after the restart
    it is delivered once; what the other side sent while we were away appears once."""
    # The browser reports the refused socket and fetches while the server is down; those are the point here.
    problems.allow(r"WebSocket connection to .* failed")
    problems.allow(r"net::ERR_CONNECTION_(REFUSED|RESET)")
    srv = own_server
    a = api_user(srv, "rc_alice", display_name="Alice R")
    b = api_user(srv, "rc_bob", display_name="Bob R")
    chat_id = api_call(srv, a, "POST", "/chats", json={"type": "direct", "user_id": b["user"]["id"]}).json()["id"]
    pa = new_page(srv)
    pb = new_page(srv)
    login_as(pa, srv, a, f"#/chats/{chat_id}")
    login_as(pb, srv, b, f"#/chats/{chat_id}")
    pa.fill("#composer", "before the crash")
    pa.press("#composer", "Enter")
    expect(pb.locator(".msg-body", has_text="before the crash")).to_have_count(1)

    srv.kill()
    expect(pa.locator("#conn")).to_be_visible(timeout=5000)
    expect(pa.locator("#conn")).to_contain_text("Reconnecting")
    pa.fill("#composer", "typed while offline")
    pa.press("#composer", "Enter")
    pending = pa.locator(".msg.mine", has_text="typed while offline")
    expect(pending).to_have_class("msg mine sending")
    shot(pa, "reconnecting")

    srv.start()
    # Bob writes over REST right after the restart, before the pages are back.
    api_call(
        srv,
        b,
        "POST",
        "/messages",
        json={"chat_id": chat_id, "body": "sent while you were away", "client_id": "away-1"},
    )

    expect(pa.locator("#conn")).to_be_hidden(timeout=10_000)
    expect(pb.locator("#conn")).to_be_hidden(timeout=10_000)
    expect(pa.locator(".msg.mine .mark.sent, .msg.mine .mark.read")).to_have_count(2, timeout=5000)
    for page in (pa, pb):
        for text in ("before the crash", "typed while offline", "sent while you were away"):
            expect(page.locator(".msg-body", has_text=text)).to_have_count(1, timeout=5000)
    expect(pa.locator(".msg.sending, .msg.failed")).to_have_count(0)

    # The server holds each message once, and a fresh load shows the same three.
    history = [m["body"] for m in api_call(srv, a, "GET", f"/messages/{chat_id}").json()["items"]]
    assert sorted(history) == sorted(["before the crash", "typed while offline", "sent while you were away"])
    # ...and both pages show them in the server's order.
    for page in (pa, pb):
        assert page.locator(".msg-body").all_inner_texts() == history
    pa.reload()
    expect(pa.locator(".msg")).to_have_count(3)
    assert pa.locator(".msg-body").all_inner_texts() == history


def test_stale_access_token_is_refreshed_for_rest_and_socket(own_server, new_page, problems):
    """With a dead access token but a live refresh token, the page refreshes once and REST and the socket both work."""
    problems.allow(r"status of 401")  # the one refused request that triggers the refresh
    srv = own_server
    a = api_user(srv, "tok_alice", display_name="Alice T")
    b = api_user(srv, "tok_bob", display_name="Bob T")
    chat_id = api_call(srv, a, "POST", "/chats", json={"type": "direct", "user_id": b["user"]["id"]}).json()["id"]
    page = new_page(srv)
    login_as(page, srv, {**a, "access_token": "not-a-valid-token"}, f"#/chats/{chat_id}")
    expect(page.locator(".chat-head .chat-title")).to_have_text("Bob T")
    fresh = page.evaluate("() => localStorage.getItem('mc.access')")
    assert fresh != "not-a-valid-token"
    assert page.evaluate("() => localStorage.getItem('mc.refresh')") != a["refresh_token"]  # rotated
    page.fill("#composer", "sent over the socket")
    page.press("#composer", "Enter")
    expect(page.locator(".msg.mine .mark.sent, .msg.mine .mark.read")).to_have_count(1)
    history = api_call(srv, b, "GET", f"/messages/{chat_id}").json()["items"]
    assert [m["body"] for m in history] == ["sent over the socket"]


def test_a_draining_server_asks_the_page_to_wait_before_it_reconnects(tmp_path, new_page, problems):
    """SIGTERM drains the server: the page hears `server:draining`, waits `reconnect_after_ms` (here 6 s)
    before it tries again, so a restarted worker is up first; then it is back, caught up, nothing doubled."""
    problems.allow(r"WebSocket connection to .* failed")
    problems.allow(r"net::ERR_CONNECTION_(REFUSED|RESET)")
    srv = LiveServer(tmp_path, extra_env={"RATE_LIMITS": "off", "DRAIN_RECONNECT_AFTER": "6"}).start()
    try:
        a = api_user(srv, "dr_alice", display_name="Alice D")
        b = api_user(srv, "dr_bob", display_name="Bob D")
        chat_id = api_call(srv, a, "POST", "/chats", json={"type": "direct", "user_id": b["user"]["id"]}).json()["id"]
        pa = new_page(srv)
        login_as(pa, srv, a, f"#/chats/{chat_id}")
        expect(pa.locator("#composer")).to_be_visible()
        opened: list[float] = []
        pa.on("websocket", lambda _ws: opened.append(time.monotonic()))

        drained_at = time.monotonic()
        srv.stop()  # SIGTERM: the drain tells the page, then the process exits
        expect(pa.locator("#conn")).to_be_visible(timeout=5000)
        srv.start()
        api_call(srv, b, "POST", "/messages", json={"chat_id": chat_id, "body": "while you waited", "client_id": "w-1"})

        expect(pa.locator("#conn")).to_be_hidden(timeout=20_000)
        expect(pa.locator(".msg-body", has_text="while you waited")).to_have_count(1, timeout=5000)
        assert opened, "the page opened a new socket"
        # The server was back within about 3 s; the page still waited for the drain's 6 s.
        assert opened[0] - drained_at >= 5.5, f"first reconnect {opened[0] - drained_at:.1f} s after the drain"
    finally:
        srv.stop()
