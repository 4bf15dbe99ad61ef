"""Helpers shared by the messenger tests: build chats and messages through the API, read socket events."""

from __future__ import annotations

import itertools

_cid = itertools.count(1)


def group(client, owner, members=(), name="Team") -> dict:
    """Create a group owned by `owner` with `members` through the API."""
    res = client.post(
        "/api/chats", headers=owner.headers, json={"type": "group", "name": name, "member_ids": [m.id for m in members]}
    )
    assert res.status_code == 201, res.get_json()
    return res.get_json()


def direct(client, a, b) -> dict:
    """Open the direct chat of a and b."""
    res = client.post("/api/chats", headers=a.headers, json={"type": "direct", "user_id": b.id})
    assert res.status_code in (200, 201), res.get_json()
    return res.get_json()


def send(client, user, chat_id, body="hello", **extra) -> dict:
    """Send a message over REST."""
    res = client.post(
        "/api/messages",
        headers=user.headers,
        json={"chat_id": chat_id, "body": body, "client_id": f"c{next(_cid)}", **extra},
    )
    assert res.status_code == 201, res.get_json()
    return res.get_json()


def events(sock, name=None) -> list:
    """Drain a test socket's received events; (name, payload) pairs, or payloads of `name`."""
    got = [(e["name"], e["args"][0] if e["args"] else None) for e in sock.get_received()]
    if name is None:
        return got
    return [payload for n, payload in got if n == name]
