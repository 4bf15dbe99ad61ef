"""Online status is shown only to those who may see it: the user and their chat partners (friends: issue 14).

Before, anyone could read anyone's `online` through GET /api/users/{id}, while `presence` events went
only to chat partners. Now REST follows the same rule (app.permissions.presence_visible_to): `online`
is null for everyone else.
"""

from __future__ import annotations

from tests.chat_helpers import direct, group


def _profile(client, viewer, user):
    return client.get(f"/api/users/{user.id}", headers=viewer.headers).get_json()


def test_stranger_cannot_see_online_status(client, make_user, socket_client):
    ann, stranger = make_user(), make_user()
    socket_client(ann)
    assert _profile(client, stranger, ann)["online"] is None
    listed = client.get(f"/api/users?q={ann.username}", headers=stranger.headers).get_json()["items"]
    assert [u["online"] for u in listed if u["id"] == ann.id] == [None]


def test_chat_partners_and_the_user_see_it(client, make_user, socket_client):
    ann, bob, carol, dan = make_user(), make_user(), make_user(), make_user()
    direct(client, ann, bob)
    group(client, carol, [ann])
    sock = socket_client(ann)
    assert _profile(client, bob, ann)["online"] is True
    assert _profile(client, carol, ann)["online"] is True
    assert client.get("/api/users/me", headers=ann.headers).get_json()["online"] is True
    assert _profile(client, dan, ann)["online"] is None
    sock.disconnect()
    assert _profile(client, bob, ann)["online"] is False
    users = client.get("/api/users", headers=bob.headers).get_json()["items"]
    shown = {u["id"]: u["online"] for u in users}
    assert shown[ann.id] is False and shown[bob.id] is False and shown[carol.id] is None and shown[dan.id] is None
