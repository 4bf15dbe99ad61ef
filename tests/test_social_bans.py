"""What a moderator's ban hides from other people (issue 14): the banned person leaves friends lists,
friend requests, community member lists and counts, the directory and search, the feed and the masters'
catalogue, and their profile is not found, until the ban is lifted; the admin page still lists them."""

from __future__ import annotations

from tests.conftest import assert_error
from tests.social_helpers import befriend, community, join, post
from tests.test_admin import admin  # noqa: F401  (the site-admin fixture)


def _ban(client, admin, user):  # noqa: F811
    res = client.post(f"/api/admin/users/{user.id}/ban", headers=admin.headers, json={"reason": "spam"})
    assert res.status_code == 200, res.get_json()


def _unban(client, admin, user):  # noqa: F811
    assert client.post(f"/api/admin/users/{user.id}/unban", headers=admin.headers).status_code == 200


def _ids(res, key=None):
    assert res.status_code == 200, res.get_json()
    return [(i[key] if key else i)["id"] for i in res.get_json()["items"]]


def test_a_banned_friend_leaves_friends_lists_counts_and_requests_until_unbanned(client, admin, make_user):  # noqa: F811
    reader, troll, carol, newbie = make_user(), make_user("troll_f"), make_user(), make_user()
    befriend(client, reader, troll)
    befriend(client, reader, carol)
    befriend(client, carol, troll)
    assert client.post(f"/api/friends/{newbie.id}", headers=troll.headers).status_code == 201

    def friends(user, of=None):
        return _ids(client.get("/api/friends", headers=user.headers, query_string={"user_id": of or user.id}))

    def incoming(user):
        return _ids(client.get("/api/friends/requests", headers=user.headers), "user")

    def profile(viewer, user):
        return client.get(f"/api/users/{user.id}", headers=viewer.headers)

    assert set(friends(reader)) == {troll.id, carol.id} and incoming(newbie) == [troll.id]
    assert profile(reader, carol).get_json()["mutual_friends"] == 1

    _ban(client, admin, troll)
    assert friends(reader) == [carol.id]
    assert friends(reader, of=carol.id) == [reader.id]  # someone else's friends list too
    assert profile(reader, reader).get_json()["friends_count"] == 1
    assert profile(reader, carol).get_json()["mutual_friends"] == 0  # troll was the friend they shared
    assert incoming(newbie) == []
    # Their profile and their friends are not found; nor can their request be accepted from the bell.
    assert_error(profile(reader, troll), 404)
    assert_error(client.get("/api/friends", headers=reader.headers, query_string={"user_id": troll.id}), 404)
    assert_error(client.post(f"/api/friends/{troll.id}", headers=newbie.headers), 404)
    # The admin page still lists them, and a site admin still opens their profile.
    listed = client.get("/api/admin/users", headers=admin.headers, query_string={"q": "troll_f"}).get_json()
    assert [(u["id"], u["banned"]) for u in listed["items"]] == [(troll.id, True)]
    assert profile(admin, troll).status_code == 200

    _unban(client, admin, troll)
    assert set(friends(reader)) == {troll.id, carol.id} and incoming(newbie) == [troll.id]
    assert profile(reader, troll).status_code == 200
    assert profile(reader, carol).get_json()["mutual_friends"] == 1


def test_a_banned_member_leaves_the_member_list_the_count_and_the_join_requests(client, admin, make_user):  # noqa: F811
    owner, troll, member = make_user(), make_user(), make_user()
    club = community(client, owner, "Open club")
    closed = community(client, owner, "Closed club", visibility="closed")
    join(client, troll, club["id"])
    join(client, member, club["id"])
    assert join(client, troll, closed["id"]) == "pending"

    def members(viewer, community_id, **query):
        res = client.get(f"/api/communities/{community_id}/members", headers=viewer.headers, query_string=query)
        return _ids(res, "user")

    def count(viewer):
        return client.get(f"/api/communities/{club['id']}", headers=viewer.headers).get_json()["members_count"]

    assert set(members(member, club["id"])) == {owner.id, troll.id, member.id} and count(member) == 3
    _ban(client, admin, troll)
    assert set(members(member, club["id"])) == {owner.id, member.id} and count(member) == 2
    assert members(owner, closed["id"], role="pending") == []
    listed = client.get("/api/communities", headers=member.headers, query_string={"q": "Open club"}).get_json()
    assert [c["members_count"] for c in listed["items"]] == [2]

    _unban(client, admin, troll)
    assert troll.id in members(member, club["id"]) and count(member) == 3
    assert members(owner, closed["id"], role="pending") == [troll.id]


def test_a_banned_person_leaves_the_directory_search_feed_and_catalogue(client, admin, make_user):  # noqa: F811
    reader, troll = make_user(), make_user("troll_d")
    befriend(client, reader, troll)
    assert client.post("/api/masters", headers=troll.headers, json={"category_ids": [2]}).status_code == 201
    their_post = post(client, troll, "buy my stuff")

    def everywhere() -> dict[str, bool]:
        directory = _ids(client.get("/api/users", headers=reader.headers, query_string={"limit": 100}))
        found = client.get("/api/search", headers=reader.headers, query_string={"q": "troll_d"}).get_json()
        feed = _ids(client.get("/api/feed", headers=reader.headers))
        masters = client.get("/api/masters", headers=reader.headers).get_json()["items"]
        return {
            "directory": troll.id in directory,
            "search": troll.id in [u["id"] for u in found["users"]],
            "feed": their_post["id"] in feed,
            "catalogue": troll.id in [m["user"]["id"] for m in masters],
        }

    assert all(everywhere().values()), everywhere()
    _ban(client, admin, troll)
    assert not any(everywhere().values()), everywhere()
    listed = client.get("/api/admin/users", headers=admin.headers).get_json()["items"]
    assert troll.id in [u["id"] for u in listed]
    _unban(client, admin, troll)
    assert all(everywhere().values()), everywhere()
