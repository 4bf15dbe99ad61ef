"""The social access matrix: every social route and event that takes an id, tried by an outsider, a person
the author blocked and a non-member of a closed community: nothing seen, nothing changed, nothing heard."""

from __future__ import annotations

import io
import time

import pytest

from app.api.base import ROUTES
from tests.chat_helpers import events
from tests.social_helpers import community, join, png, post

SOCIAL_TAGS = {"social", "posts", "communities"}

# (method, rule) -> (body or None, which target fills the path). Every target here is hidden from
# the intruders: A's wall post (the blocked person), the closed community and its post (both).
ROUTE_CASES = {
    ("GET", "/api/posts/<int:post_id>"): None,
    ("PATCH", "/api/posts/<int:post_id>"): {"body": "pwned"},
    ("DELETE", "/api/posts/<int:post_id>"): None,
    ("POST", "/api/posts/<int:post_id>/like"): None,
    ("DELETE", "/api/posts/<int:post_id>/like"): None,
    ("GET", "/api/posts/<int:post_id>/comments"): None,
    ("POST", "/api/posts/<int:post_id>/comments"): {"body": "intrusion"},
    ("DELETE", "/api/comments/<int:comment_id>"): None,
    ("GET", "/api/communities/<int:community_id>/posts"): None,
    ("GET", "/api/communities/<int:community_id>/members"): None,
    ("PATCH", "/api/communities/<int:community_id>"): {"name": "pwned"},
    ("DELETE", "/api/communities/<int:community_id>"): None,
    ("PUT", "/api/communities/<int:community_id>/avatar"): "FILE",
    ("PATCH", "/api/communities/<int:community_id>/members/<int:user_id>"): {"role": "admin"},
    ("DELETE", "/api/communities/<int:community_id>/members/<int:user_id>"): None,
    ("POST", "/api/communities/<int:community_id>/chat"): None,
    ("POST", "/api/communities/<int:community_id>/leave"): None,
    ("POST", "/api/reports"): "REPORT",
}
# Routes with an id that an intruder may call, and what they get instead of the hidden content.
OPEN_ROUTES = {
    ("GET", "/api/communities/<int:community_id>"),  # name and description only: tested below
    ("POST", "/api/communities/<int:community_id>/join"),  # asking is how one gets in
    (
        "GET",
        "/api/users/<int:user_id>/posts",
    ),  # the blocked person's case is in test_blocked_person_is_refused_on_user_routes
    ("GET", "/api/users/<int:user_id>/photos"),  # test_blocked_person_is_refused_on_user_routes
    ("POST", "/api/friends/<int:user_id>"),  # test_blocked_person_is_refused_on_user_routes
    ("DELETE", "/api/friends/<int:user_id>"),  # nothing between them: 404
    ("POST", "/api/users/<int:user_id>/block"),  # blocking back is allowed
    ("DELETE", "/api/users/<int:user_id>/block"),  # 404: there is no block of theirs to lift
}


def test_matrix_covers_every_social_route_with_an_id(app):
    with_id = {
        (r.method, r.rule)
        for r in ROUTES
        if r.tag in SOCIAL_TAGS and ("<int:" in r.rule or (r.body is not None and "target_id" in r.body.model_fields))
    }
    assert with_id <= set(ROUTE_CASES) | OPEN_ROUTES, with_id - set(ROUTE_CASES) - OPEN_ROUTES


@pytest.fixture
def world(client, make_user, socket_client):
    owner, member, outsider, blocked = make_user(), make_user(), make_user(), make_user()
    client.post(f"/api/users/{blocked.id}/block", headers=owner.headers)
    club = community(client, owner, "Secret club", visibility="closed")
    join(client, member, club["id"])
    client.patch(f"/api/communities/{club['id']}/members/{member.id}", headers=owner.headers, json={"role": "member"})
    club_post = post(client, owner, "club only", community_id=club["id"])
    wall_post = post(client, owner, "not for blocked")
    comments = {}
    for p in (club_post, wall_post):
        res = client.post(f"/api/posts/{p['id']}/comments", headers=owner.headers, json={"body": "mine"})
        comments[p["id"]] = res.get_json()["id"]
    return {
        "owner": owner,
        "member": member,
        "outsider": outsider,
        "blocked": blocked,
        "club": club,
        "club_post": club_post,
        "wall_post": wall_post,
        "comments": comments,
    }


def _cases(w):
    """(intruder, post) pairs: both intruders for the club's post, the blocked one for the wall post."""
    return [(w["outsider"], w["club_post"]), (w["blocked"], w["club_post"]), (w["blocked"], w["wall_post"])]


def _call(client, method, rule, body, intruder, w, target_post):
    path = (
        rule.replace("<int:post_id>", str(target_post["id"]))
        .replace("<int:comment_id>", str(w["comments"][target_post["id"]]))
        .replace("<int:community_id>", str(w["club"]["id"]))
        .replace("<int:user_id>", str(w["member"].id))
    )
    if body == "FILE":
        data = {"file": (io.BytesIO(png()), "a.png")}
        return client.open(path, method=method, headers=intruder.headers, data=data, content_type="multipart/form-data")
    if body == "REPORT":
        body = {"target_type": "post", "target_id": target_post["id"], "reason": "spam"}
    return client.open(path, method=method, headers=intruder.headers, json=body)


@pytest.mark.parametrize(("method", "rule"), sorted(ROUTE_CASES))
def test_intruders_are_refused_and_change_nothing(client, world, method, rule, socket_client):
    w = world
    owner_sock = socket_client(w["owner"])
    for intruder, target in _cases(w):
        if "community_id" in rule and target is w["wall_post"]:
            continue
        res = _call(client, method, rule, ROUTE_CASES[(method, rule)], intruder, w, target)
        assert res.status_code in (403, 404), (method, rule, intruder.id, res.status_code, res.get_json())
        assert set(res.get_json()) == {"error"}
    for p in (w["club_post"], w["wall_post"]):
        got = client.get(f"/api/posts/{p['id']}", headers=w["owner"].headers).get_json()
        assert (got["body"], got["likes"], got["comments_count"]) == (p["body"], 0, 1)
    club = client.get(f"/api/communities/{w['club']['id']}", headers=w["owner"].headers).get_json()
    assert club["name"] == "Secret club" and club["members_count"] == 2 and club["avatar_url"] is None
    members = client.get(f"/api/communities/{w['club']['id']}/members", headers=w["owner"].headers).get_json()
    assert {(m["user"]["id"], m["role"]) for m in members["items"]} == {
        (w["owner"].id, "owner"),
        (w["member"].id, "member"),
    }
    assert [e for e in events(owner_sock) if e[0] != "presence"] == []


def test_outsiders_see_a_closed_community_by_name_only(client, world):
    w = world
    for who in (w["outsider"], w["blocked"]):
        got = client.get(f"/api/communities/{w['club']['id']}", headers=who.headers).get_json()
        assert got["name"] == "Secret club" and got["role"] is None and got["chat_id"] is None
        found = client.get("/api/communities?q=secret", headers=who.headers).get_json()["items"]
        assert [c["id"] for c in found] == [w["club"]["id"]]
        feed = client.get("/api/feed", headers=who.headers).get_json()["items"]
        assert w["club_post"]["id"] not in {p["id"] for p in feed}
    # a pending request does not open the door
    assert join(client, w["outsider"], w["club"]["id"]) == "pending"
    assert client.get(f"/api/communities/{w['club']['id']}/posts", headers=w["outsider"].headers).status_code == 403


def test_blocked_person_is_refused_on_user_routes(client, world):
    w = world
    blocked, owner = w["blocked"], w["owner"]
    assert client.get(f"/api/users/{owner.id}/posts", headers=blocked.headers).status_code == 403
    assert client.get(f"/api/users/{owner.id}/photos", headers=blocked.headers).status_code == 403
    assert client.post(f"/api/friends/{owner.id}", headers=blocked.headers).status_code == 403
    assert client.delete(f"/api/friends/{owner.id}", headers=blocked.headers).status_code == 404
    feed = client.get("/api/feed", headers=blocked.headers).get_json()["items"]
    assert feed == []


def test_intruders_hear_nothing_on_the_socket(client, world, socket_client):
    w = world
    socks = {who: socket_client(w[who]) for who in ("outsider", "blocked", "member")}
    for who in ("outsider", "blocked"):
        ack = socks[who].emit("posts:watch", {"post_ids": [w["club_post"]["id"], w["wall_post"]["id"]]}, callback=True)
        expected = [] if who == "blocked" else [w["wall_post"]["id"]]
        assert ack == {"ok": True, "post_ids": expected}, (who, ack)
    socks["member"].emit("posts:watch", {"post_ids": [w["club_post"]["id"]]}, callback=True)
    owner = w["owner"]
    new = post(client, owner, "more club news", community_id=w["club"]["id"])
    client.post(f"/api/posts/{w['club_post']['id']}/like", headers=owner.headers)
    client.post(f"/api/posts/{w['club_post']['id']}/comments", headers=owner.headers, json={"body": "psst"})
    client.patch(f"/api/posts/{w['wall_post']['id']}", headers=owner.headers, json={"body": "edited"})
    client.post(f"/api/posts/{w['wall_post']['id']}/comments", headers=owner.headers, json={"body": "hello"})
    client.delete(f"/api/posts/{w['club_post']['id']}", headers=owner.headers)
    heard = {who: [e for e in events(s) if e[0] != "presence"] for who, s in socks.items()}
    assert heard["blocked"] == []
    assert {name for name, _ in heard["outsider"]} <= {"post:updated", "comment:new"}  # the wall post only
    assert all(payload.get("post_id", payload.get("id")) == w["wall_post"]["id"] for _, payload in heard["outsider"])
    member_heard = {name for name, _ in heard["member"]}
    assert {"post:new", "post:updated", "comment:new", "post:deleted"} <= member_heard
    assert new["id"] in {p["id"] for n, p in heard["member"] if n == "post:new"}


def test_posts_watch_rejects_bad_payloads(client, make_user, socket_client):
    sock = socket_client(make_user())
    for payload in ({"post_ids": list(range(1, 102))}, {"post_ids": ["1"]}, {}, {"post_ids": [0]}):
        ack = sock.emit("posts:watch", payload, callback=True)
        assert ack["ok"] is False and ack["error"]["code"] == "validation_error", payload


def test_intruders_cannot_like_over_the_socket(client, world, socket_client):
    # post:like is the socket twin of POST/DELETE /api/posts/{id}/like: the same refusals, nothing counted.
    w = world
    owner_sock = socket_client(w["owner"])
    for intruder, target in _cases(w):
        sock = socket_client(intruder)
        for like in (True, False):
            ack = sock.emit("post:like", {"post_id": target["id"], "like": like}, callback=True)
            assert ack["ok"] is False and ack["error"]["code"] in ("forbidden", "not_found"), (intruder.id, ack)
    missing = socket_client(w["outsider"]).emit("post:like", {"post_id": 10**9}, callback=True)
    assert missing["ok"] is False and missing["error"]["code"] == "not_found", missing
    for p in (w["club_post"], w["wall_post"]):
        assert client.get(f"/api/posts/{p['id']}", headers=w["owner"].headers).get_json()["likes"] == 0
    assert [e for e in events(owner_sock) if e[0] != "presence"] == []


def test_a_like_over_the_socket_counts_once_and_reaches_the_watchers(client, world, socket_client):
    w = world
    member, post_id = socket_client(w["member"]), w["club_post"]["id"]
    owner_sock = socket_client(w["owner"])
    owner_sock.emit("posts:watch", {"post_ids": [post_id]}, callback=True)
    assert member.emit("post:like", {"post_id": post_id}, callback=True) == {"ok": True, "likes": 1, "liked": True}
    assert member.emit("post:like", {"post_id": post_id, "like": True}, callback=True)["likes"] == 1  # once
    got = client.get(f"/api/posts/{post_id}", headers=w["member"].headers).get_json()
    assert (got["likes"], got["liked"]) == (1, True)
    heard: list = []
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and not any(n == "post:updated" for n, _p in heard):
        heard += events(owner_sock)  # draining: keep what was heard
        time.sleep(0.05)
    assert any(n == "post:updated" and p["id"] == post_id and p["likes"] == 1 for n, p in heard), heard
    assert member.emit("post:like", {"post_id": post_id, "like": False}, callback=True) == {
        "ok": True,
        "likes": 0,
        "liked": False,
    }
    assert client.get(f"/api/posts/{post_id}", headers=w["member"].headers).get_json()["likes"] == 0


def test_post_like_rejects_bad_payloads_and_changes_nothing(client, world, socket_client):
    w = world
    sock = socket_client(w["member"])
    bad = ({}, {"post_id": "1"}, {"post_id": 0}, {"post_id": w["club_post"]["id"], "like": "yes"}, [1], "x", None)
    for payload in bad:
        ack = sock.emit("post:like", payload, callback=True)
        assert ack["ok"] is False and ack["error"]["code"] == "validation_error", payload
    assert client.get(f"/api/posts/{w['club_post']['id']}", headers=w["owner"].headers).get_json()["likes"] == 0
    assert sock.is_connected()
