"""Each notification kind has its own payload model: a wrong payload is neither stored nor sent."""

from __future__ import annotations

import pydantic
import pytest

from app.db import write_tx
from app.events import SERVER_EVENTS
from app.events.market import OfferAccepted, RequestStatus
from app.events.notifications import NOTIFICATION_KINDS, NotificationOut, NotificationPayload, notification_kind
from app.extensions import db
from app.models.notification import Notification
from app.services.notifications import notify

MARKET_AND_CHAT_KINDS = {
    "request:new",
    "offer:new",
    "offer:accepted",
    "offer:rejected",
    "request:status",
    "review:new",
    "chat:added",
}


def test_every_kind_of_the_contract_has_a_model():
    assert set(NOTIFICATION_KINDS) >= MARKET_AND_CHAT_KINDS
    assert SERVER_EVENTS["notification"] is not None


def test_a_payload_that_does_not_fit_its_kind_cannot_be_built():
    with pytest.raises(pydantic.ValidationError):
        OfferAccepted(request_id=1, title="Tap", offer_id=2)  # chat_id missing
    with pytest.raises(pydantic.ValidationError):
        RequestStatus(request_id=1, title="Tap", status="active", by=3, chat_id=None, extra="no")


def test_notify_refuses_anything_but_a_kind_model(app, make_user):
    user = make_user()
    with app.app_context():
        with pytest.raises(TypeError), write_tx():
            notify([user.id], {"request_id": 1})  # type: ignore[arg-type]

        class Undeclared(NotificationPayload):
            KIND = "offer:accepted"  # a look-alike that was never registered
            request_id: int

        with pytest.raises(TypeError), write_tx():
            notify([user.id], Undeclared(request_id=1))
        assert db.session.query(Notification).count() == 0


def test_kinds_cannot_be_added_after_the_registry_is_sealed():
    with pytest.raises(TypeError):

        @notification_kind
        class Late(NotificationPayload):
            KIND = "late:kind"


def test_a_stored_notification_validates_against_its_kind_only():
    base = {"id": 1, "created_at": "2026-01-01T00:00:00Z", "read_at": None}
    ok = {**base, "kind": "offer:accepted", "payload": {"request_id": 1, "title": "t", "offer_id": 2, "chat_id": 3}}
    assert NotificationOut.model_validate(ok).root.payload.chat_id == 3
    # the same payload under another kind, or an unknown kind, is refused
    for bad in ({**ok, "kind": "review:new"}, {**ok, "kind": "nope"}, {**ok, "payload": {"request_id": 1}}):
        with pytest.raises(pydantic.ValidationError):
            NotificationOut.model_validate(bad)


def test_openapi_documents_the_payload_of_each_kind(client):
    spec = client.get("/api/openapi.json").get_json()
    page = spec["components"]["schemas"]["NotificationPage"]
    items = page["properties"]["items"]["items"]
    union = spec["components"]["schemas"][items["$ref"].rsplit("/", 1)[1]] if "$ref" in items else items
    mapping = union["discriminator"]["mapping"]
    assert union["discriminator"]["propertyName"] == "kind"
    assert set(mapping) == set(NOTIFICATION_KINDS)
    accepted = spec["components"]["schemas"][mapping["offer:accepted"].rsplit("/", 1)[1]]
    payload = spec["components"]["schemas"][accepted["properties"]["payload"]["$ref"].rsplit("/", 1)[1]]
    assert set(payload["required"]) == {"request_id", "title", "offer_id", "chat_id"}


def test_the_bell_receives_typed_payloads(market, client, socket_client):
    customer, master = market.make_user(), market.master("plumbing")
    sock = socket_client(master)
    req = market.request(customer)
    offer = market.offer(master, req["id"])
    chat_id = client.post(f"/api/offers/{offer['id']}/accept", headers=customer.headers).get_json()["chat"]["id"]
    notes = [e["args"][0] for e in sock.get_received() if e["name"] == "notification"]
    assert [n["kind"] for n in notes] == ["request:new", "offer:accepted"]
    assert notes[1]["payload"] == {
        "request_id": req["id"],
        "title": req["title"],
        "offer_id": offer["id"],
        "chat_id": chat_id,
    }
    stored = client.get("/api/notifications", headers=master.headers).get_json()["items"]
    assert stored[0]["kind"] == "offer:accepted" and stored[0]["payload"] == notes[1]["payload"]
