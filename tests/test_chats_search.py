"""Search: chats and users by name, messages by words, only from my chats; the FTS index follows edits."""

from tests.chat_helpers import direct, group, send


def test_search_finds_only_my_messages_chats_and_users(client, make_user):
    alice, bob, eve = make_user("alice_s"), make_user("bob_s"), make_user("eve_s")
    g = group(client, alice, [bob], name="Plumbing club")
    d = direct(client, alice, bob)
    send(client, alice, g["id"], "The kitchen pipe is leaking again")
    send(client, bob, d["id"], "Pipes are fine here")
    secret = group(client, eve, [], name="Plumbing secrets")
    send(client, eve, secret["id"], "pipe secret")
    res = client.get("/api/search?q=pipe", headers=alice.headers)
    assert res.status_code == 200
    found = res.get_json()
    assert sorted(m["body"] for m in found["messages"]) == ["Pipes are fine here", "The kitchen pipe is leaking again"]
    chats = client.get("/api/search?q=plumb", headers=alice.headers).get_json()["chats"]
    assert [c["id"] for c in chats] == [g["id"]]
    by_peer = client.get("/api/search?q=bob_s", headers=alice.headers).get_json()
    assert [c["id"] for c in by_peer["chats"]] == [d["id"]]
    assert [u["id"] for u in by_peer["users"]] == [bob.id]


def test_search_follows_edits_and_deletes(client, make_user):
    alice, bob = make_user(), make_user()
    d = direct(client, alice, bob)
    m = send(client, alice, d["id"], "old words")
    client.patch(f"/api/messages/{m['id']}", headers=alice.headers, json={"body": "brand new phrase"})
    assert client.get("/api/search?q=old", headers=alice.headers).get_json()["messages"] == []
    assert len(client.get("/api/search?q=phrase", headers=alice.headers).get_json()["messages"]) == 1
    client.delete(f"/api/messages/{m['id']}", headers=alice.headers)
    assert client.get("/api/search?q=phrase", headers=alice.headers).get_json()["messages"] == []


def test_search_query_syntax_is_harmless(client, make_user):
    alice, bob = make_user(), make_user()
    d = direct(client, alice, bob)
    send(client, alice, d["id"], 'quote " and star * and NEAR(x)')
    for q in ['"', "*", "NEAR(", "a OR", "%", "_", ")("]:
        res = client.get("/api/search", query_string={"q": q}, headers=alice.headers)
        assert res.status_code == 200, (q, res.get_json())
    assert client.get("/api/search?q=", headers=alice.headers).status_code == 422
    assert len(client.get("/api/search?q=star", headers=alice.headers).get_json()["messages"]) == 1


def test_search_like_fallback_matches_the_same(app, client, make_user, monkeypatch):
    from app.extensions import db
    from app.services import search

    alice, bob = make_user(), make_user()
    d = direct(client, alice, bob)
    send(client, alice, d["id"], "Leaking Pipe")
    with app.app_context():
        monkeypatch.setattr(db.engine.dialect, "name", "postgresql")
        found = search.search_messages(alice.id, "pipe leak", 10)
    assert [m["body"] for m in found] == ["Leaking Pipe"]


def test_found_chats_come_as_the_chat_list_shows_them(client, make_user):
    """A found direct chat names its peer and shows its last message, as in the chat list."""
    alice, bob = make_user("alice_f"), make_user("bobby_f")
    d = direct(client, alice, bob)
    send(client, bob, d["id"], "see you at five")
    found = client.get("/api/search?q=bobby", headers=alice.headers).get_json()["chats"]
    assert [c["id"] for c in found] == [d["id"]]
    assert found[0]["peer"]["username"] == "bobby_f" and found[0]["peer"]["online"] is False
    assert found[0]["last_message"]["body"] == "see you at five" and found[0]["unread"] == 1
