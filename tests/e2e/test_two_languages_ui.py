# ruff: noqa: RUF001  (Russian interface strings are meant to be Cyrillic)
"""The interface in Russian and in English (issue 11), as a new user meets it: sign-up (a field's
problem said once, beside its field, in the page's language), a chat, the catalogue with prices in
roubles and dates in the locale, a city typed in Latin letters found by the catalogue's filter, and
the language kept in the profile so another browser follows it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import api_call, api_user, login_as, shot
from tests.e2e.test_market_ui import category_id

MONTHS = {
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    "ru": ["янв.", "февр.", "мар.", "апр.", "мая", "июн.", "июл.", "авг.", "сент.", "окт.", "нояб.", "дек."],
}

WORDS = {
    "en-US": {
        "too_short": "At least 8 characters.",
        "signup": "Sign up",
        "chats": "Chats",
        "message": "Message",
        "city_shown": "Kazan",
        "price": "from ₽1,500",
        "lang": "en",
    },
    "ru-RU": {
        "too_short": "Не короче 8 символов.",
        "signup": "Зарегистрироваться",
        "chats": "Чаты",
        "message": "Написать",
        "city_shown": "Казань",
        "price": "от 1 500 ₽",
        "lang": "ru",
    },
}


def _plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def _master_with_a_review(server, tag: str) -> dict:
    """A master in Kazan (stored in Russian) with prices from 1,500 and one review."""
    master = api_user(server, f"kazan_master_{tag}", f"Marat Kazan {tag}")
    plumbing = category_id(server, "plumbing")
    res = api_call(
        server,
        master,
        "POST",
        "/masters",
        json={"category_ids": [plumbing], "about": "Pipes and taps.", "city": "Казань", "price_from": 1500},
    )
    assert res.status_code == 201, res.text
    assert res.json()["city"] == "Казань"
    client = api_user(server, f"kazan_client_{tag}", "Rita Review")
    req = api_call(
        server,
        client,
        "POST",
        "/requests",
        json={"title": "Tap", "description": "drips", "category_id": plumbing, "master_id": master["user"]["id"]},
    )
    rid = req.json()["id"]
    assert api_call(server, master, "POST", f"/requests/{rid}/accept").status_code == 200
    assert api_call(server, client, "POST", f"/requests/{rid}/complete").status_code == 200
    assert (
        api_call(server, client, "POST", f"/requests/{rid}/review", json={"rating": 5, "text": "Great"}).status_code
        == 201
    )
    return master


@pytest.mark.parametrize("locale", ["en-US", "ru-RU"])
def test_sign_up_chat_and_catalogue_in_the_browsers_language(server, new_page, problems, locale):
    w = WORDS[locale]
    tag = w["lang"]
    _master_with_a_review(server, tag)
    vera = api_user(server, f"vera_{tag}", f"Vera Friend {tag}")
    mover = api_user(server, f"moscow_mover_{tag}", "Moscow Mover")
    plumbing = category_id(server, "plumbing")
    assert (
        api_call(server, mover, "POST", "/masters", json={"category_ids": [plumbing], "city": "Moscow"}).status_code
        == 201
    )
    page = new_page(server, locale=locale)

    # Sign-up: a short password is said once, under the password field, in the page's language.
    problems.allow(r"status of 422")
    page.goto(server.url + "/#/signup")
    page.fill("#email", f"newbie_{tag}@example.com")
    page.fill("#username", f"newbie_{tag}")
    page.fill("#password", "short")
    page.get_by_role("button", name=w["signup"]).click()
    note = page.locator("#password-problem")
    expect(note).to_have_text(w["too_short"])
    expect(page.locator("#password")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#password")).to_have_attribute("aria-describedby", "password-problem")
    assert page.locator("#view").inner_text().count(w["too_short"]) == 1
    shot(page, f"signup-error-{tag}")
    page.fill("#password", "long-enough-9")
    page.get_by_role("button", name=w["signup"]).click()
    expect(page.locator("#nav")).to_contain_text(w["chats"])
    expect(page.locator("html")).to_have_attribute("lang", tag)

    # A chat: find Vera, write; her answer arrives live.
    page.goto(server.url + "/#/chats")
    page.fill("#chat-search", "Vera")
    page.locator(".person-row", has_text=f"Vera Friend {tag}").get_by_role("button", name=w["message"]).click()
    page.fill("#composer", "Привет / hello")
    page.press("#composer", "Enter")
    expect(page.locator(".msg.mine .msg-body")).to_have_text("Привет / hello")
    chat_id = int(page.locator(".chat-window").get_attribute("data-chat-id"))
    assert api_call(server, vera, "POST", "/messages", json={"chat_id": chat_id, "body": "Hi!"}).status_code == 201
    expect(page.locator(".msg:not(.mine) .msg-body")).to_have_text("Hi!")

    # The catalogue: "Kazan" typed in Latin letters finds the master whose city is stored as "Казань";
    # the tile names the city in the page's language and the price in roubles the locale's way.
    page.goto(server.url + "/#/masters")
    page.fill("#f-city", "Kazan")
    page.press("#f-city", "Enter")
    expect(page).to_have_url(re.compile(r"city=Kazan"))
    tiles = page.locator("#masters .master-tile")
    tile = tiles.filter(has_text=f"Marat Kazan {tag}")
    expect(tile).to_have_count(1)
    for text in tiles.all_inner_texts():  # only masters in Kazan, named in the page's language
        assert w["city_shown"] in text, text
    expect(tiles.filter(has_text="Moscow Mover")).to_have_count(0)
    assert w["price"] in _plain(tile.locator(".price").inner_text())
    shot(page, f"catalogue-kazan-{tag}")
    # The label of every filter is there (not only a placeholder).
    for field in ("f-q", "f-category", "f-city", "f-rating", "f-price", "f-sort"):
        expect(page.locator(f"label[for={field}]")).to_have_count(1)

    # The master's card: the review's date in the locale.
    tile.click()
    date = page.locator("#reviews .review .muted.small").first.inner_text()
    month = MONTHS[tag][datetime.now(UTC).month - 1]
    assert month in date and str(datetime.now(UTC).year) in date, date

    # The language is kept in the profile: switched in Settings, another browser of the other
    # language opens in it.
    other = "ru" if tag == "en" else "en"
    page.goto(server.url + "/#/settings")
    page.locator("#set-locale").select_option(other)
    expect(page.locator("html")).to_have_attribute("lang", other)
    me = api_call(
        server, {"access_token": page.evaluate("() => localStorage.getItem('mc.access')")}, "GET", "/users/me"
    )
    assert me.json()["locale"] == other
    second = new_page(server, locale=locale)
    login_as(
        second,
        server,
        {
            "access_token": page.evaluate("() => localStorage.getItem('mc.access')"),
            "refresh_token": page.evaluate("() => localStorage.getItem('mc.refresh')"),
        },
        "#/chats",
    )
    expect(second.locator("html")).to_have_attribute("lang", other)
