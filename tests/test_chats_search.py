"""Search: chats and users by name, messages by words, only from my chats; the FTS index follows edits."""

import pytest

from tests.chat_helpers import direct, group, send
from tests.conftest import TEST_DATABASE_URL

# The FTS5 index and its batches exist on SQLite only; on PostgreSQL (CI's second pass over this
# file) search is the LIKE of the tests above, and these run in the SQLite pass.
sqlite_index = pytest.mark.skipif(TEST_DATABASE_URL is not None, reason="FTS5 index: SQLite only")


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


def _fts(app, sql: str, **params):
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        rows = [tuple(r) for r in db.session.execute(text(sql), params).all()]
        db.session.commit()
    return rows


def _index(app) -> int:
    from app.services.search import index_new_messages

    with app.app_context():
        return index_new_messages()


def _index_is_whole(app) -> None:
    """FTS5's own check of an external-content index against every row of the messages table (it raises
    "malformed" when they differ, so only once every message is below the mark)."""
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        db.session.execute(text("INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)"))
        db.session.commit()


@sqlite_index
def test_a_message_is_found_before_its_batch_is_indexed_and_after(app, client, make_user):
    alice, bob = make_user(), make_user()
    d = direct(client, alice, bob)
    first = send(client, alice, d["id"], "Смеситель течёт на кухне")
    second = send(client, bob, d["id"], "Приеду чинить смеситель завтра")
    assert _fts(app, "SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'смеситель'") == []  # not yet
    found = client.get("/api/search?q=смеситель", headers=alice.headers).get_json()["messages"]
    assert [m["id"] for m in found] == [second["id"], first["id"]]

    assert _index(app) >= 2
    assert _fts(app, "SELECT last_id FROM messages_fts_mark") == [(second["id"],)]
    indexed = _fts(app, "SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'смеситель' ORDER BY rowid")
    assert indexed == [(first["id"],), (second["id"],)]
    again = client.get("/api/search?q=смеситель", headers=alice.headers).get_json()["messages"]
    assert [m["id"] for m in again] == [second["id"], first["id"]]  # each once, from the index now
    assert _index(app) == 0  # nothing new
    _index_is_whole(app)


@sqlite_index
def test_edits_deletes_and_a_reused_id_keep_the_index_whole(app, client, make_user):
    from app.extensions import db
    from app.models.chat import Message

    alice, bob = make_user(), make_user()
    d = direct(client, alice, bob)
    old = send(client, alice, d["id"], "indexed words")
    _index(app)
    new = send(client, alice, d["id"], "waiting words")
    for m, body in ((old, "indexed changed"), (new, "waiting changed")):
        assert client.patch(f"/api/messages/{m['id']}", headers=alice.headers, json={"body": body}).status_code == 200
    assert client.get("/api/search?q=words", headers=alice.headers).get_json()["messages"] == []
    assert len(client.get("/api/search?q=changed", headers=alice.headers).get_json()["messages"]) == 2
    _index(app)
    _index_is_whole(app)
    assert len(client.get("/api/search?q=changed", headers=alice.headers).get_json()["messages"]) == 2

    # The newest message, already indexed, removed for good: SQLite hands its id to the next one,
    # at or below the mark, which the insert trigger then indexes at once.
    with app.app_context():
        db.session.delete(db.session.get(Message, new["id"]))
        db.session.commit()
    _index_is_whole(app)
    reused = send(client, alice, d["id"], "second life")
    assert reused["id"] == new["id"]
    assert _fts(app, "SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'second'") == [(reused["id"],)]
    _index_is_whole(app)
    assert client.delete(f"/api/messages/{old['id']}", headers=alice.headers).status_code == 204
    _index_is_whole(app)
    assert client.get("/api/search?q=indexed", headers=alice.headers).get_json()["messages"] == []


def test_the_server_indexes_new_messages_within_a_second(live_server):
    """Each worker's upkeep adds what was stored to the index every quarter second."""
    import sqlite3
    import time

    import requests

    def signup(name: str) -> dict:
        body = live_server.signup(f"{name}_{time.monotonic_ns() % 10**9}")
        return {"id": body["user"]["id"], "headers": {"Authorization": f"Bearer {body['access_token']}"}}

    ann, ben = signup("fts_ann"), signup("fts_ben")
    chat = requests.post(
        live_server.url + "/api/chats",
        json={"type": "direct", "user_id": ben["id"]},
        headers=ann["headers"],
        timeout=10,
    ).json()
    sent = requests.post(
        live_server.url + "/api/messages",
        json={"chat_id": chat["id"], "body": "ключ на двенадцать"},
        headers=ann["headers"],
        timeout=10,
    ).json()
    path = live_server.env["DATABASE_URL"].removeprefix("sqlite:///")
    deadline = time.monotonic() + 5
    while True:
        with sqlite3.connect(path) as conn:
            (mark,) = conn.execute("SELECT last_id FROM messages_fts_mark").fetchone()
            found = conn.execute("SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'ключ'").fetchall()
        if mark >= sent["id"] or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert mark >= sent["id"] and found == [(sent["id"],)]
