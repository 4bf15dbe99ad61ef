"""The marketplace in two browsers: a customer and a master from sign-up to a review."""

from __future__ import annotations

import time

import requests
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, nav_to, shot


def signup(page, server, username: str, display_name: str) -> None:
    """Sign up through the form and set a display name in the settings."""
    page.goto(server.url + "/#/signup")
    page.fill("#email", f"{username}@example.com")
    page.fill("#username", username)
    page.fill("#password", "correct-horse-9")
    page.click("form button[type=submit]")
    expect(page.locator(".news-page h1")).to_be_visible()  # signed in: the home feed
    page.goto(server.url + "/#/settings")
    page.fill("#set-display_name", display_name)
    page.fill("#set-city", "Москва")
    page.click("#profile-form button[type=submit]")
    expect(page.locator(".me-name")).to_have_text(display_name)


def category_id(server, slug: str) -> int:
    """A category's id from the public tree."""
    tree = requests.get(server.url + "/api/categories", timeout=5).json()["items"]
    nodes = [c for root in tree for c in [root, *root["children"]]]
    return next(c["id"] for c in nodes if c["slug"] == slug)


def test_customer_and_master_from_request_to_review(server, new_page):
    """Sign-up, master card, request, live offer, accept, order chat, completion, review.

    In the order chat each side sees the other's message within 1 s.
    """
    plumbing = category_id(server, "plumbing")
    master = new_page(server)
    customer = new_page(server)

    # The master signs up and is led to create a master card, then adds a service.
    signup(master, server, "mario_pipes", "Mario Pipes")
    nav_to(master, "Become a master")
    expect(master.locator("h2", has_text="Become a master")).to_be_visible()
    # Categories are named in the interface's language (English here).
    master.locator("#m-categories").get_by_label("Plumbing", exact=True).check()
    master.fill("#m-about", "Taps, pipes and boilers. Twenty years of experience.")
    master.fill("#m-from", "1000")
    master.fill("#m-to", "5000")
    master.click("#master-form button[type=submit]")
    expect(master.locator("h2", has_text="My services")).to_be_visible()
    expect(master.locator("#nav a", has_text="Feed")).to_have_count(1)
    master.fill("#service-form input[name=title]", "Fix a leaking tap")
    master.select_option("#s-category", str(plumbing))
    master.fill("#service-form input[name=price]", "1500")
    master.click("#service-form button[type=submit]")
    expect(master.locator(".service", has_text="Fix a leaking tap")).to_be_visible()
    shot(master, "master-mode")
    nav_to(master, "Feed")
    expect(master.locator("h1", has_text="Requests for you")).to_be_visible()

    # The customer finds the master in the catalogue and reads the card.
    signup(customer, server, "clara_home", "Clara Home")
    nav_to(customer, "Masters")
    customer.select_option("#f-category", str(plumbing))
    expect(customer.locator(".master-tile", has_text="Mario Pipes")).to_be_visible()
    shot(customer, "catalogue")
    customer.locator(".master-tile", has_text="Mario Pipes").click()
    expect(customer.locator(".service", has_text="Fix a leaking tap")).to_be_visible()
    expect(customer.locator("#send-request")).to_be_visible()
    shot(customer, "master-card")

    # ...and posts a request to the category; the form says it was sent.
    customer.goto(server.url + "/#/requests/new")
    customer.fill("#r-title", "Kitchen tap drips")
    customer.select_option("#r-category", str(plumbing))
    customer.fill("#r-description", "Drips all night. Single-lever mixer.")
    customer.fill("#r-budget", "2000")
    customer.click("#request-form button[type=submit]")
    expect(customer.locator("#request-result.ok")).to_contain_text("Request sent")
    shot(customer, "request-sent")

    # The master's feed shows it live; the master answers with an offer.
    item = master.locator(".feed-item", has_text="Kitchen tap drips")
    expect(item).to_be_visible(timeout=2000)
    expect(master.locator("#bell-count")).to_have_text("1")
    item.locator("textarea[name=message]").fill("I can come tomorrow at 10.")
    item.locator("input[name=price]").fill("1800")
    item.get_by_role("button", name="Send offer").click()
    expect(item.locator(".result.ok")).to_be_visible()
    shot(master, "feed")

    # The customer's bell counts it; its item accepts the offer and opens the order chat.
    expect(customer.locator("#bell-count")).to_have_text("1", timeout=2000)
    customer.click("#bell")
    note = customer.locator(".notif", has_text="Kitchen tap drips")
    expect(note).to_contain_text("New offer")
    shot(customer, "notifications")
    note.get_by_role("button", name="Accept").click()
    expect(customer.locator(".chat-head .chat-title")).to_be_visible()
    expect(customer.locator(".chat-window")).to_be_visible()

    # The master is told (the bell also still counts the new request), and the bell opens the same chat.
    expect(master.locator("#bell-count")).to_have_text("2", timeout=2000)
    master.click("#bell")
    master.locator(".notif", has_text="accepted").get_by_role("button", name="Open chat").click()
    expect(master.locator(".chat-window")).to_be_visible()

    master.fill("#composer", "On my way tomorrow at 10.")
    started = time.monotonic()
    master.press("#composer", "Enter")
    expect(customer.locator(".msg-body", has_text="On my way tomorrow at 10.")).to_have_count(1, timeout=1000)
    first = time.monotonic() - started
    customer.fill("#composer", "Great, the door code is 42.")
    started = time.monotonic()
    customer.press("#composer", "Enter")
    expect(master.locator(".msg-body", has_text="Great, the door code is 42.")).to_have_count(1, timeout=1000)
    second = time.monotonic() - started
    assert first < 1.0 and second < 1.0, (first, second)
    shot(customer, "order-chat")

    # The customer completes the order and reviews it; the master's card shows the review.
    nav_to(customer, "My requests")
    customer.locator(".req-row", has_text="Kitchen tap drips").get_by_role("link", name="Open").click()
    expect(customer.locator(".status-badge").first).to_have_text("active")
    customer.click("#complete")
    expect(customer.locator("#review-form")).to_be_visible()
    customer.locator(".star-pick", has_text="★★★★★").click()
    customer.fill("#review-form textarea", "Fixed in twenty minutes. Recommended!")
    customer.click("#review-form button[type=submit]")
    expect(customer.locator("text=Reviewed. Thank you!")).to_be_visible()
    shot(customer, "request-completed")

    master_id = master.evaluate("() => JSON.parse(atob(localStorage.getItem('mc.access').split('.')[1])).sub")
    customer.goto(f"{server.url}/#/masters/{master_id}")
    shot(customer, "master-card-reviewed")
    expect(customer.locator(".review", has_text="Fixed in twenty minutes. Recommended!")).to_be_visible()
    expect(customer.locator(".master-head .stars")).to_contain_text("5.0")
    expect(customer.locator(".master-head")).to_contain_text("1 completed order")

    # The same screens on a phone.
    customer.set_viewport_size(PHONE)
    customer.goto(f"{server.url}/#/masters?category={plumbing}")
    expect(customer.locator(".master-tile", has_text="Mario Pipes")).to_be_visible()
    shot(customer, "phone-catalogue")
    nav_to(customer, "My requests")
    customer.locator(".req-row", has_text="Kitchen tap drips").get_by_role("link", name="Open").click()
    expect(customer.locator(".request-detail .status-badge").first).to_have_text("completed")
    shot(customer, "phone-request")
    customer.click("#bell")
    shot(customer, "phone-notifications")
