"""Being put in a chat: the `chat:added` notification, an order chat's request_id, presence in the chat list."""

from __future__ import annotations

from tests.chat_helpers import direct, group
from tests.test_notifications import received


def _stored(client, user) -> list[dict]:
    res = client.get("/api/notifications", headers=user.headers)
    assert res.status_code == 200
    return [n for n in res.get_json()["items"] if n["kind"] == "chat:added"]


def test_added_to_a_group_the_new_member_is_notified_live_and_finds_it_later(client, make_user, socket_client):
    owner, ann, bob = make_user(), make_user(), make_user()
    ann_sock, owner_sock = socket_client(ann), socket_client(owner)
    chat = group(client, owner, [ann], name="Plumbers")
    live = received(ann_sock, "notification")
    assert [n["kind"] for n in live] == ["chat:added"]
    assert live[0]["payload"]["chat_id"] == chat["id"] and live[0]["payload"]["name"] == "Plumbers"
    assert live[0]["payload"]["by"]["id"] == owner.id
    assert received(owner_sock, "notification") == []  # who made the group is not told

    res = client.post(f"/api/chats/{chat['id']}/members", headers=owner.headers, json={"user_id": bob.id})
    assert res.status_code in (200, 201), res.get_json()
    [note] = _stored(client, bob)  # bob was offline: the notification waits for him
    assert note["payload"]["chat_id"] == chat["id"] and note["read_at"] is None
    assert _stored(client, owner) == []


def test_a_new_direct_chat_notifies_the_other_person_once(client, make_user):
    ann, bob = make_user(), make_user()
    chat = direct(client, ann, bob)
    direct(client, ann, bob)  # opened again: the same chat, no second notification
    [note] = _stored(client, bob)
    assert note["payload"] == {
        "chat_id": chat["id"],
        "type": "direct",
        "name": chat["name"],
        "by": note["payload"]["by"],
    }
    assert note["payload"]["by"]["id"] == ann.id
    assert _stored(client, ann) == []


def test_an_order_chat_says_which_request_it_belongs_to(market, client):
    customer, master = market.make_user(), market.master("plumbing")
    req = market.request(customer, "plumbing")
    offer = market.offer(master, req["id"])
    res = client.post(f"/api/offers/{offer['id']}/accept", headers=customer.headers)
    assert res.status_code == 200, res.get_json()
    chat = res.get_json()["chat"]
    assert chat["type"] == "order" and chat["request_id"] == req["id"]
    assert client.get(f"/api/chats/{chat['id']}", headers=master.headers).get_json()["request_id"] == req["id"]
    listed = {c["id"]: c for c in client.get("/api/chats", headers=customer.headers).get_json()["items"]}
    assert listed[chat["id"]]["request_id"] == req["id"]
    # the master learns of the order chat from offer:accepted (with its chat id), not from a second note
    assert _stored(client, master) == []
    other = direct(client, customer, master)
    assert other["request_id"] is None


def test_the_chat_list_carries_each_peers_presence(client, make_user, socket_client):
    me, online_peer, offline_peer = make_user(), make_user(), make_user()
    a, b = direct(client, me, online_peer), direct(client, me, offline_peer)
    socket_client(online_peer)
    items = {c["id"]: c for c in client.get("/api/chats", headers=me.headers).get_json()["items"]}
    assert items[a["id"]]["peer"]["id"] == online_peer.id and items[a["id"]]["peer"]["online"] is True
    assert items[b["id"]]["peer"]["online"] is False
