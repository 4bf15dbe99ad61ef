"""Browser fixtures: Debian's Chromium driven by Playwright, against a live server process.

Every page fails its test on a console error, an uncaught page error or any dialog
(alert/confirm/prompt): the client never opens one, so a dialog means injected script ran.
Screenshots of the main screens go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT, LiveServer

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 780}


def pytest_collection_modifyitems(config, items):
    """Every test in this folder drives a browser."""
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing: CI must install Debian's chromium (see .ci/run).")
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); browser tests run only where it is installed.")


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LiveServer]:
    """A live server (eventlet) per module; rate limits off so many sign-ups run quickly."""
    _require_chromium()
    srv = LiveServer(tmp_path_factory.mktemp("e2e"), extra_env={"RATE_LIMITS": "off"}).start()
    yield srv
    srv.stop()


class PageProblems:
    """Console errors, page errors and dialogs seen by the pages of one test."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.allowed: list[re.Pattern[str]] = []

    def allow(self, pattern: str) -> None:
        """Accept console errors matching `pattern` (only for failures the test itself causes)."""
        self.allowed.append(re.compile(pattern))

    def console(self, msg) -> None:
        if msg.type == "error" and not any(p.search(msg.text) for p in self.allowed):
            self.errors.append(f"console error: {msg.text} at {msg.location}")

    def dialog(self, dialog) -> None:
        self.errors.append(f"dialog opened ({dialog.type}): {dialog.message}")
        dialog.dismiss()


@pytest.fixture
def problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def new_page(browser, problems):
    """new_page(server, viewport=LAPTOP, locale="en-US") -> a page in a fresh context (its own storage: one user each).

    The browser's language picks the interface language: English unless a test asks for another.
    """
    contexts = []

    def _new(srv: LiveServer, viewport: dict | None = None, locale: str = "en-US"):
        ctx = browser.new_context(viewport=viewport or LAPTOP, base_url=srv.url, locale=locale)
        ctx.set_default_timeout(10_000)
        contexts.append(ctx)
        page = ctx.new_page()
        page.on("console", problems.console)
        page.on("pageerror", lambda err: problems.errors.append(f"page error: {err}"))
        page.on("dialog", problems.dialog)
        return page

    yield _new
    for ctx in contexts:
        ctx.close()
    assert not problems.errors, "\n".join(problems.errors)


def shot(page, name: str) -> None:
    """Save a screenshot of the page into test-artifacts/screenshots/ (a passing toast left out of it)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => { const t = document.getElementById('toast'); if (t) t.hidden = true; }")
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def api_user(srv: LiveServer, username: str, display_name: str | None = None) -> dict:
    """Sign a user up over HTTP (fast path for tests that are not about sign-up); returns the signup body."""
    body = srv.signup(username)
    if display_name is not None:
        res = requests.patch(
            srv.url + "/api/users/me",
            json={"display_name": display_name},
            headers={"Authorization": f"Bearer {body['access_token']}"},
            timeout=10,
        )
        assert res.status_code == 200, res.text
        body["user"] = res.json()
    return body


def login_as(page, srv: LiveServer, body: dict, hash_: str = "#/chats") -> None:
    """Put a user's tokens into the page's storage and open a route."""
    page.goto(srv.url + "/#/login")
    page.evaluate(
        "([a, r]) => { localStorage.setItem('mc.access', a); localStorage.setItem('mc.refresh', r); }",
        [body["access_token"], body["refresh_token"]],
    )
    page.goto(srv.url + "/" + hash_)


def api_call(srv: LiveServer, body: dict, method: str, path: str, **kwargs) -> requests.Response:
    """An authenticated REST call as the user of a signup body."""
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    return requests.request(method, srv.url + "/api" + path, headers=headers, timeout=10, **kwargs)


def nav_to(page, text: str) -> None:
    """Follow a main-menu link, opening the "More" menu first when the link lives there."""
    link = page.locator("#nav a:visible", has_text=text)
    if not link.count():
        page.locator("#nav .nav-more-button").click()
    page.locator("#nav a:visible", has_text=text).first.click()
