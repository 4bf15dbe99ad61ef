"""The catalogue for visitors, its pages, the masters' feed as it changes, and a password reset, in Chromium."""

from __future__ import annotations

import email
import email.policy
import re
import time
from pathlib import Path

import requests
from playwright.sync_api import expect

from tests.e2e.conftest import api_call, api_user, login_as, shot

_n = iter(range(1, 10_000))


def _uniq(prefix: str) -> str:
    return f"{prefix}{next(_n)}_{int(time.time() * 1000) % 10**6}"


def _category(server, slug: str) -> int:
    tree = requests.get(server.url + "/api/categories", timeout=5).json()["items"]
    nodes = [c for root in tree for c in [root, *root["children"]]]
    return next(c["id"] for c in nodes if c["slug"] == slug)


def _master(server, category: int, name: str, about: str = "Taps and pipes.") -> dict:
    body = api_user(server, _uniq("m"), name)
    card = {"category_ids": [category], "about": about, "city": "Казань"}
    res = api_call(server, body, "POST", "/masters", json=card)
    assert res.status_code == 201, res.text
    return body


def test_a_visitor_browses_masters_and_is_asked_to_log_in_only_to_send_a_request(server, new_page):
    tutoring = _category(server, "tutoring")
    about = _uniq("Algebra and geometry ")
    master = _master(server, tutoring, "Olga Tutor", about)
    customer = api_user(server, _uniq("c"))
    page = new_page(server)
    page.goto(server.url + "/#/masters")  # no account: the catalogue still opens
    page.fill("#f-q", about)
    page.click("#filters button[type=submit]")
    tile = page.locator(".master-tile", has_text="Olga Tutor")
    expect(tile).to_have_count(1)
    tile.click()
    expect(page.locator("h1", has_text="Olga Tutor")).to_be_visible()
    shot(page, "visitor-master-card")
    page.click("#send-request")
    expect(page.locator("h2", has_text="Log in")).to_be_visible()
    page.fill("#login", customer["user"]["username"])
    page.fill("#password", "correct-horse-9")
    page.click("form button[type=submit]")
    # Back where the visitor was going: the request form, addressed to that master.
    expect(page.locator("h1", has_text="Request to a master")).to_be_visible()
    expect(page.locator("#request-form")).to_contain_text("Olga Tutor")
    assert f"master={master['user']['id']}" in page.url


def test_the_catalogue_pages_with_show_more(server, new_page):
    lectures = _category(server, "lectures")
    tag = _uniq("Lecture series ")
    for n in range(53):
        _master(server, lectures, f"Lecturer {n}", f"{tag} number {n}")
    page = new_page(server)
    page.goto(server.url + "/#/masters")
    page.fill("#f-q", tag)
    page.click("#filters button[type=submit]")
    expect(page.locator(".master-tile")).to_have_count(50)
    page.click("#masters-more")
    expect(page.locator(".master-tile")).to_have_count(53)
    expect(page.locator("#masters-more")).to_have_count(0)  # nothing left to load


def test_the_feed_shows_my_offer_and_greys_a_request_taken_by_someone_else(server, new_page):
    moving = _category(server, "moving")
    first = _master(server, moving, "First Mover")
    second = _master(server, moving, "Second Mover")
    customer = api_user(server, _uniq("c"))
    title = _uniq("Move a piano ")
    body = {"title": title, "description": "Third floor.", "category_id": moving}
    req = api_call(server, customer, "POST", "/requests", json=body).json()
    offer = api_call(server, first, "POST", f"/requests/{req['id']}/offers", json={"message": "Tomorrow", "price": 900})
    assert offer.status_code == 201, offer.text

    mine = new_page(server)
    login_as(mine, server, first, "#/feed")
    item = mine.locator(".feed-item", has_text=title)
    expect(item.locator(".my-offer")).to_contain_text("Tomorrow")  # after a reload too: no second offer form
    expect(item.locator("textarea")).to_have_count(0)

    other = new_page(server)
    login_as(other, server, second, "#/feed")
    other_item = other.locator(".feed-item", has_text=title)
    expect(other_item.locator("textarea")).to_be_visible()
    accepted = api_call(server, customer, "POST", f"/offers/{offer.json()['id']}/accept")
    assert accepted.status_code == 200, accepted.text
    started = time.monotonic()
    expect(other_item).to_have_class(re.compile(r"\bclosed\b"), timeout=3000)
    assert time.monotonic() - started < 1.5
    expect(other_item.locator("textarea")).to_be_hidden()
    shot(other, "feed-request-taken")


def test_forgotten_password_reset_through_the_mailed_link(server, new_page):
    user = api_user(server, _uniq("r"))
    address = f"{user['user']['username']}@example.com"
    page = new_page(server)
    page.goto(server.url + "/#/login")
    page.click("text=Forgot password?")
    page.fill("#email", address)
    page.click("form button[type=submit]")
    expect(page.locator("h2", has_text="Log in")).to_be_visible()

    outbox = Path(server.env["MAIL_OUTBOX"])
    link = None
    deadline = time.monotonic() + 10
    while link is None and time.monotonic() < deadline:
        for path in outbox.glob("*.eml") if outbox.exists() else []:
            mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if mail["To"] == address:
                text = mail.get_body(("plain",)).get_content()
                found = re.search(r"https?://\S+#/reset-password\?token=[\w-]+", text)
                link = found.group(0) if found else None
        time.sleep(0.1)
    assert link and link.startswith(server.url), link

    page.goto(link)
    page.fill("#password", "a-brand-new-pass-7")
    page.click("form button[type=submit]")
    expect(page.locator("h2", has_text="Log in")).to_be_visible()
    page.fill("#login", address)
    page.fill("#password", "a-brand-new-pass-7")
    page.click("form button[type=submit]")
    expect(page.locator(".news-page h1")).to_be_visible()  # signed in: the home feed


def test_a_master_edits_a_service_in_place(server, new_page):
    math = _category(server, "math")
    master = _master(server, math, "Ivan Algebra")
    body = {"title": "Algebra lesson", "category_id": math, "price": 1000, "description": "60 minutes"}
    service = api_call(server, master, "POST", "/masters/me/services", json=body).json()
    page = new_page(server)
    login_as(page, server, master, "#/master")
    row = page.locator(f'.service[data-service-id="{service["id"]}"]')
    expect(row).to_contain_text("₽1,000")  # a price in the server's currency (RUB), in the English locale
    row.get_by_role("button", name="Edit").click()
    editing = page.locator(".service.editing")
    editing.get_by_label("Price").fill("1200")
    editing.get_by_label("Service title").fill("Algebra lesson, 90 minutes")
    editing.get_by_role("button", name="Save").click()
    expect(page.locator(f'.service[data-service-id="{service["id"]}"]')).to_contain_text("₽1,200")
    stored = api_call(server, master, "GET", f"/services/{service['id']}").json()
    assert (stored["price"], stored["title"]) == (1200, "Algebra lesson, 90 minutes")
    assert stored["description"] == "60 minutes"  # untouched fields stay as they were
