"""Communities: open and closed, join requests in the bell, roles, leaving, the linked group chat."""

from __future__ import annotations

import io

from tests.chat_helpers import events
from tests.conftest import assert_error
from tests.social_helpers import approve, community, join, png, post


def test_open_community_join_and_leave(client, make_user):
    owner, ann = make_user(), make_user()
    c = community(client, owner, "Chess lovers")
    assert c["role"] == "owner" and c["members_count"] == 1 and c["visibility"] == "open"
    assert join(client, ann, c["id"]) == "member"
    assert join(client, ann, c["id"]) == "member"  # again: nothing changes
    got = client.get(f"/api/communities/{c['id']}", headers=ann.headers).get_json()
    assert got["members_count"] == 2 and got["role"] == "member"
    mine = client.get("/api/communities?mine=1", headers=ann.headers).get_json()["items"]
    assert [x["id"] for x in mine] == [c["id"]]
    assert client.get("/api/communities?q=lovers chess", headers=ann.headers).get_json()["items"][0]["id"] == c["id"]
    assert client.post(f"/api/communities/{c['id']}/leave", headers=ann.headers).status_code == 204
    assert client.get("/api/communities?mine=1", headers=ann.headers).get_json()["items"] == []
    assert_error(client.post(f"/api/communities/{c['id']}/leave", headers=ann.headers), 404)


def test_closed_community_request_approved_in_the_bell(client, make_user, socket_client):
    owner, ann = make_user(), make_user()
    c = community(client, owner, "Inner circle", visibility="closed")
    p = post(client, owner, "members only", community_id=c["id"])
    owner_sock, ann_sock = socket_client(owner), socket_client(ann)
    assert join(client, ann, c["id"]) == "pending"
    notes = events(owner_sock, "notification")
    assert [(n["kind"], n["payload"]["user"]["id"]) for n in notes] == [("community:request", ann.id)]
    pending = client.get(f"/api/communities/{c['id']}/members?role=pending", headers=owner.headers).get_json()
    assert [m["user"]["id"] for m in pending["items"]] == [ann.id]
    assert_error(client.get(f"/api/communities/{c['id']}/posts", headers=ann.headers), 403)
    assert_error(client.get(f"/api/communities/{c['id']}/members?role=pending", headers=ann.headers), 403)
    approve(client, owner, c["id"], ann.id)
    assert [n["kind"] for n in events(ann_sock, "notification")] == ["community:approved"]
    wall = client.get(f"/api/communities/{c['id']}/posts", headers=ann.headers).get_json()["items"]
    assert [x["id"] for x in wall] == [p["id"]]
    feed = client.get("/api/feed", headers=ann.headers).get_json()["items"]
    assert p["id"] in [x["id"] for x in feed]


def test_roles_promote_remove_and_ownership(client, make_user):
    owner, ann, bob = make_user(), make_user(), make_user()
    c = community(client, owner)
    join(client, ann, c["id"])
    join(client, bob, c["id"])
    assert_error(
        client.patch(f"/api/communities/{c['id']}/members/{bob.id}", headers=ann.headers, json={"role": "admin"}), 403
    )
    res = client.patch(f"/api/communities/{c['id']}/members/{ann.id}", headers=owner.headers, json={"role": "admin"})
    assert res.get_json() == {"role": "admin"}
    # an admin edits and removes plain members, but not the owner
    assert client.patch(f"/api/communities/{c['id']}", headers=ann.headers, json={"name": "Renamed"}).status_code == 200
    assert_error(client.delete(f"/api/communities/{c['id']}/members/{owner.id}", headers=ann.headers), 403)
    assert client.delete(f"/api/communities/{c['id']}/members/{bob.id}", headers=ann.headers).status_code == 204
    assert_error(client.delete(f"/api/communities/{c['id']}", headers=ann.headers), 403)
    # the owner leaves: the admin becomes owner
    assert client.post(f"/api/communities/{c['id']}/leave", headers=owner.headers).status_code == 204
    got = client.get(f"/api/communities/{c['id']}", headers=ann.headers).get_json()
    assert got["role"] == "owner" and got["owner_id"] == ann.id and got["name"] == "Renamed"
    assert client.delete(f"/api/communities/{c['id']}", headers=ann.headers).status_code == 204
    assert_error(client.get(f"/api/communities/{c['id']}", headers=ann.headers), 404)


def test_avatar_and_bad_input(client, make_user):
    owner = make_user()
    c = community(client, owner)
    res = client.put(
        f"/api/communities/{c['id']}/avatar",
        headers=owner.headers,
        data={"file": (io.BytesIO(png()), "a.png")},
        content_type="multipart/form-data",
    )
    assert res.status_code == 200 and res.get_json()["avatar_url"].startswith("/media/avatars/")
    assert_error(client.post("/api/communities", headers=owner.headers, json={"name": ""}), 422)
    assert_error(
        client.post("/api/communities", headers=owner.headers, json={"name": "x", "visibility": "secret"}), 422
    )
    assert_error(client.get("/api/communities/999999", headers=owner.headers), 404)


def test_one_click_group_chat_follows_the_members(client, make_user, socket_client):
    owner, ann, bob = make_user(), make_user(), make_user()
    c = community(client, owner, "Book club")
    join(client, ann, c["id"])
    assert_error(client.post(f"/api/communities/{c['id']}/chat", headers=ann.headers), 403)
    res = client.post(f"/api/communities/{c['id']}/chat", headers=owner.headers)
    assert res.status_code == 200
    chat_id = res.get_json()["chat_id"]
    chat = client.get(f"/api/chats/{chat_id}", headers=ann.headers).get_json()
    assert chat["type"] == "group" and chat["name"] == "Book club"
    assert {m["user"]["id"] for m in chat["members"]} == {owner.id, ann.id}
    assert client.post(f"/api/communities/{c['id']}/chat", headers=owner.headers).get_json()["chat_id"] == chat_id
    assert client.get(f"/api/communities/{c['id']}", headers=ann.headers).get_json()["chat_id"] == chat_id
    join(client, bob, c["id"])  # joins the chat too
    members = client.get(f"/api/chats/{chat_id}", headers=bob.headers).get_json()["members"]
    assert {m["user"]["id"] for m in members} == {owner.id, ann.id, bob.id}
    client.post(f"/api/communities/{c['id']}/leave", headers=ann.headers)
    assert client.get(f"/api/chats/{chat_id}", headers=ann.headers).status_code == 403


def test_a_persons_communities_hide_the_closed_ones_from_outsiders(client, make_user):
    ann, bob, outsider = make_user(), make_user(), make_user()
    open_c = community(client, ann, "Open one")
    closed_c = community(client, ann, "Closed one", visibility="closed")
    join(client, bob, closed_c["id"])
    approve(client, ann, closed_c["id"], bob.id)

    def listed(who):
        return [
            c["id"] for c in client.get(f"/api/communities?user_id={ann.id}", headers=who.headers).get_json()["items"]
        ]

    assert listed(outsider) == [open_c["id"]]
    assert listed(bob) == [closed_c["id"], open_c["id"]]
    assert listed(ann) == [closed_c["id"], open_c["id"]]
