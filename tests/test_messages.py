"""Messages over REST and the socket: send, idempotency, edit, delete, reply, history, sync, read, typing."""

from tests.chat_helpers import direct, events, group, send


def test_send_over_rest_numbers_messages_and_reaches_every_member(client, make_user, socket_client):
    alice, bob = make_user(), make_user()
    d = direct(client, alice, bob)
    sa, sb = socket_client(alice), socket_client(bob)
    first = send(client, alice, d["id"], "hi")
    second = send(client, alice, d["id"], "again")
    assert (first["seq"], second["seq"]) == (1, 2)
    assert first["sender"]["id"] == alice.id and first["deleted"] is False and first["edited_at"] is None
    assert [m["seq"] for m in events(sb, "message:new")] == [1, 2]
    assert [m["seq"] for m in events(sa, "message:new")] == [1, 2]  # the sender's own sockets too


def test_socket_send_acks_stored_message_and_broadcasts(client, make_user, socket_client):
    alice, bob = make_user(), make_user()
    d = direct(client, alice, bob)
    sa, sb = socket_client(alice), socket_client(bob)
    ack = sa.emit("message:send", {"chat_id": d["id"], "body": "yo", "client_id": "k1"}, callback=True)
    assert ack["ok"] is True and ack["message"]["seq"] == 1 and ack["message"]["client_id"] == "k1"
    assert events(sb, "message:new") == [ack["message"]]
    assert events(sa, "message:new") == [ack["message"]]


def test_same_client_id_returns_stored_message_and_delivers_nothing(client, make_user, socket_client):
    alice, bob = make_user(), make_user()
    d = direct(client, alice, bob)
    sa, sb = socket_client(alice), socket_client(bob)
    payload = {"chat_id": d["id"], "body": "once", "client_id": "same"}
    first = sa.emit("message:send", payload, callback=True)
    events(sb)
    again = sa.emit("message:send", payload, callback=True)
    assert again == first
    res = client.post("/api/messages", headers=alice.headers, json=payload)
    assert res.status_code == 200 and res.get_json() == first["message"]
    assert events(sb) == []
    history = client.get(f"/api/messages/{d['id']}", headers=alice.headers).get_json()["items"]
    assert [m["body"] for m in history] == ["once"]
    # another sender may use the same client_id
    other = client.post("/api/messages", headers=bob.headers, json=payload)
    assert other.status_code == 201 and other.get_json()["seq"] == 2


def test_body_limits(client, make_user, app):
    alice, bob = make_user(), make_user()
    d = direct(client, alice, bob)
    limit = app.config["MESSAGE_MAX_LENGTH"]
    assert (
        client.post("/api/messages", headers=alice.headers, json={"chat_id": d["id"], "body": "x" * limit}).status_code
        == 201
    )
    too_long = client.post("/api/messages", headers=alice.headers, json={"chat_id": d["id"], "body": "x" * (limit + 1)})
    assert too_long.status_code == 422 and too_long.get_json()["error"]["code"] == "validation_error"
    assert (
        client.post("/api/messages", headers=alice.headers, json={"chat_id": d["id"], "body": "   "}).status_code == 422
    )
    assert len(client.get(f"/api/messages/{d['id']}", headers=alice.headers).get_json()["items"]) == 1


def test_edit_by_sender_only(client, make_user, socket_client):
    alice, bob = make_user(), make_user()
    d = direct(client, alice, bob)
    m = send(client, alice, d["id"], "tpyo")
    sb = socket_client(bob)
    assert client.patch(f"/api/messages/{m['id']}", headers=bob.headers, json={"body": "hack"}).status_code == 403
    res = client.patch(f"/api/messages/{m['id']}", headers=alice.headers, json={"body": "typo"})
    assert res.status_code == 200 and res.get_json()["body"] == "typo" and res.get_json()["edited_at"]
    assert [e["body"] for e in events(sb, "message:updated")] == ["typo"]
    sa = socket_client(alice)
    ack = sa.emit("message:edit", {"message_id": m["id"], "body": "typo!"}, callback=True)
    assert ack["ok"] and ack["message"]["body"] == "typo!"


def test_delete_is_soft_by_sender_or_group_admin(client, make_user, socket_client):
    alice, bob, carol = make_user(), make_user(), make_user()
    g = group(client, alice, [bob, carol])
    m1 = send(client, bob, g["id"], "mine")
    m2 = send(client, bob, g["id"], "spam")
    sc = socket_client(carol)
    assert client.delete(f"/api/messages/{m1['id']}", headers=carol.headers).status_code == 403
    assert client.delete(f"/api/messages/{m1['id']}", headers=bob.headers).status_code == 204
    assert client.delete(f"/api/messages/{m2['id']}", headers=alice.headers).status_code == 204  # owner moderates
    deleted = events(sc, "message:deleted")
    assert [(e["id"], e["deleted"], e["body"]) for e in deleted] == [(m1["id"], True, ""), (m2["id"], True, "")]
    history = client.get(f"/api/messages/{g['id']}", headers=carol.headers).get_json()["items"]
    assert [(m["seq"], m["kind"], m["deleted"]) for m in history] == [
        (1, "service", False),
        (2, "text", True),
        (3, "text", True),
    ]
    assert client.patch(f"/api/messages/{m1['id']}", headers=bob.headers, json={"body": "x"}).status_code == 404
    ack = socket_client(bob).emit("message:delete", {"message_id": m1["id"]}, callback=True)
    assert ack == {"ok": True}


def test_direct_chat_peer_cannot_delete_others_messages(client, make_user):
    alice, bob = make_user(), make_user()
    d = direct(client, alice, bob)
    m = send(client, alice, d["id"])
    assert client.delete(f"/api/messages/{m['id']}", headers=bob.headers).status_code == 403


def test_reply_to_must_be_in_the_same_chat(client, make_user):
    alice, bob = make_user(), make_user()
    d = direct(client, alice, bob)
    g = group(client, alice, [bob])
    m = send(client, alice, d["id"], "question")
    reply = send(client, bob, d["id"], "answer", reply_to=m["id"])
    assert reply["reply_to"] == m["id"]
    res = client.post("/api/messages", headers=bob.headers, json={"chat_id": g["id"], "body": "x", "reply_to": m["id"]})
    assert res.status_code == 422
    res = client.post("/api/messages", headers=bob.headers, json={"chat_id": d["id"], "body": "x", "reply_to": 99999})
    assert res.status_code == 422


def test_history_pages_both_ways(client, make_user):
    alice, bob = make_user(), make_user()
    d = direct(client, alice, bob)
    for i in range(7):
        send(client, alice, d["id"], f"m{i + 1}")
    url = f"/api/messages/{d['id']}"
    last = client.get(url + "?limit=3", headers=bob.headers).get_json()
    assert [m["seq"] for m in last["items"]] == [5, 6, 7] and last["next"] == 5
    older = client.get(url + f"?limit=3&before={last['next']}", headers=bob.headers).get_json()
    assert [m["seq"] for m in older["items"]] == [2, 3, 4] and older["next"] == 2
    oldest = client.get(url + "?limit=3&before=2", headers=bob.headers).get_json()
    assert [m["seq"] for m in oldest["items"]] == [1] and oldest["next"] is None
    forward = client.get(url + "?limit=4&after=0", headers=bob.headers).get_json()
    assert [m["seq"] for m in forward["items"]] == [1, 2, 3, 4] and forward["next"] == 4
    rest = client.get(url + "?limit=4&after=4", headers=bob.headers).get_json()
    assert [m["seq"] for m in rest["items"]] == [5, 6, 7] and rest["next"] is None
    assert client.get(url + "?limit=500", headers=bob.headers).status_code == 422


def test_chat_sync_returns_missed_messages_in_order(client, make_user, socket_client):
    alice, bob = make_user(), make_user()
    d = direct(client, alice, bob)
    for i in range(5):
        send(client, alice, d["id"], f"m{i + 1}")
    sb = socket_client(bob)
    ack = sb.emit("chat:sync", {"chat_id": d["id"], "after_seq": 2, "limit": 2}, callback=True)
    assert ack["ok"] and [m["seq"] for m in ack["messages"]] == [3, 4] and ack["has_more"] is True
    ack = sb.emit("chat:sync", {"chat_id": d["id"], "after_seq": 4}, callback=True)
    assert [m["body"] for m in ack["messages"]] == ["m5"] and ack["has_more"] is False


def test_read_marks_are_monotonic_and_broadcast(client, make_user, socket_client):
    alice, bob = make_user(), make_user()
    d = direct(client, alice, bob)
    for _ in range(3):
        send(client, alice, d["id"])
    sa, sb = socket_client(alice), socket_client(bob)
    ack = sb.emit("chat:read", {"chat_id": d["id"], "seq": 2}, callback=True)
    assert ack == {"ok": True, "seq": 2}
    assert events(sa, "chat:read") == [{"chat_id": d["id"], "user_id": bob.id, "seq": 2}]
    back = client.post(f"/api/chats/{d['id']}/read", headers=bob.headers, json={"seq": 1}).get_json()
    assert back["seq"] == 2 and events(sa, "chat:read") == []
    beyond = client.post(f"/api/chats/{d['id']}/read", headers=bob.headers, json={"seq": 99}).get_json()
    assert beyond["seq"] == 3
    assert client.get(f"/api/chats/{d['id']}", headers=bob.headers).get_json()["last_read_seq"] == 3


def test_typing_goes_to_other_members_only(client, make_user, socket_client):
    alice, bob, carol = make_user(), make_user(), make_user()
    g = group(client, alice, [bob])
    sa, sb, sc = socket_client(alice), socket_client(bob), socket_client(carol)
    events(sa), events(sb)
    assert sa.emit("typing", {"chat_id": g["id"], "typing": True}, callback=True) == {"ok": True}
    assert events(sb, "typing") == [{"chat_id": g["id"], "user_id": alice.id, "typing": True}]
    assert events(sa, "typing") == [] and events(sc, "typing") == []


def test_send_rate_limit_acks_rate_limited(client, make_user, socket_client, app):
    app.config.update(MESSAGE_RATE=0.001, MESSAGE_BURST=3)
    alice, bob = make_user(), make_user()
    d = direct(client, alice, bob)
    sa = socket_client(alice)
    acks = [
        sa.emit("message:send", {"chat_id": d["id"], "body": "x", "client_id": f"r{i}"}, callback=True)
        for i in range(4)
    ]
    assert [a["ok"] for a in acks] == [True, True, True, False]
    assert acks[3]["error"]["code"] == "rate_limited"
    app.config.update(RATE_LIMITS=False)
    assert sa.emit("message:send", {"chat_id": d["id"], "body": "x", "client_id": "r9"}, callback=True)["ok"]
