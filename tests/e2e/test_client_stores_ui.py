"""The client's stores redraw only what changed (issue 11): a presence change repaints the dots of
that person, not the chat list; a store's subscriber hears only changes of the slice it selected."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import api_call, api_user, login_as


def test_presence_repaints_only_that_persons_dot_and_keeps_the_chat_list(server, new_page):
    anna, boris, vera = (
        api_user(server, n, d) for n, d in [("st_anna", "Anna"), ("st_boris", "Boris"), ("st_vera", "Vera")]
    )
    to_boris = api_call(server, anna, "POST", "/chats", json={"type": "direct", "user_id": boris["user"]["id"]}).json()
    to_vera = api_call(server, anna, "POST", "/chats", json={"type": "direct", "user_id": vera["user"]["id"]}).json()
    page = new_page(server)
    login_as(page, server, anna, "#/chats")
    boris_item = page.locator(f'.chat-item[data-chat-id="{to_boris["id"]}"]')
    vera_item = page.locator(f'.chat-item[data-chat-id="{to_vera["id"]}"]')
    expect(boris_item.locator(".dot")).not_to_have_class("dot online")
    # Once the socket is up and its catch-up (which reloads the list) is done, the list stays as drawn.
    page.evaluate("""async () => {
        const { session } = await import('/static/js/stores/session.js');
        if (!session.get().connects) await new Promise((done) => session.subscribe((s) => s.connects, done));
    }""")
    page.wait_for_load_state("networkidle")
    before = {"boris": boris_item.element_handle(), "vera": vera_item.element_handle()}

    other = new_page(server)
    login_as(other, server, boris, "#/chats")  # Boris comes online
    expect(boris_item.locator(".dot")).to_have_class("dot online")
    expect(vera_item.locator(".dot")).to_have_class("dot")
    # The same list items are on the page: nothing but the dot was redrawn.
    assert before["boris"].evaluate("(n) => n.isConnected")
    assert before["vera"].evaluate("(n) => n.isConnected")


def test_a_store_subscriber_hears_only_its_slice(server, new_page):
    page = new_page(server)
    page.goto(server.url + "/#/")
    calls = page.evaluate("""async () => {
        const { createStore } = await import('/static/js/stores/store.js');
        const store = createStore({ a: 1, b: { x: 1 } });
        const heard = [];
        const off = store.subscribe((s) => s.a, (a, prev) => heard.push(['a', a, prev]));
        store.subscribe((s) => s.b, (b) => heard.push(['b', b.x]));
        store.set({ b: { x: 2 } });
        store.set({ a: 2 });
        store.set({ a: 2 });
        store.update((s) => ({ a: s.a + 1 }));
        off();
        store.set({ a: 10 });
        return { heard, state: store.get() };
    }""")
    assert calls["heard"] == [["b", 2], ["a", 2, 1], ["a", 3, 2]]
    assert calls["state"] == {"a": 10, "b": {"x": 2}}
