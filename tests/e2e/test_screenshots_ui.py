# ruff: noqa: RUF001  (Russian interface strings are meant to be Cyrillic)
"""Screenshots of the main screens in Russian and English, on a laptop (1366x800) and a phone (390x844),
written to test-artifacts/screenshots/<screen>-<lang>-<device>.png for people to look at. Each screen
is checked to be drawn in its language and to fit the width of the device (no sideways scrolling)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import api_call, api_user, login_as, shot
from tests.e2e.test_market_ui import category_id
from tests.test_cli_commands import flask_cli

DEVICES = {"laptop": {"width": 1366, "height": 800}, "phone": {"width": 390, "height": 844}}
LOCALES = {"en": "en-US", "ru": "ru-RU"}
NAV = {"en": "Chats", "ru": "Чаты"}
# Inputs a screen reader could not name (no <label>, aria-label or aria-labelledby).
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
    .filter((n) => n.type !== 'hidden' && !n.hidden && !(n.labels && n.labels.length)
      && !n.getAttribute('aria-label') && !n.getAttribute('aria-labelledby'))
    .map((n) => n.id || n.name || n.outerHTML.slice(0, 60))"""
# The first elements that stick out on the right (named in the failure when a screen is too wide).
WIDE = """() => [...document.querySelectorAll('body *')]
    .filter((n) => n.getBoundingClientRect().right > innerWidth + 1).slice(0, 3)
    .map((n) => `${n.tagName}.${n.className} ${Math.round(n.getBoundingClientRect().right)}`)"""


@pytest.fixture(scope="module")
def world(server) -> dict:
    """People, chats, a group with its history, a master with a review, requests, an order: once per module."""
    plumbing = category_id(server, "plumbing")
    anna = api_user(server, "shot_anna", "Anna Smirnova")
    boris = api_user(server, "shot_boris", "Boris Petrov")
    clara = api_user(server, "shot_clara", "Clara Ivanova")

    def call(user, method, path, **kw):
        res = api_call(server, user, method, path, **kw)
        assert res.status_code < 300, res.text
        return res.json() if res.content else None

    call(
        boris,
        "POST",
        "/masters",
        json={
            "category_ids": [plumbing],
            "about": "Сантехник с 20-летним опытом. Краны, трубы, котлы.",
            "city": "Казань",
            "price_from": 1500,
            "price_to": 8000,
        },
    )
    call(
        boris,
        "POST",
        "/masters/me/services",
        json={
            "title": "Замена смесителя",
            "category_id": plumbing,
            "price": 2500,
            "description": "С выездом и своими материалами",
        },
    )
    # A finished order with a review, so the card shows its rating and a dated review.
    done = call(
        anna,
        "POST",
        "/requests",
        json={
            "title": "Течёт кран на кухне",
            "description": "Капает днём и ночью",
            "category_id": plumbing,
            "master_id": boris["user"]["id"],
            "budget": 3000,
        },
    )
    call(boris, "POST", f"/requests/{done['id']}/accept")
    call(anna, "POST", f"/requests/{done['id']}/complete")
    call(
        anna,
        "POST",
        f"/requests/{done['id']}/review",
        json={"rating": 5, "text": "Пришёл вовремя, всё сделал аккуратно."},
    )
    # An open request with an offer (the request page), and an active order (the order chat's head).
    open_req = call(
        anna,
        "POST",
        "/requests",
        json={
            "title": "Повесить полки",
            "description": "Три полки в прихожей, стена бетон",
            "category_id": plumbing,
            "budget": 2000,
            "city": "Kazan",
        },
    )
    call(
        boris,
        "POST",
        f"/requests/{open_req['id']}/offers",
        json={"message": "Могу завтра вечером, дрель своя.", "price": 1800},
    )
    order_req = call(
        anna,
        "POST",
        "/requests",
        json={"title": "Заменить батарею", "description": "Старая чугунная", "category_id": plumbing, "budget": 12000},
    )
    offer = call(
        boris, "POST", f"/requests/{order_req['id']}/offers", json={"message": "Сделаю за день", "price": 9500}
    )
    order_chat = call(anna, "POST", f"/offers/{offer['id']}/accept")["chat"]["id"]
    call(boris, "POST", "/messages", json={"chat_id": order_chat, "body": "Приеду в субботу к 10:00, подходит?"})
    call(anna, "POST", "/messages", json={"chat_id": order_chat, "body": "Да, жду. Адрес в профиле."})
    # A direct chat with a link, and a group with its history.
    direct = call(anna, "POST", "/chats", json={"type": "direct", "user_id": clara["user"]["id"]})["id"]
    for who, body in [
        (clara, "Привет! Как дела с ремонтом?"),
        (anna, "Почти закончили, осталась ванная."),
        (clara, "Вот тут хорошие идеи: https://example.com/bathroom-ideas"),
        (anna, "Спасибо, посмотрю!"),
    ]:
        call(who, "POST", "/messages", json={"chat_id": direct, "body": body})
    group = call(anna, "POST", "/chats", json={"type": "group", "name": "Дача", "member_ids": [clara["user"]["id"]]})[
        "id"
    ]
    call(anna, "POST", f"/chats/{group}/members", json={"user_id": boris["user"]["id"]})
    call(anna, "POST", "/messages", json={"chat_id": group, "body": "Борис поможет с трубами на даче."})
    call(anna, "PATCH", f"/chats/{group}", json={"name": "Дача 2026"})
    call(anna, "PATCH", f"/chats/{group}/members/{clara['user']['id']}", json={"role": "admin"})
    call(boris, "POST", "/messages", json={"chat_id": group, "body": "Буду в субботу."})
    # The social side: Anna (a site admin) reads her friends' posts; Clara reported one of Boris's posts.
    for friend in (boris, clara):
        call(anna, "POST", f"/friends/{friend['user']['id']}")
        call(friend, "POST", f"/friends/{anna['user']['id']}")
    call(clara, "POST", "/posts", json={"body": "Первый снег на даче — красота! ❄️"})
    spam = call(boris, "POST", "/posts", json={"body": "Скидка 90% на всё! Пишите в личку, ссылка в профиле"})
    call(boris, "POST", "/posts", json={"body": "Закончил ремонт ванной у клиента в Казани. Плитка, смеситель, трубы."})
    call(anna, "POST", "/posts", json={"body": "Ищу хорошего электрика на следующую неделю, посоветуйте?"})
    call(clara, "POST", "/reports", json={"target_type": "post", "target_id": spam["id"], "reason": "spam"})
    env = {k: server.env[k] for k in ("DATABASE_URL", "INSTANCE_PATH", "SECRET_KEY", "APP_ENV", "UPLOAD_DIR")}
    assert flask_cli(server.tmp, "admin", "create", "shot_anna", env=env).returncode == 0
    return {
        "anna": anna,
        "boris": boris,
        "open_req": open_req["id"],
        "order_chat": order_chat,
        "direct": direct,
        "group": group,
    }


@pytest.mark.parametrize("device", ["laptop", "phone"])
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_screenshots_of_the_main_screens(server, new_page, world, lang, device):
    viewport = DEVICES[device]

    def snap(page, name):
        page.wait_for_timeout(150)  # fonts and avatars settle
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        wide = page.evaluate(WIDE)
        assert overflow <= 0, f"{name}: {overflow}px wider than the {device}: {wide}"
        expect(page.locator("html")).to_have_attribute("lang", lang)
        assert page.evaluate(UNLABELLED) == [], f"{name}: inputs without a label"
        shot(page, f"{name}-{lang}-{device}")

    visitor = new_page(server, viewport=viewport, locale=LOCALES[lang])
    visitor.goto(server.url + "/#/login")
    expect(visitor.locator("#view form")).to_be_visible()
    snap(visitor, "login")

    page = new_page(server, viewport=viewport, locale=LOCALES[lang])
    login_as(page, server, world["anna"], "#/chats")
    expect(page.locator(".chat-item")).to_have_count(4)
    expect(page.locator("#nav")).to_contain_text(NAV[lang])
    snap(page, "chats")

    page.goto(f"{server.url}/#/news")
    expect(page.locator(".post")).to_have_count(4)
    snap(page, "news")
    page.locator("#nav .nav-more-button").click()
    expect(page.locator("#nav a[href='#/admin']")).to_be_visible()
    snap(page, "menu-more")
    page.keyboard.press("Escape")
    expect(page.locator("#nav .nav-more-list")).to_be_hidden()

    page.goto(f"{server.url}/#/admin")
    expect(page.locator("#admin-reports li.admin-report")).to_have_count(1)
    snap(page, "admin")

    page.goto(f"{server.url}/#/chats/{world['direct']}")
    expect(page.locator(".msg-link")).to_be_visible()
    snap(page, "chat")

    page.goto(f"{server.url}/#/chats/{world['group']}")
    expect(page.locator(".msg-service")).to_have_count(4)
    snap(page, "group-history")

    page.goto(f"{server.url}/#/chats/{world['order_chat']}")
    expect(page.locator("#order-head .status-badge")).to_be_visible()
    snap(page, "order-chat")

    page.goto(f"{server.url}/#/masters")
    expect(page.locator("#masters .master-tile")).to_have_count(1)
    snap(page, "catalogue")

    page.goto(f"{server.url}/#/masters/{world['boris']['user']['id']}")
    expect(page.locator("#reviews .review")).to_have_count(1)
    snap(page, "master-card")

    page.goto(f"{server.url}/#/requests/{world['open_req']}")
    expect(page.locator("#offers .offer")).to_have_count(1)
    snap(page, "request")

    page.goto(f"{server.url}/#/chats")
    expect(page.locator(".chat-item").first).to_be_visible()
    page.click("#bell")
    expect(page.locator("#notif-panel .notif").first).to_be_visible()
    snap(page, "bell")

    page.goto(f"{server.url}/#/settings")
    expect(page.locator("#set-locale")).to_have_value(lang)
    snap(page, "settings")
