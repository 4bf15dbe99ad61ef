"""Races: two people asking each other at once end as friends once; concurrent likes are counted exactly."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from tests.social_helpers import post


def _race(app, calls):
    """Run each (method, path, headers) at once, each from its own thread and client; return the responses."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, method, path, headers):
        client = app.test_client()
        barrier.wait()
        res = client.open(path, method=method, headers=headers)
        results[i] = (res.status_code, res.get_json())

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_mutual_asks_at_once_end_as_friends_once(app, client, make_user, socket_client):
    for _round in range(5):
        ann, bob = make_user(), make_user()
        results = _race(
            app, [("POST", f"/api/friends/{bob.id}", ann.headers), ("POST", f"/api/friends/{ann.id}", bob.headers)]
        )
        assert sorted(r[0] for r in results) == [201, 201], results
        assert sorted(r[1]["friendship"] for r in results) == ["friends", "outgoing"], results
        for me, other in ((ann, bob), (bob, ann)):
            assert [f["id"] for f in client.get("/api/friends", headers=me.headers).get_json()["items"]] == [other.id]
            assert client.get(f"/api/users/{other.id}", headers=me.headers).get_json()["friends_count"] == 1
        with app.app_context():
            from app.extensions import db
            from app.models.social import Friendship

            rows = db.session.execute(select(Friendship.status).where(Friendship.user_low == min(ann.id, bob.id))).all()
            assert [r[0] for r in rows] == ["friends"]


def test_concurrent_likes_are_counted_exactly(app, client, make_user):
    app.config["RATE_LIMITS"] = False
    author = make_user()
    likers = [make_user() for _ in range(24)]
    p = post(client, author)
    calls = [("POST", f"/api/posts/{p['id']}/like", u.headers) for u in likers]
    calls += [("POST", f"/api/posts/{p['id']}/like", u.headers) for u in likers[:8]]  # double clicks
    results = _race(app, calls)
    assert all(status == 200 for status, _ in results), results
    got = client.get(f"/api/posts/{p['id']}", headers=author.headers).get_json()
    assert got["likes"] == len(likers)
    # and back down, some unlikes racing each other
    calls = [("DELETE", f"/api/posts/{p['id']}/like", u.headers) for u in likers[:12] + likers[:4]]
    _race(app, calls)
    with app.app_context():
        from app.extensions import db
        from app.models.social import Post, PostLike

        stored = db.session.scalar(select(func.count()).select_from(PostLike).where(PostLike.post_id == p["id"]))
        assert db.session.get(Post, p["id"]).likes_count == stored == len(likers) - 12


def test_concurrent_comments_keep_the_counter_exact(app, client, make_user):
    app.config["RATE_LIMITS"] = False
    author = make_user()
    people = [make_user() for _ in range(12)]
    p = post(client, author)
    barrier = threading.Barrier(len(people))

    def run(user):
        c = app.test_client()
        barrier.wait()
        assert c.post(f"/api/posts/{p['id']}/comments", headers=user.headers, json={"body": "hi"}).status_code == 201

    threads = [threading.Thread(target=run, args=(u,)) for u in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert client.get(f"/api/posts/{p['id']}", headers=author.headers).get_json()["comments_count"] == len(people)


def test_a_group_of_likes_shares_one_commit_and_each_gets_its_own_answer(app, client, make_user, monkeypatch):
    """Five likes at once (two posts, one refused): one transaction, the refusal costs the others nothing."""
    from app.services import posts as svc
    from tests.group_commit_helpers import gathering_committer

    app.config["RATE_LIMITS"] = False
    ann, bob, cid, dan, eve = (make_user() for _ in range(5))
    first, second = post(client, ann, "first"), post(client, bob, "second")
    assert client.post(f"/api/users/{eve.id}/block", headers=bob.headers).status_code == 204
    committer = gathering_committer(monkeypatch, svc, "_like_commit", svc.commit_likes, "like", jobs=5)
    calls = [
        ("POST", f"/api/posts/{first['id']}/like", bob.headers),
        ("POST", f"/api/posts/{first['id']}/like", cid.headers),
        ("POST", f"/api/posts/{first['id']}/like", dan.headers),
        ("POST", f"/api/posts/{second['id']}/like", cid.headers),
        ("POST", f"/api/posts/{second['id']}/like", eve.headers),  # blocked by bob: refused
    ]
    results = _race(app, calls)
    assert (committer.groups, committer.jobs) == (1, 5)
    assert results[:4] == [(200, {"likes": 3, "liked": True})] * 3 + [(200, {"likes": 1, "liked": True})]
    assert results[4][0] == 403 and results[4][1]["error"]["details"]["reason"] == "blocked"
    assert client.get(f"/api/posts/{first['id']}", headers=ann.headers).get_json()["likes"] == 3
    assert client.get(f"/api/posts/{second['id']}", headers=bob.headers).get_json()["likes"] == 1


def test_more_likes_at_once_than_database_connections(app, make_user):
    """A storm wider than the connection pool: the likers waiting for a group hold no connection."""
    app.config["RATE_LIMITS"] = False
    from app.extensions import db

    with app.app_context():
        pool = db.engine.pool.size() + db.engine.pool._max_overflow  # connections the pool may open
    author = make_user()
    likers = [make_user() for _ in range(pool + 10)]
    client = app.test_client()
    p = post(client, author)
    results = _race(app, [("POST", f"/api/posts/{p['id']}/like", u.headers) for u in likers])
    assert [status for status, _ in results] == [200] * len(likers)
    assert client.get(f"/api/posts/{p['id']}", headers=author.headers).get_json()["likes"] == len(likers)
