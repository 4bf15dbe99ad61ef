"""Access matrix: every route and event that takes a chat, message or attachment id refuses a non-member
and a removed member (403/404 or an error ack), changes nothing, and they hear nothing."""

import re

import pytest

from app.api.base import ROUTES
from tests.chat_helpers import events, group, send

# Bodies for every protected route; the test fails if a route taking such an id is missing here.
ROUTE_BODIES = {
    ("GET", "/api/chats/<int:chat_id>"): None,
    ("PATCH", "/api/chats/<int:chat_id>"): {"name": "pwned"},
    ("DELETE", "/api/chats/<int:chat_id>"): None,
    ("POST", "/api/chats/<int:chat_id>/members"): {"user_id": "OUTSIDER"},
    ("DELETE", "/api/chats/<int:chat_id>/members/<int:user_id>"): None,
    ("PATCH", "/api/chats/<int:chat_id>/members/<int:user_id>"): {"role": "admin"},
    ("POST", "/api/chats/<int:chat_id>/read"): {"seq": 1},
    ("POST", "/api/messages"): {"chat_id": "CHAT", "body": "intrusion", "client_id": "x"},
    ("GET", "/api/messages/<int:chat_id>"): None,
    ("PATCH", "/api/messages/<int:message_id>"): {"body": "pwned"},
    ("DELETE", "/api/messages/<int:message_id>"): None,
    ("GET", "/api/attachments/<int:attachment_id>"): None,
}

EVENT_PAYLOADS = {
    "message:send": {"chat_id": "CHAT", "body": "intrusion", "client_id": "x"},
    "message:edit": {"message_id": "MESSAGE", "body": "pwned"},
    "message:delete": {"message_id": "MESSAGE"},
    "chat:sync": {"chat_id": "CHAT", "after_seq": 0},
    "chat:read": {"chat_id": "CHAT", "seq": 1},
    "typing": {"chat_id": "CHAT", "typing": True},
}

ID_PARAM = re.compile(r"<int:(chat_id|message_id|attachment_id)>")


def protected_routes():
    """Every registered route whose path or body carries a chat, message or attachment id."""
    found = {(r.method, r.rule) for r in ROUTES if ID_PARAM.search(r.rule)}
    found |= {(r.method, r.rule) for r in ROUTES if r.body is not None and "chat_id" in r.body.model_fields}
    return found


def test_matrix_covers_every_protected_route(app):
    assert protected_routes() <= set(ROUTE_BODIES), protected_routes() - set(ROUTE_BODIES)


@pytest.fixture
def world(client, make_user, socket_client, tmp_path):
    alice, bob, removed, outsider = make_user(), make_user(), make_user(), make_user()
    g = group(client, alice, [bob, removed])
    m = send(client, alice, g["id"], "private")
    res = client.post(
        "/api/attachments",
        headers=alice.headers,
        data={"file": (open_png(tmp_path), "p.png")},
        content_type="multipart/form-data",
    )
    attachment = res.get_json() if res.status_code == 201 else None
    if attachment:
        send(client, alice, g["id"], "pic", attachment_id=attachment["id"])
    assert client.delete(f"/api/chats/{g['id']}/members/{removed.id}", headers=alice.headers).status_code == 204
    ids = {
        "chat_id": g["id"],
        "message_id": m["id"],
        "user_id": bob.id,
        "attachment_id": attachment["id"] if attachment else 1,
    }
    members = [socket_client(alice), socket_client(bob)]
    return {"alice": alice, "bob": bob, "removed": removed, "outsider": outsider, "ids": ids, "members": members}


def open_png(tmp_path):
    from PIL import Image

    path = tmp_path / "p.png"
    Image.new("RGB", (4, 4), "red").save(path)
    return path.open("rb")


def fill(value, ids, outsider_id):
    if isinstance(value, dict):
        return {k: fill(v, ids, outsider_id) for k, v in value.items()}
    return {"CHAT": ids["chat_id"], "MESSAGE": ids["message_id"], "OUTSIDER": outsider_id}.get(value, value)


def snapshot(client, world):
    alice, cid = world["alice"], world["ids"]["chat_id"]
    chat = client.get(f"/api/chats/{cid}", headers=alice.headers).get_json()
    history = client.get(f"/api/messages/{cid}", headers=alice.headers).get_json()
    return chat, history


@pytest.mark.parametrize("who", ["outsider", "removed"])
@pytest.mark.parametrize("route", sorted(ROUTE_BODIES))
def test_route_refuses_non_members(client, world, socket_client, who, route):
    method, rule = route
    intruder = world[who]
    spy = socket_client(intruder)
    for sock in world["members"]:
        events(sock)
    before = snapshot(client, world)
    url = ID_PARAM.sub(lambda m: str(world["ids"][m.group(1)]), rule).replace(
        "<int:user_id>", str(world["ids"]["user_id"])
    )
    body = fill(ROUTE_BODIES[route], world["ids"], world["outsider"].id)
    res = client.open(url, method=method, headers=intruder.headers, json=body)
    assert res.status_code in (403, 404), (route, res.status_code, res.get_json())
    error = res.get_json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == {403: "forbidden", 404: "not_found"}[res.status_code]
    assert snapshot(client, world) == before
    assert [n for n, _ in events(spy) if n != "presence"] == []
    for sock in world["members"]:
        assert [n for n, _ in events(sock) if n != "presence"] == []


@pytest.mark.parametrize("who", ["outsider", "removed"])
@pytest.mark.parametrize("event", sorted(EVENT_PAYLOADS))
def test_event_refuses_non_members(client, world, socket_client, who, event):
    intruder = world[who]
    spy = socket_client(intruder)
    for sock in world["members"]:
        events(sock)
    before = snapshot(client, world)
    ack = spy.emit(event, fill(EVENT_PAYLOADS[event], world["ids"], world["outsider"].id), callback=True)
    assert ack["ok"] is False and ack["error"]["code"] in ("forbidden", "not_found"), ack
    assert snapshot(client, world) == before
    assert spy.is_connected()
    assert [n for n, _ in events(spy) if n != "presence"] == []
    for sock in world["members"]:
        assert [n for n, _ in events(sock) if n != "presence"] == []
