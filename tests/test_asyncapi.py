"""GET /api/asyncapi.json: a valid AsyncAPI 3 document listing exactly the events the server emits and accepts."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from app.events import SERVER_EVENTS
from app.extensions import socketio
from app.schemas.common import ErrorAck
from app.sockets.events import CLIENT_ACKS, CLIENT_EVENTS
from tests.chat_helpers import direct, group

# The official AsyncAPI 3.0.0 JSON schema (source: tests/asyncapi/README.md).
SCHEMA = json.loads((Path(__file__).parent / "asyncapi" / "asyncapi-3.0.0.schema.json").read_text(encoding="utf-8"))

# What API.md promises today (the document may list more as domains add events, never less).
CONTRACT_SERVER = {
    "message:new",
    "message:updated",
    "message:deleted",
    "typing",
    "chat:read",
    "presence",
    "chat:created",
    "chat:updated",
    "chat:deleted",
    "chat:member_added",
    "chat:member_removed",
    "chat:member_updated",
    "notification",
    "request:updated",
}
CONTRACT_CLIENT = {"message:send", "message:edit", "message:delete", "chat:sync", "chat:read", "typing"}


@pytest.fixture
def doc(client) -> dict:
    res = client.get("/api/asyncapi.json")
    assert res.status_code == 200 and res.mimetype == "application/json"
    return res.get_json()


def _addresses(doc: dict, action: str) -> set[str]:
    out = set()
    for op in doc["operations"].values():
        if op["action"] == action:
            channel = doc["channels"][op["channel"]["$ref"].rsplit("/", 1)[1]]
            out.add(channel["address"])
    return out


def _validator(doc: dict, message_key: str) -> jsonschema.Validator:
    """A validator for one message's payload, resolving refs against the document's components."""
    payload = doc["components"]["messages"][message_key]["payload"]
    return jsonschema.Draft7Validator({**payload, "components": doc["components"]})


def test_document_validates_against_the_asyncapi_3_schema(doc):
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    errors = sorted(jsonschema.Draft7Validator(SCHEMA).iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    assert doc["asyncapi"] == "3.0.0"
    assert doc["servers"]["masterchat"]["host"] == "masterchat.test"


def test_a_broken_document_fails_the_schema(doc):
    broken = json.loads(json.dumps(doc))
    next(iter(broken["operations"].values()))["action"] = "emit"  # not an AsyncAPI action
    assert list(jsonschema.Draft7Validator(SCHEMA).iter_errors(broken))


def test_lists_exactly_the_events_the_server_emits_and_accepts(doc):
    assert _addresses(doc, "send") == set(SERVER_EVENTS) >= CONTRACT_SERVER
    assert _addresses(doc, "receive") == set(CLIENT_EVENTS) >= CONTRACT_CLIENT
    # what the server accepts is what its Socket.IO server has handlers for
    handled = set(socketio.server.handlers["/"]) - {"connect", "disconnect"}
    assert set(CLIENT_EVENTS) <= handled
    assert {name for name in handled if not name.startswith("test:")} == set(CLIENT_EVENTS)


def test_payload_schemas_describe_what_is_really_sent(doc, client, make_user, socket_client):
    alice, bob = make_user(), make_user()
    d = direct(client, alice, bob)
    sb = socket_client(bob)
    sa = socket_client(alice)
    sb.get_received()
    acks = {
        "message:send": sa.emit("message:send", {"chat_id": d["id"], "body": "hi", "client_id": "a1"}, callback=True),
        "chat:sync": sa.emit("chat:sync", {"chat_id": d["id"], "after_seq": 0}, callback=True),
        "chat:read": sb.emit("chat:read", {"chat_id": d["id"], "seq": 1}, callback=True),
        "typing": sa.emit("typing", {"chat_id": d["id"], "typing": True}, callback=True),
        "ping": sa.emit("ping", {}, callback=True),
    }
    message_id = acks["message:send"]["message"]["id"]
    acks["message:edit"] = sa.emit("message:edit", {"message_id": message_id, "body": "hi!"}, callback=True)
    acks["message:delete"] = sa.emit("message:delete", {"message_id": message_id}, callback=True)
    for name, ack in acks.items():
        assert ack["ok"] is True, (name, ack)
        CLIENT_ACKS[name].model_validate(ack)
        _validator(doc, "in." + name.replace(":", ".") + ".ack").validate(ack)
    failed = sa.emit("message:edit", {"message_id": 10**9, "body": "x"}, callback=True)
    ErrorAck.model_validate(failed)
    _validator(doc, "ErrorAck").validate(failed)
    with pytest.raises(jsonschema.ValidationError):
        _validator(doc, "in.message.send.ack").validate(failed)

    g = group(client, alice, [bob])
    client.patch(f"/api/chats/{g['id']}", headers=alice.headers, json={"name": "Renamed"})
    received = sb.get_received() + sa.get_received()
    # chat:read and typing go both ways: the server's payloads are checked against the server's schema
    assert {"typing", "chat:read", "message:new", "chat:created", "chat:updated"} <= {e["name"] for e in received}
    for event in received:
        _validator(doc, "out." + event["name"].replace(":", ".")).validate(event["args"][0])


def test_notification_payloads_are_discriminated_on_kind(doc):
    schemas = doc["components"]["schemas"]
    payload = doc["components"]["messages"]["out.notification"]["payload"]
    union = schemas[payload["$ref"].rsplit("/", 1)[1]]
    assert union["discriminator"] == "kind"
    assert len(union["oneOf"]) >= 7
