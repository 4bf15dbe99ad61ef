"""Group roles: every (actor role, target role, action) pair, as a user of the REST API sees it.

Admins manage plain members; only the owner demotes or removes an admin; nobody changes or removes the
owner (the owner may leave). An admin used to remove another admin by demoting them first.
"""

from __future__ import annotations

import pytest

from tests.chat_helpers import group

# (actor, target, action) -> HTTP status. "owner" acting on "owner" is the owner on themself.
EXPECTED = {
    ("owner", "owner", "demote"): 403,
    ("owner", "owner", "promote"): 403,
    ("owner", "owner", "remove"): 204,  # leaving
    ("owner", "admin", "demote"): 200,
    ("owner", "admin", "promote"): 200,
    ("owner", "admin", "remove"): 204,
    ("owner", "member", "demote"): 200,
    ("owner", "member", "promote"): 200,
    ("owner", "member", "remove"): 204,
    ("admin", "owner", "demote"): 403,
    ("admin", "owner", "promote"): 403,
    ("admin", "owner", "remove"): 403,
    ("admin", "admin", "demote"): 403,
    ("admin", "admin", "promote"): 200,
    ("admin", "admin", "remove"): 403,
    ("admin", "member", "demote"): 200,
    ("admin", "member", "promote"): 200,
    ("admin", "member", "remove"): 204,
    ("member", "owner", "demote"): 403,
    ("member", "owner", "promote"): 403,
    ("member", "owner", "remove"): 403,
    ("member", "admin", "demote"): 403,
    ("member", "admin", "promote"): 403,
    ("member", "admin", "remove"): 403,
    ("member", "member", "demote"): 403,
    ("member", "member", "promote"): 403,
    ("member", "member", "remove"): 403,
}


@pytest.mark.parametrize(("actor_role", "target_role", "action"), sorted(EXPECTED))
def test_role_pair(client, make_user, actor_role, target_role, action):
    owner, admin1, admin2, member1, member2 = (make_user() for _ in range(5))
    chat = group(client, owner, [admin1, admin2, member1, member2])
    cid = chat["id"]
    for a in (admin1, admin2):
        assert (
            client.patch(f"/api/chats/{cid}/members/{a.id}", headers=owner.headers, json={"role": "admin"}).status_code
            == 200
        )
    actor = {"owner": owner, "admin": admin1, "member": member1}[actor_role]
    target = {"owner": owner, "admin": admin2, "member": member2}[target_role]
    url = f"/api/chats/{cid}/members/{target.id}"
    if action == "remove":
        res = client.delete(url, headers=actor.headers)
    else:
        res = client.patch(url, headers=actor.headers, json={"role": "member" if action == "demote" else "admin"})
    expected = EXPECTED[(actor_role, target_role, action)]
    assert res.status_code == expected, res.get_json()
    if expected >= 400:
        assert res.get_json()["error"]["code"] == "forbidden"
    roles = (
        {
            m["user"]["id"]: m["role"]
            for m in client.get(f"/api/chats/{cid}", headers=owner.headers).get_json()["members"]
        }
        if not (actor_role == target_role == "owner" and action == "remove")
        else {}
    )
    if expected >= 400 and roles:
        assert roles[target.id] == target_role, "a refused change changed nothing"


def test_admin_cannot_remove_admin_by_demoting_first(client, make_user):
    owner, a1, a2 = make_user(), make_user(), make_user()
    cid = group(client, owner, [a1, a2])["id"]
    for a in (a1, a2):
        client.patch(f"/api/chats/{cid}/members/{a.id}", headers=owner.headers, json={"role": "admin"})
    assert (
        client.patch(f"/api/chats/{cid}/members/{a2.id}", headers=a1.headers, json={"role": "member"}).status_code
        == 403
    )
    assert client.delete(f"/api/chats/{cid}/members/{a2.id}", headers=a1.headers).status_code == 403
    members = {m["user"]["id"] for m in client.get(f"/api/chats/{cid}", headers=owner.headers).get_json()["members"]}
    assert a2.id in members
