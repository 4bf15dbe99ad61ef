"""Every server event the marketplace emits is declared and matches its schema exactly."""

from __future__ import annotations

import pytest

from app.events import SERVER_EVENTS
from app.extensions import socketio

MARKET_EVENTS = {"notification", "request:updated"}
KINDS = {"request:new", "offer:new", "offer:accepted", "offer:rejected", "request:status", "review:new"}


@pytest.fixture
def emitted(monkeypatch):
    seen = []
    original = socketio.emit

    def recording(event, *args, **kwargs):
        seen.append((event, args[0] if args else kwargs.get("data")))
        return original(event, *args, **kwargs)

    monkeypatch.setattr(socketio, "emit", recording)
    return seen


def test_marketplace_events_match_their_schemas(market, client, emitted):
    customer = market.make_user()
    a, b, c = market.master("plumbing"), market.master("plumbing"), market.master("repairs")
    req = market.request(customer)
    offers = [market.offer(m, req["id"]) for m in (a, b, c)]
    client.post(f"/api/offers/{offers[2]['id']}/reject", headers=customer.headers)
    client.delete(f"/api/offers/{offers[1]['id']}", headers=b.headers)
    client.post(f"/api/offers/{offers[0]['id']}/accept", headers=customer.headers)
    client.post(f"/api/requests/{req['id']}/refuse-executor", headers=customer.headers)
    again = market.offer(b, req["id"])
    client.post(f"/api/offers/{again['id']}/accept", headers=customer.headers)
    client.post(f"/api/requests/{req['id']}/complete", headers=customer.headers)
    client.post(f"/api/requests/{req['id']}/review", json={"rating": 4, "text": "ok"}, headers=customer.headers)
    direct = market.request(customer, master_id=a.id)
    client.post(f"/api/requests/{direct['id']}/decline", headers=a.headers)
    other = market.request(customer)
    client.post(f"/api/requests/{other['id']}/cancel", headers=customer.headers)

    names = {name for name, _ in emitted}
    assert names >= MARKET_EVENTS
    # order chats' heads follow the request (checked below against ChatOut like every event)
    statuses = {p["order"]["status"] for name, p in emitted if name == "chat:updated" and p.get("order")}
    assert statuses >= {"open", "completed"}, statuses
    assert {p["kind"] for name, p in emitted if name == "notification"} == KINDS
    for name, payload in emitted:
        assert name in SERVER_EVENTS, f"{name} is not declared in SERVER_EVENTS"
        model = SERVER_EVENTS[name].model_validate(payload)
        assert set(model.model_dump(exclude_unset=True)) == set(payload), name
