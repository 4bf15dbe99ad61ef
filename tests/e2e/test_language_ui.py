"""The interface speaks the browser's language (Russian for ru-*, else English) until the user picks one in Settings."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import api_user, login_as


def test_russian_browser_gets_russian_and_the_switch_in_settings_sticks(server, new_page):
    user = api_user(server, "lang_lena", "Лена")
    page = new_page(server, locale="ru-RU")
    login_as(page, server, user, "#/settings")
    expect(page.locator("#nav")).to_contain_text("Чаты")
    expect(page.locator("h1")).to_have_text("Настройки аккаунта")
    expect(page.locator("html")).to_have_attribute("lang", "ru")

    page.locator("#set-locale").select_option("en")
    expect(page.locator("h1")).to_have_text("Account settings")
    expect(page.locator("#nav")).to_contain_text("Chats")
    page.reload()
    expect(page.locator("h1")).to_have_text("Account settings")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_english_browser_gets_english_with_prices_and_plurals_in_english(server, new_page):
    page = new_page(server, locale="en-GB")
    page.goto(server.url + "/#/")
    expect(page.locator(".hero h1")).to_have_text("Find a master. Talk in real time.")
    stats = page.locator("#stats")
    expect(stats).to_contain_text("masters")
    formatted = page.evaluate("""async () => {
        const { fmt, setLocale, t } = await import('/static/js/i18n.js');
        const en = [fmt.money(1500), t('request.offers_n', { count: 1 }), t('request.offers_n', { count: 5 })];
        setLocale('ru');
        const ru = [fmt.money(1500), t('request.offers_n', { count: 1 }), t('request.offers_n', { count: 3 }),
                    t('request.offers_n', { count: 5 })];
        setLocale('en');
        return { en, ru };
    }""")
    assert formatted["en"] == ["₽1,500", "1 offer", "5 offers"]
    assert formatted["ru"][0].replace("\u00a0", " ").replace("\u202f", " ") == "1 500 ₽"
    assert formatted["ru"][1:] == ["1 предложение", "3 предложения", "5 предложений"]
