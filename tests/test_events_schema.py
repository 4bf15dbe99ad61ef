"""Every server event emitted during a scripted messenger flow matches its schema in SERVER_EVENTS."""

import pytest

from app.events import SERVER_EVENTS
from app.extensions import socketio
from tests.chat_helpers import direct, group, send

MESSENGER_EVENTS = {
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
}


@pytest.fixture
def emitted(monkeypatch):
    """Record every socketio.emit the server makes."""
    seen = []
    original = socketio.emit

    def recording(event, *args, **kwargs):
        seen.append((event, args[0] if args else kwargs.get("data")))
        return original(event, *args, **kwargs)

    monkeypatch.setattr(socketio, "emit", recording)
    return seen


def test_every_emitted_event_matches_its_schema(app, client, make_user, socket_client, emitted):
    from app.db import write_tx
    from app.services.chats import open_order_chat

    alice, bob, carol = make_user(), make_user(), make_user()
    d = direct(client, alice, bob)
    sa, sb = socket_client(alice), socket_client(bob)
    g = group(client, alice, [bob])
    client.post(f"/api/chats/{g['id']}/members", headers=alice.headers, json={"user_id": carol.id})
    client.patch(f"/api/chats/{g['id']}/members/{bob.id}", headers=alice.headers, json={"role": "admin"})
    client.patch(f"/api/chats/{g['id']}", headers=alice.headers, json={"name": "New name"})
    m = send(client, alice, d["id"], "hello")
    sa.emit("message:send", {"chat_id": g["id"], "body": "to the group", "client_id": "e1"}, callback=True)
    sa.emit("message:edit", {"message_id": m["id"], "body": "hello!"}, callback=True)
    sb.emit("chat:read", {"chat_id": d["id"], "seq": 1}, callback=True)
    sb.emit("typing", {"chat_id": d["id"], "typing": True}, callback=True)
    sa.emit("message:delete", {"message_id": m["id"]}, callback=True)
    client.delete(f"/api/chats/{g['id']}/members/{carol.id}", headers=bob.headers)
    client.delete(f"/api/chats/{g['id']}/members/{alice.id}", headers=alice.headers)
    with app.app_context(), write_tx():
        open_order_chat(alice.id, carol.id, "Order #1")
    client.delete(f"/api/chats/{g['id']}", headers=bob.headers)
    sb.disconnect()

    names = {name for name, _ in emitted}
    assert names >= MESSENGER_EVENTS, MESSENGER_EVENTS - names
    # the group's history went out as message:new too, and is checked below like any message
    actions = {p["system"]["action"] for name, p in emitted if name == "message:new" and p["kind"] == "service"}
    assert actions >= {"created", "added", "promoted", "renamed", "removed", "left"}, actions
    for name, payload in emitted:
        assert name in SERVER_EVENTS, f"{name} is not declared in SERVER_EVENTS"
        model = SERVER_EVENTS[name].model_validate(payload)
        # no key the schema does not know, none it requires missing
        assert set(model.model_dump(exclude_unset=True)) == set(payload), name


def test_every_messenger_event_is_declared():
    assert set(SERVER_EVENTS) >= MESSENGER_EVENTS
