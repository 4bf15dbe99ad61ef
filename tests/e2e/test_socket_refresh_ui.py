"""The browser keeps its socket past the access token's life by answering `auth:expiring` (issue 13).

Tokens live 6 seconds here. The server asks the page's socket for a fresh token before each expiry;
the page refreshes and sends `auth:refresh`, so the server never has to close the socket, and a message
sent 13 seconds (two token lives) later still arrives live.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests
from playwright.sync_api import expect

from tests.conftest import LiveServer
from tests.e2e.conftest import _require_chromium, login_as


@pytest.fixture(scope="module")
def short_tokens(tmp_path_factory) -> Iterator[LiveServer]:
    """A live server whose access tokens live 6 seconds."""
    _require_chromium()
    srv = LiveServer(
        tmp_path_factory.mktemp("e2e-ttl"), extra_env={"RATE_LIMITS": "off", "ACCESS_TOKEN_TTL": "6"}
    ).start()
    yield srv
    srv.stop()


def _fresh(srv: LiveServer, body: dict) -> dict:
    res = requests.post(srv.url + "/api/auth/refresh", json={"refresh_token": body["refresh_token"]}, timeout=10)
    assert res.status_code == 200, res.text
    body.update(res.json())
    return {"Authorization": f"Bearer {body['access_token']}"}


def test_socket_outlives_its_first_token_by_refreshing_over_the_socket(short_tokens, new_page):
    srv = short_tokens
    alice, bob = srv.signup("alice_ttl"), srv.signup("bob_ttl")
    chat = requests.post(
        srv.url + "/api/chats",
        json={"type": "direct", "user_id": bob["user"]["id"]},
        headers=_fresh(srv, alice),
        timeout=10,
    ).json()
    page = new_page(srv)
    login_as(page, srv, alice, f"#/chats/{chat['id']}")
    expect(page.locator("#composer")).to_be_visible()
    time.sleep(13)
    log = next(srv.tmp.glob("server-*.log")).read_text()
    assert "access token expired" not in log, "the server had to close the page's socket"
    res = requests.post(
        srv.url + "/api/messages",
        json={"chat_id": chat["id"], "body": "still live", "client_id": "ttl-1"},
        headers=_fresh(srv, bob),
        timeout=10,
    )
    assert res.status_code == 201, res.text
    expect(page.locator(".msg .msg-body").last).to_have_text("still live", timeout=5000)
