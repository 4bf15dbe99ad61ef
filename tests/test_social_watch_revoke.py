"""Access taken away ends the watch at once: after a block, a leave, a removal or a community turning
closed, the socket that was watching a post hears nothing more from it (not even until its next
`posts:watch`), while the people who may still see it keep hearing it, and the socket's other
watches go on."""

from __future__ import annotations

from app.redis_client import CALL_ROOM, QueueManager
from tests.chat_helpers import events
from tests.social_helpers import approve, community, join, post


def _heard(sock) -> list:
    return [e for e in events(sock) if e[0] != "presence" and e[0] != "friendship"]


def _watch(sock, *post_ids) -> None:
    ack = sock.emit("posts:watch", {"post_ids": list(post_ids)}, callback=True)
    assert ack == {"ok": True, "post_ids": sorted(post_ids)}, ack


def _stir(client, author, post_id) -> None:
    """The author edits the post and comments on it: events every watcher hears at once."""
    assert client.patch(f"/api/posts/{post_id}", headers=author.headers, json={"body": "edited"}).status_code == 200
    res = client.post(f"/api/posts/{post_id}/comments", headers=author.headers, json={"body": "more"})
    assert res.status_code == 201


def _post_ids(heard) -> set[int]:
    return {payload.get("post_id", payload.get("id")) for _, payload in heard}


def test_blocked_person_stops_hearing_the_blockers_posts(client, make_user, socket_client):
    ann, bob, cid, dan = make_user(), make_user(), make_user(), make_user()
    ann_post, dan_post = post(client, ann, "ann's wall"), post(client, dan, "dan's wall")
    bob_sock, cid_sock = socket_client(bob), socket_client(cid)
    _watch(bob_sock, ann_post["id"], dan_post["id"])
    _watch(cid_sock, ann_post["id"])
    _stir(client, ann, ann_post["id"])
    assert _post_ids(_heard(bob_sock)) == {ann_post["id"]}  # bob heard ann's post before the block
    events(cid_sock)

    assert client.post(f"/api/users/{bob.id}/block", headers=ann.headers).status_code in (200, 201, 204)
    _stir(client, ann, ann_post["id"])
    client.post(f"/api/posts/{ann_post['id']}/like", headers=cid.headers)
    _stir(client, dan, dan_post["id"])

    bob_heard = _heard(bob_sock)
    assert ann_post["id"] not in _post_ids(bob_heard), bob_heard
    assert {name for name, _ in bob_heard} >= {"post:updated", "comment:new"}  # dan's post: still watched
    assert _post_ids(bob_heard) == {dan_post["id"]}
    assert {"post:updated", "comment:new"} <= {name for name, _ in _heard(cid_sock)}  # the others still hear
    assert client.delete(f"/api/posts/{ann_post['id']}", headers=ann.headers).status_code == 204
    assert _heard(bob_sock) == []


def _closed_club(client, make_user):
    owner, member, other = make_user(), make_user(), make_user()
    club = community(client, owner, "Quiet club", visibility="closed")
    for who in (member, other):
        assert join(client, who, club["id"]) == "pending"
        approve(client, owner, club["id"], who.id)
    return owner, member, other, club, post(client, owner, "members only", community_id=club["id"])


def test_leaving_a_closed_community_ends_its_posts_on_the_socket(client, make_user, socket_client):
    owner, member, other, club, club_post = _closed_club(client, make_user)
    member_sock, other_sock = socket_client(member), socket_client(other)
    _watch(member_sock, club_post["id"])
    _watch(other_sock, club_post["id"])
    assert client.post(f"/api/communities/{club['id']}/leave", headers=member.headers).status_code in (200, 204)
    _stir(client, owner, club_post["id"])
    assert _heard(member_sock) == []
    assert {"post:updated", "comment:new"} <= {name for name, _ in _heard(other_sock)}


def test_a_removed_member_stops_hearing_the_closed_communitys_posts(client, make_user, socket_client):
    owner, member, other, club, club_post = _closed_club(client, make_user)
    member_sock, other_sock = socket_client(member), socket_client(other)
    _watch(member_sock, club_post["id"])
    _watch(other_sock, club_post["id"])
    res = client.delete(f"/api/communities/{club['id']}/members/{member.id}", headers=owner.headers)
    assert res.status_code in (200, 204)
    _stir(client, owner, club_post["id"])
    client.post(f"/api/posts/{club_post['id']}/like", headers=other.headers)
    assert client.delete(f"/api/posts/{club_post['id']}", headers=owner.headers).status_code == 204
    assert _heard(member_sock) == []
    assert {"post:updated", "comment:new", "post:deleted"} <= {name for name, _ in _heard(other_sock)}


def test_a_community_turning_closed_ends_outsiders_watches(client, make_user, socket_client):
    owner, member, outsider = make_user(), make_user(), make_user()
    club = community(client, owner, "Was open", visibility="open")
    assert join(client, member, club["id"]) == "member"
    club_post = post(client, owner, "soon private", community_id=club["id"])
    outsider_sock, member_sock = socket_client(outsider), socket_client(member)
    _watch(outsider_sock, club_post["id"])
    _watch(member_sock, club_post["id"])
    res = client.patch(f"/api/communities/{club['id']}", headers=owner.headers, json={"visibility": "closed"})
    assert res.status_code == 200
    _stir(client, owner, club_post["id"])
    assert _heard(outsider_sock) == []
    assert {"post:updated", "comment:new"} <= {name for name, _ in _heard(member_sock)}


def test_call_everywhere_rides_the_queue_and_runs_on_the_receiving_worker():
    """What another worker does with the message a block publishes (the same JSON through Redis)."""
    sender = QueueManager("redis://127.0.0.1:6379/0", channel="test-call")
    sender.host_id = "worker-a"
    ran: list = []
    sender.on_call = lambda name, data: ran.append(("a", name, data))
    sender.call_everywhere("social:rewatch", {"user_ids": [7]})
    assert ran == [("a", "social:rewatch", {"user_ids": [7]})]  # here, at once
    (_at, message), *_ = sender._outbox
    receiver = QueueManager("redis://127.0.0.1:6379/0", channel="test-call")
    receiver.on_call = lambda name, data: ran.append(("b", name, data))
    receiver._handle_close_room(sender.json.loads(sender.json.dumps(message)))
    assert ran[-1] == ("b", "social:rewatch", {"user_ids": [7]})
    assert message["room"] == CALL_ROOM and message["method"] == "close_room"
