"""An order chat carries its order: the other person, the request, price, status and the actions
each side may take now, kept live on both sides as the request moves."""

from __future__ import annotations

import pytest

from app.schemas.chats import ChatOut
from app.services import workflow as wf


def _events(sock, name: str) -> list[dict]:
    return [e["args"][0] for e in sock.get_received() if e["name"] == name]


def _order_of(sock, chat_id: int, name: str = "chat:updated") -> dict:
    got = [c for c in _events(sock, name) if c["id"] == chat_id]
    assert len(got) == 1, got
    ChatOut.model_validate(got[0])
    return got[0]["order"]


@pytest.mark.parametrize(
    ("status", "roles", "reviewed", "actions"),
    [
        (wf.ACTIVE, {wf.CUSTOMER}, False, ["complete", "refuse_executor", "cancel"]),
        (wf.ACTIVE, {wf.EXECUTOR}, False, []),
        (wf.COMPLETED, {wf.CUSTOMER}, False, ["review"]),
        (wf.COMPLETED, {wf.CUSTOMER}, True, []),
        (wf.OPEN, {wf.CUSTOMER}, False, ["cancel"]),
        (wf.CANCELLED, {wf.CUSTOMER}, False, []),
    ],
)
def test_order_actions_come_from_the_state_machine(status, roles, reviewed, actions):
    assert wf.order_actions(status, roles, reviewed) == actions
    for action in actions:  # never an action decide() would refuse
        assert wf.decide(status, action, roles)


def test_order_chat_head_follows_the_order_on_both_sides(market, client, socket_client):
    customer, master = market.make_user(), market.master("plumbing")
    req = market.request(customer, title="Кран течёт", budget=3000)
    offer = market.offer(master, req["id"], price=2500)
    sc, sm = socket_client(customer), socket_client(master)

    res = client.post(f"/api/offers/{offer['id']}/accept", headers=customer.headers).get_json()
    chat_id = res["chat"]["id"]
    mine = res["chat"]["order"]
    assert mine == {
        "request_id": req["id"],
        "title": "Кран течёт",
        "status": "active",
        "price": 2500,
        "budget": 3000,
        "customer": {**mine["customer"], "id": customer.id},
        "executor": {**mine["executor"], "id": master.id},
        "reviewed": False,
        "my_side": "customer",
        "current": True,
        "actions": ["complete", "refuse_executor", "cancel"],
    }
    # each side's chat:created carries the order as that side sees it
    assert _order_of(sc, chat_id, "chat:created")["my_side"] == "customer"
    theirs = _order_of(sm, chat_id, "chat:created")
    assert theirs["my_side"] == "master" and theirs["actions"] == [] and theirs["customer"]["id"] == customer.id

    # the chat list and GET carry it too
    listed = next(c for c in client.get("/api/chats", headers=master.headers).get_json()["items"] if c["id"] == chat_id)
    assert listed["order"] == theirs and listed["request_id"] == req["id"] and listed["peer"]["id"] == customer.id
    assert client.get(f"/api/chats/{chat_id}", headers=customer.headers).get_json()["order"] == mine

    # the executor sees the request as his, with its chat
    got = client.get(f"/api/requests/{req['id']}", headers=master.headers).get_json()
    assert got["executor_id"] == master.id and got["chat_id"] == chat_id

    assert client.post(f"/api/requests/{req['id']}/complete", headers=customer.headers).status_code == 200
    assert _order_of(sc, chat_id)["actions"] == ["review"]
    assert _order_of(sm, chat_id)["status"] == "completed"
    res = client.post(f"/api/requests/{req['id']}/review", headers=customer.headers, json={"rating": 5, "text": "ok"})
    assert res.status_code == 201
    after = _order_of(sc, chat_id)
    assert after["reviewed"] is True and after["actions"] == []
    assert _order_of(sm, chat_id)["reviewed"] is True


def test_a_refused_executor_keeps_the_chat_but_no_longer_the_order(market, client, socket_client):
    customer, first, second = market.make_user(), market.master("plumbing"), market.master("plumbing")
    req = market.request(customer)
    offer = market.offer(first, req["id"], price=900)
    chat_id = client.post(f"/api/offers/{offer['id']}/accept", headers=customer.headers).get_json()["chat"]["id"]
    sc, sf = socket_client(customer), socket_client(first)
    assert client.post(f"/api/requests/{req['id']}/refuse-executor", headers=customer.headers).status_code == 200
    for sock in (sc, sf):
        order = _order_of(sock, chat_id)
        assert order["current"] is False and order["actions"] == [] and order["status"] == "open"
        assert order["executor"]["id"] == first.id and order["price"] == 900

    # another master wins: the old chat still says it is not the current order, the new one is
    again = market.offer(second, req["id"], price=1200)
    new = client.post(f"/api/offers/{again['id']}/accept", headers=customer.headers).get_json()["chat"]
    assert new["id"] != chat_id and new["order"]["current"] is True and new["order"]["price"] == 1200
    old = client.get(f"/api/chats/{chat_id}", headers=customer.headers).get_json()["order"]
    assert old["current"] is False and old["actions"] == [] and old["status"] == "active"


def test_a_direct_request_taken_by_its_master(market, client):
    customer, master = market.make_user(), market.master("plumbing")
    service = client.post(
        "/api/masters/me/services",
        headers=master.headers,
        json={"title": "Замена смесителя", "category_id": market.cat("plumbing"), "price": 1500},
    ).get_json()
    req = market.request(customer, service_id=service["id"])
    res = client.post(f"/api/requests/{req['id']}/accept", headers=master.headers).get_json()
    order = res["chat"]["order"]
    assert order["my_side"] == "master" and order["price"] == 1500 and order["actions"] == []
    assert res["request"]["executor_id"] == master.id and res["request"]["chat_id"] == res["chat"]["id"]
    seen = client.get(f"/api/chats/{res['chat']['id']}", headers=customer.headers).get_json()["order"]
    assert seen["my_side"] == "customer" and seen["actions"] == ["complete", "refuse_executor", "cancel"]
