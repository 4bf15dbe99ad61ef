"""The home feed: my posts, my friends' and my communities', newest first, paged by cursor, nothing else."""

from __future__ import annotations

import pytest

from app.services import feed
from tests.conftest import assert_error
from tests.social_helpers import befriend, community, join, post


@pytest.fixture(params=[1024, 2], ids=["window1024", "window2"])
def window(request, monkeypatch):
    """Run each feed test with the real first window and with a tiny one (many growing windows)."""
    monkeypatch.setattr(feed, "FIRST_WINDOW", request.param)
    return request.param


def test_feed_holds_mine_friends_and_communities_newest_first(client, make_user, window):
    me, friend, stranger, blocked_author = make_user(), make_user(), make_user(), make_user()
    befriend(client, me, friend)
    club = community(client, stranger, "Open club")
    join(client, me, club["id"])
    join(client, blocked_author, club["id"])
    secret = community(client, friend, "Friend's closed club", visibility="closed")
    expected = []
    expected.append(post(client, me, "mine 1")["id"])
    post(client, stranger, "stranger's wall")
    expected.append(post(client, friend, "friend 1")["id"])
    expected.append(post(client, stranger, "club post", community_id=club["id"])["id"])
    post(client, friend, "closed club post", community_id=secret["id"])
    post(client, blocked_author, "blocked in club", community_id=club["id"])
    for i in range(5):
        post(client, stranger, f"noise {i}")
    expected.append(post(client, friend, "friend 2")["id"])
    client.post(f"/api/users/{blocked_author.id}/block", headers=me.headers)
    seen, cursor = [], None
    while True:
        url = "/api/feed?limit=2" + (f"&before={cursor}" if cursor else "")
        page = client.get(url, headers=me.headers).get_json()
        assert len(page["items"]) <= 2
        seen += [p["id"] for p in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == sorted(expected, reverse=True)


def test_feed_follows_unfriending_and_leaving(client, make_user, window):
    me, friend = make_user(), make_user()
    befriend(client, me, friend)
    p = post(client, friend, "hi")
    assert [x["id"] for x in client.get("/api/feed", headers=me.headers).get_json()["items"]] == [p["id"]]
    client.delete(f"/api/friends/{friend.id}", headers=me.headers)
    assert client.get("/api/feed", headers=me.headers).get_json() == {"items": [], "next": None}


def test_feed_items_carry_my_like(client, make_user, window):
    me, friend = make_user(), make_user()
    befriend(client, me, friend)
    p = post(client, friend)
    client.post(f"/api/posts/{p['id']}/like", headers=me.headers)
    item = client.get("/api/feed", headers=me.headers).get_json()["items"][0]
    assert item["liked"] is True and item["likes"] == 1


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "before=-1", "before=abc"])
def test_feed_bad_query(client, make_user, query):
    assert_error(client.get(f"/api/feed?{query}", headers=make_user().headers), 422)


def test_feed_needs_a_token(client):
    assert_error(client.get("/api/feed"), 401)
