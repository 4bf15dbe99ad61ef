"""Group history: who created, added, removed, renamed, promoted whom, stored as service messages
in the chat's own seq order, served by history and chat:sync, sent as message:new."""

from __future__ import annotations

from app.schemas.chats import MessageOut
from tests.chat_helpers import events, group, send


def _history(client, user, chat_id) -> list[dict]:
    return client.get(f"/api/messages/{chat_id}?limit=200", headers=user.headers).get_json()["items"]


def _line(m: dict) -> tuple:
    s = m["system"]
    return (
        s["action"],
        s["actor"]["id"],
        s["target"]["id"] if s["target"] else None,
        s["name"],
        s["role"],
    )


def test_every_change_of_a_group_is_a_line_of_its_history(client, make_user, socket_client):
    alice, bob, carol = make_user(), make_user(), make_user()
    sb = socket_client(bob)
    g = group(client, alice, [bob], name="Team")
    gid = g["id"]
    assert client.post(f"/api/chats/{gid}/members", headers=alice.headers, json={"user_id": carol.id}).status_code
    client.patch(f"/api/chats/{gid}", headers=alice.headers, json={"name": "Crew"})
    client.patch(f"/api/chats/{gid}", headers=alice.headers, json={"description": "no line for this"})
    client.patch(f"/api/chats/{gid}/members/{bob.id}", headers=alice.headers, json={"role": "admin"})
    client.patch(f"/api/chats/{gid}/members/{bob.id}", headers=alice.headers, json={"role": "admin"})  # no change
    client.patch(f"/api/chats/{gid}/members/{bob.id}", headers=alice.headers, json={"role": "member"})
    send(client, bob, gid, "hello")
    assert client.delete(f"/api/chats/{gid}/members/{carol.id}", headers=alice.headers).status_code == 204

    history = _history(client, alice, gid)
    assert [m["seq"] for m in history] == list(range(1, len(history) + 1))  # one gapless seq for every kind
    service = [m for m in history if m["kind"] == "service"]
    assert [_line(m) for m in service] == [
        ("created", alice.id, None, "Team", None),
        ("added", alice.id, carol.id, None, None),
        ("renamed", alice.id, None, "Crew", None),
        ("promoted", alice.id, bob.id, None, "admin"),
        ("demoted", alice.id, bob.id, None, "member"),
        ("removed", alice.id, carol.id, None, None),
    ]
    for m in history:
        MessageOut.model_validate(m)
    assert all(m["body"] == "" and m["sender"]["id"] == m["system"]["actor"]["id"] for m in service)
    assert [m["body"] for m in history if m["kind"] == "text"] == ["hello"]

    # bob heard each line live, in order, as message:new; and chat:sync gives the same
    heard = [m for m in events(sb, "message:new") if m["chat_id"] == gid]
    assert [m["id"] for m in heard] == [m["id"] for m in history]
    ack = sb.emit("chat:sync", {"chat_id": gid, "after_seq": 0}, callback=True)
    assert ack["ok"] and ack["messages"] == history


def test_a_removed_member_learns_who_removed_them(client, make_user, socket_client):
    alice, bob, carol = make_user(), make_user(), make_user()
    g = group(client, alice, [bob, carol])
    client.patch(f"/api/chats/{g['id']}/members/{bob.id}", headers=alice.headers, json={"role": "admin"})
    sc = socket_client(carol)
    assert client.delete(f"/api/chats/{g['id']}/members/{carol.id}", headers=bob.headers).status_code == 204
    removed = events(sc, "chat:member_removed")
    assert removed == [{"chat_id": g["id"], "user_id": carol.id, "role": "member", "by": bob.id}]
    # the line goes to those who stay, not to the removed member
    assert events(sc, "message:new") == []
    assert _line(_history(client, alice, g["id"])[-1]) == ("removed", bob.id, carol.id, None, None)


def test_leaving_and_the_handover_of_ownership_are_recorded(client, make_user):
    alice, bob, carol = make_user(), make_user(), make_user()
    g = group(client, alice, [bob, carol])
    client.patch(f"/api/chats/{g['id']}/members/{carol.id}", headers=alice.headers, json={"role": "admin"})
    assert client.delete(f"/api/chats/{g['id']}/members/{alice.id}", headers=alice.headers).status_code == 204
    lines = [_line(m) for m in _history(client, bob, g["id"])][-2:]
    assert lines == [("left", alice.id, None, None, None), ("promoted", alice.id, carol.id, None, "owner")]


def test_service_messages_never_count_as_unread(client, make_user):
    alice, bob, carol = make_user(), make_user(), make_user()
    g = group(client, alice, [bob])

    def unread(user) -> int:
        chat = client.get(f"/api/chats/{g['id']}", headers=user.headers).get_json()
        listed = next(
            c for c in client.get("/api/chats", headers=user.headers).get_json()["items"] if c["id"] == g["id"]
        )
        assert listed["unread"] == chat["unread"]
        return chat["unread"]

    assert unread(bob) == 0 and unread(alice) == 0
    send(client, alice, g["id"], "one")
    client.post(f"/api/chats/{g['id']}/members", headers=alice.headers, json={"user_id": carol.id})
    client.patch(f"/api/chats/{g['id']}", headers=alice.headers, json={"name": "Renamed"})
    send(client, alice, g["id"], "two")
    assert unread(bob) == 2 and unread(carol) == 2  # both texts; none of the three service lines
    last = client.get(f"/api/chats/{g['id']}", headers=bob.headers).get_json()["last_seq"]
    client.post(f"/api/chats/{g['id']}/read", headers=bob.headers, json={"seq": last})
    client.patch(f"/api/chats/{g['id']}", headers=alice.headers, json={"name": "Again"})
    assert unread(bob) == 0
    # the chat's message count is its people's messages
    assert client.get(f"/api/chats/{g['id']}", headers=bob.headers).get_json()["message_count"] == 2


def test_service_messages_cannot_be_edited_deleted_or_replied_to(client, make_user, socket_client):
    alice, bob = make_user(), make_user()
    g = group(client, alice, [bob])
    created = _history(client, alice, g["id"])[0]
    assert created["kind"] == "service"
    res = client.patch(f"/api/messages/{created['id']}", headers=alice.headers, json={"body": "forged"})
    assert res.status_code == 403 and res.get_json()["error"]["details"]["reason"] == "service_message"
    res = client.delete(f"/api/messages/{created['id']}", headers=alice.headers)  # the owner, who may moderate
    assert res.status_code == 403
    ack = socket_client(alice).emit("message:delete", {"message_id": created["id"]}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
    res = client.post(
        "/api/messages", headers=bob.headers, json={"chat_id": g["id"], "body": "re", "reply_to": created["id"]}
    )
    assert res.status_code == 422
    assert _history(client, bob, g["id"])[0] == created


def test_direct_chats_keep_no_service_lines(client, make_user):
    alice, bob = make_user(), make_user()
    d = client.post("/api/chats", headers=alice.headers, json={"type": "direct", "user_id": bob.id}).get_json()
    assert _history(client, alice, d["id"]) == []
    assert send(client, alice, d["id"], "hi")["seq"] == 1
