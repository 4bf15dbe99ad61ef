"""Chats over REST: direct and group chats, administration, ownership hand-over, membership events."""

from tests.chat_helpers import direct, events, group, send


def test_direct_chat_is_one_per_pair(client, make_user):
    alice, bob = make_user(), make_user()
    res = client.post("/api/chats", headers=alice.headers, json={"type": "direct", "user_id": bob.id})
    assert res.status_code == 201
    chat = res.get_json()
    assert chat["type"] == "direct" and {m["user"]["id"] for m in chat["members"]} == {alice.id, bob.id}
    again = client.post("/api/chats", headers=bob.headers, json={"type": "direct", "user_id": alice.id})
    assert again.status_code == 200 and again.get_json()["id"] == chat["id"]


def test_direct_chat_with_self_or_unknown_user_is_refused(client, make_user):
    alice = make_user()
    assert (
        client.post("/api/chats", headers=alice.headers, json={"type": "direct", "user_id": alice.id}).status_code
        == 422
    )
    assert client.post("/api/chats", headers=alice.headers, json={"type": "direct", "user_id": 9999}).status_code == 404
    assert client.post("/api/chats", headers=alice.headers, json={"type": "group"}).status_code == 422


def test_list_chats_newest_activity_first_with_unread(client, make_user):
    alice, bob, carol = make_user(), make_user(), make_user()
    d = direct(client, alice, bob)
    g = group(client, alice, [bob, carol])
    send(client, bob, d["id"], "one")
    send(client, bob, d["id"], "two")
    items = client.get("/api/chats", headers=alice.headers).get_json()["items"]
    assert [c["id"] for c in items] == [d["id"], g["id"]]
    assert items[0]["unread"] == 2 and items[0]["last_message"]["body"] == "two"
    assert items[0]["peer"]["id"] == bob.id
    # a new group's last message is its history's first line (created), which is never unread
    assert items[1]["unread"] == 0 and items[1]["last_message"]["system"]["action"] == "created"
    send(client, carol, g["id"], "hi all")
    items = client.get("/api/chats", headers=alice.headers).get_json()["items"]
    assert items[0]["id"] == g["id"]
    assert client.post(f"/api/chats/{d['id']}/read", headers=alice.headers, json={"seq": 2}).status_code == 200
    items = client.get("/api/chats", headers=alice.headers).get_json()["items"]
    assert {c["id"]: c["unread"] for c in items} == {d["id"]: 0, g["id"]: 1}
    # the sender's own message does not count as unread for them
    assert client.get(f"/api/chats/{g['id']}", headers=carol.headers).get_json()["unread"] == 0


def test_list_chats_pages(client, make_user):
    alice, bob = make_user(), make_user()
    ids = [group(client, alice, [bob], name=f"g{i}")["id"] for i in range(3)]
    first = client.get("/api/chats?limit=2", headers=alice.headers).get_json()
    assert len(first["items"]) == 2 and first["next"] == 2
    rest = client.get("/api/chats?limit=2&after=2", headers=alice.headers).get_json()
    assert rest["next"] is None
    assert sorted(c["id"] for c in first["items"] + rest["items"]) == sorted(ids)


def test_get_chat_shows_members_roles_and_my_read_mark(client, make_user):
    alice, bob = make_user(), make_user()
    g = group(client, alice, [bob])
    chat = client.get(f"/api/chats/{g['id']}", headers=bob.headers).get_json()
    assert {m["user"]["id"]: m["role"] for m in chat["members"]} == {alice.id: "owner", bob.id: "member"}
    assert chat["last_read_seq"] == 0 and chat["role"] == "member"


def test_patch_group_by_admins_only(client, make_user, socket_client):
    alice, bob = make_user(), make_user()
    g = group(client, alice, [bob])
    sb = socket_client(bob)
    assert client.patch(f"/api/chats/{g['id']}", headers=bob.headers, json={"name": "x"}).status_code == 403
    res = client.patch(f"/api/chats/{g['id']}", headers=alice.headers, json={"name": "Renamed", "description": "d"})
    assert res.status_code == 200 and res.get_json()["name"] == "Renamed"
    assert events(sb, "chat:updated")[0]["name"] == "Renamed"
    client.patch(f"/api/chats/{g['id']}/members/{bob.id}", headers=alice.headers, json={"role": "admin"})
    assert client.patch(f"/api/chats/{g['id']}", headers=bob.headers, json={"description": "ok"}).status_code == 200


def test_direct_chat_cannot_be_patched_deleted_or_left(client, make_user):
    alice, bob = make_user(), make_user()
    d = direct(client, alice, bob)
    assert client.patch(f"/api/chats/{d['id']}", headers=alice.headers, json={"name": "x"}).status_code == 403
    assert client.delete(f"/api/chats/{d['id']}", headers=alice.headers).status_code == 403
    assert client.delete(f"/api/chats/{d['id']}/members/{alice.id}", headers=alice.headers).status_code == 403


def test_add_member_is_heard_at_once_by_a_live_socket(client, make_user, socket_client):
    alice, bob, carol = make_user(), make_user(), make_user()
    g = group(client, alice, [bob])
    sc = socket_client(carol)
    assert (
        client.post(f"/api/chats/{g['id']}/members", headers=bob.headers, json={"user_id": carol.id}).status_code == 403
    )
    res = client.post(f"/api/chats/{g['id']}/members", headers=alice.headers, json={"user_id": carol.id})
    added = {"chat_id": g["id"], "user_id": carol.id, "role": "member", "by": alice.id}
    assert res.status_code == 201 and res.get_json() == added
    got = events(sc)
    assert ("chat:member_added", added) in got
    assert any(n == "chat:created" and p["id"] == g["id"] for n, p in got)
    send(client, alice, g["id"], "welcome")
    assert [m["body"] for m in events(sc, "message:new")] == ["welcome"]
    again = client.post(f"/api/chats/{g['id']}/members", headers=alice.headers, json={"user_id": carol.id})
    assert again.status_code == 409


def test_removed_member_hears_nothing_more(client, make_user, socket_client):
    alice, bob = make_user(), make_user()
    g = group(client, alice, [bob])
    sb = socket_client(bob)
    assert client.delete(f"/api/chats/{g['id']}/members/{bob.id}", headers=alice.headers).status_code == 204
    assert events(sb, "chat:member_removed") == [
        {"chat_id": g["id"], "user_id": bob.id, "role": "member", "by": alice.id}
    ]
    send(client, alice, g["id"], "secret")
    assert events(sb) == []
    assert client.get(f"/api/messages/{g['id']}", headers=bob.headers).status_code == 403


def test_roles_admin_powers_and_limits(client, make_user):
    alice, bob, carol, dave = make_user(), make_user(), make_user(), make_user()
    g = group(client, alice, [bob, carol, dave])
    cid = g["id"]
    assert (
        client.patch(f"/api/chats/{cid}/members/{bob.id}", headers=carol.headers, json={"role": "admin"}).status_code
        == 403
    )
    res = client.patch(f"/api/chats/{cid}/members/{bob.id}", headers=alice.headers, json={"role": "admin"})
    assert res.get_json()["role"] == "admin"
    # an admin removes a member but not the owner nor another admin
    assert client.delete(f"/api/chats/{cid}/members/{dave.id}", headers=bob.headers).status_code == 204
    assert client.delete(f"/api/chats/{cid}/members/{alice.id}", headers=bob.headers).status_code == 403
    client.patch(f"/api/chats/{cid}/members/{carol.id}", headers=bob.headers, json={"role": "admin"})
    assert client.delete(f"/api/chats/{cid}/members/{carol.id}", headers=bob.headers).status_code == 403
    assert (
        client.patch(f"/api/chats/{cid}/members/{alice.id}", headers=bob.headers, json={"role": "member"}).status_code
        == 403
    )
    assert (
        client.patch(f"/api/chats/{cid}/members/{bob.id}", headers=alice.headers, json={"role": "owner"}).status_code
        == 422
    )
    # an admin cannot delete the group while it has an owner
    assert client.delete(f"/api/chats/{cid}", headers=bob.headers).status_code == 403


def test_owner_leaving_hands_the_group_to_the_oldest_admin(client, make_user, socket_client):
    alice, bob, carol = make_user(), make_user(), make_user()
    g = group(client, alice, [bob, carol])
    client.patch(f"/api/chats/{g['id']}/members/{carol.id}", headers=alice.headers, json={"role": "admin"})
    sb = socket_client(bob)
    assert client.delete(f"/api/chats/{g['id']}/members/{alice.id}", headers=alice.headers).status_code == 204
    roles = {
        m["user"]["id"]: m["role"]
        for m in client.get(f"/api/chats/{g['id']}", headers=bob.headers).get_json()["members"]
    }
    assert roles == {bob.id: "member", carol.id: "owner"}
    assert {"chat_id": g["id"], "user_id": carol.id, "role": "owner", "by": alice.id} in events(
        sb, "chat:member_updated"
    )


def test_owner_leaving_without_admins_hands_over_to_the_oldest_member(client, make_user):
    alice, bob, carol = make_user(), make_user(), make_user()
    g = group(client, alice, [bob, carol])
    client.delete(f"/api/chats/{g['id']}/members/{alice.id}", headers=alice.headers)
    roles = {
        m["user"]["id"]: m["role"]
        for m in client.get(f"/api/chats/{g['id']}", headers=carol.headers).get_json()["members"]
    }
    assert roles == {bob.id: "owner", carol.id: "member"}


def test_last_member_leaving_deletes_the_group(client, make_user, socket_client):
    alice, bob = make_user(), make_user()
    g = group(client, alice, [bob])
    sa = socket_client(alice)
    client.delete(f"/api/chats/{g['id']}/members/{bob.id}", headers=bob.headers)
    assert client.delete(f"/api/chats/{g['id']}/members/{alice.id}", headers=alice.headers).status_code == 204
    assert [p["id"] for p in events(sa, "chat:deleted")] == [g["id"]]
    assert client.get(f"/api/chats/{g['id']}", headers=alice.headers).status_code == 404


def test_owner_deletes_group_members_hear_it(client, make_user, socket_client):
    alice, bob = make_user(), make_user()
    g = group(client, alice, [bob])
    send(client, bob, g["id"])
    sb = socket_client(bob)
    assert client.delete(f"/api/chats/{g['id']}", headers=bob.headers).status_code == 403
    assert client.delete(f"/api/chats/{g['id']}", headers=alice.headers).status_code == 204
    assert [p["id"] for p in events(sb, "chat:deleted")] == [g["id"]]
    assert client.get("/api/chats", headers=bob.headers).get_json()["items"] == []


def test_chat_created_reaches_every_member(client, make_user, socket_client):
    alice, bob = make_user(), make_user()
    sb = socket_client(bob)
    g = group(client, alice, [bob])
    assert [p["id"] for p in events(sb, "chat:created")] == [g["id"]]
    d = direct(client, alice, bob)
    assert [p["id"] for p in events(sb, "chat:created")] == [d["id"]]
    direct(client, alice, bob)  # existing: nothing new
    assert events(sb, "chat:created") == []


def test_open_order_chat_inside_callers_transaction(app, make_user, socket_client):
    from app.db import write_tx
    from app.services.chats import open_order_chat

    alice, bob = make_user(), make_user()
    sb = socket_client(bob)
    with app.app_context():
        with write_tx():
            chat = open_order_chat(alice.id, bob.id, "Fix my sink")
            chat_id = chat.id
            assert events(sb) == []  # nothing leaves before the commit
    created = events(sb, "chat:created")
    assert [c["id"] for c in created] == [chat_id] and created[0]["type"] == "order"
    assert {m["user"]["id"] for m in created[0]["members"]} == {alice.id, bob.id}


def test_presence_goes_to_chat_partners_only(client, make_user, socket_client):
    alice, bob, stranger = make_user(), make_user(), make_user()
    direct(client, alice, bob)
    sb, ss = socket_client(bob), socket_client(stranger)
    sa = socket_client(alice)
    assert {"user_id": alice.id, "online": True} in events(sb, "presence")
    assert events(ss, "presence") == []
    sa.disconnect()
    assert {"user_id": alice.id, "online": False} in events(sb, "presence")


def test_a_chat_counts_its_messages_without_the_deleted_ones(client, make_user):
    ann, bob = make_user(), make_user()
    g = group(client, ann, [bob])
    sent = [send(client, ann, g["id"], f"m{n}") for n in range(3)]
    assert client.get(f"/api/chats/{g['id']}", headers=bob.headers).get_json()["message_count"] == 3
    assert client.delete(f"/api/messages/{sent[0]['id']}", headers=ann.headers).status_code == 204
    chat = client.get(f"/api/chats/{g['id']}", headers=bob.headers).get_json()
    assert chat["message_count"] == 2 and chat["last_seq"] == 4  # seq 1: the group's `created` line
