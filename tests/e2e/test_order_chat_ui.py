"""An order in its chat (issue 11), in English and in Russian: the master's feed says the request he won
is his, with its chat; the chat's head shows the other person, the request, the price and the status,
and the customer completes the order and reviews the master from there, both sides seeing it live."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import api_call, api_user, login_as, shot
from tests.e2e.test_market_ui import category_id

LIVE = 3000  # ms: the other side's page follows without a reload

WORDS = {
    "en-US": {
        "yours": "Your order",
        "chat": "Order chat",
        "active": "active",
        "completed": "completed",
        "complete": "Mark completed",
        "refuse": "Refuse the executor",
        "cancel": "Cancel request",
        "review": "Leave a review",
        "publish": "Publish review",
        "reviewed": "Reviewed. Thank you!",
        "price": "₽900",
    },
    "ru-RU": {
        "yours": "Ваш заказ",
        "chat": "Чат заказа",
        "active": "в работе",
        "completed": "выполнена",
        "complete": "Отметить выполненной",
        "refuse": "Отказаться от исполнителя",
        "cancel": "Отменить заявку",
        "review": "Оставить отзыв",
        "publish": "Опубликовать отзыв",
        "reviewed": "Отзыв оставлен. Спасибо!",
        "price": "900 ₽",
    },
}


def _plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


@pytest.mark.parametrize("locale", ["en-US", "ru-RU"])
def test_an_order_completed_and_reviewed_from_its_chat_head(server, new_page, locale):
    w = WORDS[locale]
    tag = locale[:2]
    customer = api_user(server, f"oc_cust_{tag}", "Olga Customer")
    master = api_user(server, f"oc_master_{tag}", "Pavel Master")
    plumbing = category_id(server, "plumbing")
    assert api_call(server, master, "POST", "/masters", json={"category_ids": [plumbing]}).status_code == 201
    req = api_call(
        server,
        customer,
        "POST",
        "/requests",
        json={"title": f"Fix the tap {tag}", "description": "drips", "category_id": plumbing, "budget": 1200},
    )
    assert req.status_code == 201, req.text
    request_id = req.json()["id"]
    offer = api_call(server, master, "POST", f"/requests/{request_id}/offers", json={"message": "I can", "price": 900})
    assert offer.status_code == 201, offer.text

    # The master watches his feed while the customer accepts his offer: the item becomes his order.
    m = new_page(server, locale=locale)
    login_as(m, server, master, "#/feed")
    item = m.locator(f'.feed-item[data-request-id="{request_id}"]')
    expect(item.locator(".my-offer")).to_be_visible()
    accepted = api_call(server, customer, "POST", f"/offers/{offer.json()['id']}/accept")
    assert accepted.status_code == 200, accepted.text
    chat_id = accepted.json()["chat"]["id"]
    expect(item.locator(".tag-yours")).to_have_text(w["yours"], timeout=LIVE)
    expect(item.locator(".status-badge")).to_have_text(w["active"])
    expect(item).not_to_have_class("closed")
    shot(m, f"feed-order-won-{tag}")
    item.get_by_role("link", name=w["chat"]).click()
    expect(m.locator(".chat-head .chat-title")).to_have_text("Olga Customer")
    head = m.locator("#order-head")
    expect(head.locator(".order-title")).to_have_text(f"Fix the tap {tag}")
    expect(head.locator(".status-badge")).to_have_text(w["active"])
    assert _plain(head.locator(".order-price").inner_text()) == w["price"]
    expect(head.locator("button")).to_have_count(0)  # the master has no order action today

    # The customer's chat head: the master, the request, the price, and her three actions.
    c = new_page(server, locale=locale)
    login_as(c, server, customer, f"#/chats/{chat_id}")
    chead = c.locator("#order-head")
    expect(c.locator(".chat-head .chat-title")).to_have_text("Pavel Master")
    expect(chead.locator(".status-badge")).to_have_text(w["active"])
    expect(chead.locator("button")).to_have_text([w["complete"], w["refuse"], w["cancel"]])
    shot(c, f"order-chat-head-{tag}")
    chead.get_by_role("button", name=w["complete"]).click()
    expect(chead.locator(".status-badge")).to_have_text(w["completed"])
    expect(head.locator(".status-badge")).to_have_text(w["completed"], timeout=LIVE)  # live on the master's side
    expect(chead.locator("button")).to_have_text([w["review"]])

    # The review form opens from the head; four stars and a word; then the head says it is done.
    chead.get_by_role("button", name=w["review"]).click()
    dialog = c.locator(".modal")
    expect(dialog.locator("input[name=rating]:checked")).to_be_focused()
    dialog.locator("input[name=rating][value='4']").check()
    dialog.locator("textarea[name=text]").fill("Quick and tidy")
    dialog.get_by_role("button", name=w["publish"]).click()
    expect(dialog).to_have_count(0)
    expect(chead.locator("button")).to_have_count(0)
    expect(chead).to_contain_text(w["reviewed"])
    card = api_call(server, customer, "GET", f"/masters/{master['user']['id']}").json()
    assert card["rating"] == 4 and card["review_count"] == 1
    expect(head).to_contain_text(w["reviewed"], timeout=LIVE)  # the master's head follows too

    # The request's own page tells the master it is his order, with the way to its chat.
    m.goto(f"{server.url}/#/requests/{request_id}")
    expect(m.locator(".request-detail .tag-yours")).to_have_text(w["yours"])
    expect(m.locator(f'#request-actions a[href="#/chats/{chat_id}"]')).to_be_visible()


def test_refusing_the_executor_from_the_chat_head(server, new_page):
    customer = api_user(server, "oc_refuser", "Rosa Refuser")
    master = api_user(server, "oc_refused", "Ilya Refused")
    plumbing = category_id(server, "plumbing")
    assert api_call(server, master, "POST", "/masters", json={"category_ids": [plumbing]}).status_code == 201
    body = {"title": "Paint the door", "description": "white", "category_id": plumbing}
    request_id = api_call(server, customer, "POST", "/requests", json=body).json()["id"]
    offer = api_call(server, master, "POST", f"/requests/{request_id}/offers", json={"message": "Sure"}).json()
    chat_id = api_call(server, customer, "POST", f"/offers/{offer['id']}/accept").json()["chat"]["id"]
    m = new_page(server)
    login_as(m, server, master, f"#/chats/{chat_id}")
    expect(m.locator("#order-head .status-badge")).to_have_text("active")
    c = new_page(server)
    login_as(c, server, customer, f"#/chats/{chat_id}")
    head = c.locator("#order-head")
    head.get_by_role("button", name="Refuse the executor").click()
    c.locator(".modal").get_by_role("button", name="Yes").click()
    # The request is open again; this chat's order is no longer current: no action is offered.
    expect(head.locator(".status-badge")).to_have_text("open")
    expect(head).to_contain_text("You refused this executor")
    expect(head.locator("button")).to_have_count(0)
    expect(m.locator("#order-head .status-badge")).to_have_text("open", timeout=LIVE)
    expect(m.locator("#order-head")).to_contain_text("The customer went on without you")
