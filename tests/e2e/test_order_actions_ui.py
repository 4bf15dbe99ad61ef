"""The marketplace's other turns, clicked in the browser, with the other side watching live:
a master withdraws an offer, a customer refuses the executor and cancels, a master turns a
direct request down; and the request form says so when a request is refused."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import api_call, api_user, login_as, shot
from tests.e2e.test_market_ui import category_id

LIVE = 3000  # ms: the other side's page updates without a reload


def _master(server, name: str) -> dict:
    body = api_user(server, name, name.title())
    res = api_call(server, body, "POST", "/masters", json={"category_ids": [category_id(server, "plumbing")]})
    assert res.status_code == 201, res.text
    return body


def _request(server, customer: dict, title: str, **extra) -> int:
    body = {"title": title, "description": "details", "category_id": category_id(server, "plumbing"), **extra}
    res = api_call(server, customer, "POST", "/requests", json=body)
    assert res.status_code == 201, res.text
    return res.json()["id"]


def _offer(server, master: dict, request_id: int) -> int:
    res = api_call(server, master, "POST", f"/requests/{request_id}/offers", json={"message": "I can", "price": 900})
    assert res.status_code == 201, res.text
    return res.json()["id"]


def _badge(page):
    return page.locator(".request-detail .status-badge").first


def test_withdraw_refuse_cancel_and_decline_are_seen_live_by_the_other_side(server, new_page):
    customer, master = api_user(server, "olga_orders", "Olga"), _master(server, "pavel_pipes")
    c, m = new_page(server), new_page(server)

    # A master withdraws an offer: the customer's open request shows no live offer any more.
    first = _request(server, customer, "Bathroom sink clogged")
    _offer(server, master, first)
    login_as(c, server, customer, f"#/requests/{first}")
    login_as(m, server, master, f"#/requests/{first}")
    expect(c.locator(".offer.offer-live")).to_have_count(1)
    m.locator(".offer", has_text="I can").get_by_role("button", name="Withdraw").click()
    expect(c.locator(".offer.offer-live")).to_have_count(0, timeout=LIVE)
    expect(c.locator(".offer.offer-withdrawn")).to_have_count(1)

    # A new offer, accepted; then the customer refuses the executor: the master's page sees it open again.
    offer = _offer(server, master, first)
    assert api_call(server, customer, "POST", f"/offers/{offer}/accept").status_code == 200
    c.reload()
    m.reload()
    expect(_badge(c)).to_have_text("active")
    expect(_badge(m)).to_have_text("active")
    c.get_by_role("button", name="Refuse the executor").click()
    c.locator(".modal").get_by_role("button", name="Yes").click()
    expect(_badge(c)).to_have_text("open")
    expect(_badge(m)).to_have_text("open", timeout=LIVE)
    shot(c, "request-executor-refused")

    # The customer cancels a request the master has an offer on: the master's page sees it cancelled.
    second = _request(server, customer, "Radiator leaks")
    _offer(server, master, second)
    c.goto(f"{server.url}/#/requests/{second}")
    m.goto(f"{server.url}/#/requests/{second}")
    expect(_badge(m)).to_have_text("open")
    c.get_by_role("button", name="Cancel request").click()
    c.locator(".modal").get_by_role("button", name="Yes").click()
    expect(_badge(c)).to_have_text("cancelled")
    expect(_badge(m)).to_have_text("cancelled", timeout=LIVE)

    # A request sent straight to the master, turned down from its page: the customer sees "declined".
    third = _request(server, customer, "Replace the boiler valve", master_id=master["user"]["id"])
    c.goto(f"{server.url}/#/requests/{third}")
    m.goto(f"{server.url}/#/requests/{third}")
    expect(_badge(c)).to_have_text("open")
    m.locator("#request-actions").get_by_role("button", name="Turn down").click()
    expect(_badge(m)).to_have_text("declined")
    expect(_badge(c)).to_have_text("declined", timeout=LIVE)
    shot(c, "request-declined")


def test_the_request_form_shows_success_and_failure(server, new_page, problems):
    customer = api_user(server, "rita_requests", "Rita")
    page = new_page(server)
    login_as(page, server, customer, "#/requests/new")
    plumbing = str(category_id(server, "plumbing"))

    # A title of spaces passes the browser's `required` but not the server: the form says why.
    problems.allow(r"status of 422")
    page.fill("#r-title", "   ")
    page.select_option("#r-category", plumbing)
    page.click("#request-form button[type=submit]")
    expect(page.locator("#request-result.fail")).to_contain_text("Not sent")
    assert api_call(server, customer, "GET", "/requests?mine=1").json()["items"] == []  # nothing stored
    shot(page, "request-form-failed")

    page.fill("#r-title", "Hang three shelves")
    page.click("#request-form button[type=submit]")
    expect(page.locator("#request-result.ok")).to_contain_text("Request sent")
    assert [r["title"] for r in api_call(server, customer, "GET", "/requests?mine=1").json()["items"]] == [
        "Hang three shelves"
    ]
