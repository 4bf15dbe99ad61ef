"""Every screen that fetches says so on a slow network, and offers a retry when the fetch fails (issue 11)."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from tests.e2e.conftest import api_call, api_user, login_as, nav_to


def _slow(page, pattern: str, seconds: float) -> None:
    """Answer requests matching `pattern` only after `seconds` (a throttled network)."""

    def handle(route):
        time.sleep(seconds)
        route.continue_()

    page.route(pattern, handle)


def test_a_slow_master_card_shows_its_loading_state_then_the_card(server, new_page):
    customer = api_user(server, "slow_cust")
    master = api_user(server, "slow_master", "Slow Sergey")
    cats = api_call(server, master, "GET", "/categories").json()["items"]
    res = api_call(
        server, master, "POST", "/masters", json={"category_ids": [cats[0]["id"]], "about": "Pipes.", "city": "Казань"}
    )
    assert res.status_code == 201, res.text
    page = new_page(server)
    login_as(page, server, customer, "#/chats")
    expect(page.locator("#chat-items")).to_be_visible()
    _slow(page, f"**/api/masters/{master['user']['id']}", 1.5)
    page.goto(server.url + f"/#/masters/{master['user']['id']}")
    expect(page.locator("#view .state-loading")).to_be_visible()
    expect(page.locator(".master-head h1")).to_have_text("Slow Sergey", timeout=10_000)
    expect(page.locator("#view .state-loading")).to_have_count(0)


def test_a_slow_chat_shows_opening_and_a_failed_one_offers_a_retry(server, new_page, problems):
    alice, bob = api_user(server, "slow_alice", "Alice S"), api_user(server, "slow_bob", "Bob S")
    chat = api_call(server, alice, "POST", "/chats", json={"type": "direct", "user_id": bob["user"]["id"]}).json()
    page = new_page(server)
    login_as(page, server, alice, "#/chats")
    expect(page.locator(f'.chat-item[data-chat-id="{chat["id"]}"]')).to_be_visible()

    _slow(page, f"**/api/chats/{chat['id']}", 1.5)
    page.locator(f'.chat-item[data-chat-id="{chat["id"]}"]').click()
    expect(page.locator(".chat-pane .state-loading")).to_contain_text("Opening the chat")
    expect(page.locator("#composer")).to_be_visible(timeout=10_000)
    page.unroute(f"**/api/chats/{chat['id']}")

    # The server fails once: the pane says so with a Retry button, which then opens the chat.
    problems.allow("500")
    failures = {"left": 1}

    def fail_once(route):
        if failures["left"]:
            failures["left"] -= 1
            route.fulfill(status=500, json={"error": {"code": "internal", "message": "Server error"}})
        else:
            route.continue_()

    page.goto(server.url + "/#/chats")
    page.route(f"**/api/chats/{chat['id']}", fail_once)
    page.locator(f'.chat-item[data-chat-id="{chat["id"]}"]').click()
    error = page.locator(".chat-pane .state-error")
    expect(error).to_contain_text("Server error")
    error.get_by_role("button", name="Retry").click()
    expect(page.locator("#composer")).to_be_visible()


def test_a_tab_opened_on_a_throttled_network_says_it_is_loading_in_russian(server, new_page):
    """The whole connection slowed down (Chrome's network emulation, not one route): a click on a tab
    shows the loading state in the page's language at once, then the screen."""
    user = api_user(server, "slow_ru_user", "Медленный")
    page = new_page(server, locale="ru-RU")
    login_as(page, server, user, "#/chats")
    expect(page.locator("#chat-items")).to_be_visible()
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 1500, "downloadThroughput": 40 * 1024, "uploadThroughput": 40 * 1024},
    )
    nav_to(page, "Мои заявки")
    expect(page.locator("#view .state-loading")).to_have_text("Загрузка…", timeout=1000)
    expect(page.locator("#view h1")).to_have_text("Заявки и заказы", timeout=15_000)
    expect(page.locator("#view .state-loading")).to_have_count(0)
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
