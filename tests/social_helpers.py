"""Helpers shared by the social tests: friends, posts, communities built through the API."""

from __future__ import annotations

import io

from PIL import Image


def befriend(client, a, b) -> None:
    """Make a and b friends through the API (a asks, b accepts)."""
    assert client.post(f"/api/friends/{b.id}", headers=a.headers).status_code == 201
    res = client.post(f"/api/friends/{a.id}", headers=b.headers)
    assert res.status_code == 201 and res.get_json()["friendship"] == "friends", res.get_json()


def png(size=(64, 48), color=(200, 30, 30)) -> bytes:
    """A small PNG image."""
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def upload(client, user, data: bytes | None = None) -> dict:
    """Upload a post image; returns `{id, url, width, height}`."""
    res = client.post(
        "/api/posts/images",
        headers=user.headers,
        data={"file": (io.BytesIO(data or png()), "p.png")},
        content_type="multipart/form-data",
    )
    assert res.status_code == 201, res.get_json()
    return res.get_json()


def post(client, user, body="hello", **extra) -> dict:
    """Write a post through the API."""
    res = client.post("/api/posts", headers=user.headers, json={"body": body, **extra})
    assert res.status_code == 201, res.get_json()
    return res.get_json()


def community(client, owner, name="Garden club", visibility="open", **extra) -> dict:
    """Create a community through the API."""
    res = client.post("/api/communities", headers=owner.headers, json={"name": name, "visibility": visibility, **extra})
    assert res.status_code == 201, res.get_json()
    return res.get_json()


def join(client, user, community_id) -> str:
    """Join (or ask to join) a community; returns my role."""
    res = client.post(f"/api/communities/{community_id}/join", headers=user.headers)
    assert res.status_code == 200, res.get_json()
    return res.get_json()["role"]


def approve(client, admin, community_id, user_id) -> None:
    """An admin approves a join request."""
    res = client.patch(
        f"/api/communities/{community_id}/members/{user_id}", headers=admin.headers, json={"role": "member"}
    )
    assert res.status_code == 200, res.get_json()
