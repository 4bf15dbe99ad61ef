"""Time the home feed on a seeded social graph, and run a like storm, in-process (server time only).

export DATABASE_URL=sqlite:////tmp/social.db ASYNC_MODE=threading FLASK_APP=wsgi:app
.venv/bin/flask db upgrade && .venv/bin/flask seed-social --seed 1 --out /tmp/social.json
.venv/bin/python -m bench.social --summary /tmp/social.json [--runs 200] [--explain] [--likes 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import threading
import time
from typing import Any

from sqlalchemy import func, select


def _timed(fn):
    """(wall ms, this thread's CPU ms) of one call: CPU time shows the cost on a machine shared with others."""
    w, c = time.perf_counter(), time.thread_time()
    result = fn()
    return result, (time.perf_counter() - w) * 1000, (time.thread_time() - c) * 1000


def _stats(samples: list[float]) -> str:
    ordered = sorted(samples)
    p = lambda q: ordered[min(len(ordered) - 1, int(len(ordered) * q))]  # noqa: E731
    return f"| {statistics.median(ordered):.1f} | {p(0.95):.1f} | {p(0.99):.1f} | {ordered[-1]:.1f} | {len(ordered)} |"


def _tokens(user_ids: list[int]) -> dict[int, str]:
    """A fresh login session and access token per user (inserted in one go)."""
    from app.db import write_tx
    from app.models import AuthSession
    from app.security import make_access_token

    tag = f"bench-social-{time.time_ns()}"
    with write_tx() as session:
        session.execute(AuthSession.__table__.insert(), [{"user_id": uid, "user_agent": tag} for uid in user_ids])
        rows = session.execute(select(AuthSession.user_id, AuthSession.id).where(AuthSession.user_agent == tag)).all()
    return {uid: make_access_token(uid, sid) for uid, sid in rows}


def _explain(reader: int) -> None:
    from app.extensions import db
    from app.models.social import Post
    from app.services import feed

    top = db.session.scalar(select(func.max(Post.id)))
    authors, communities, blocked = feed.sources(reader)
    stmt = feed.window_query(authors, communities, blocked, top + 1 - feed.FIRST_WINDOW, top + 1, 21)
    dialect = db.engine.dialect
    sql = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    prefix = "EXPLAIN QUERY PLAN " if dialect.name == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
    print(
        f"\nplan of one window (ids {top + 1 - feed.FIRST_WINDOW}..{top}), "
        f"{len(authors)} authors, {len(communities)} communities:"
    )
    print("```")
    for row in db.session.connection().exec_driver_sql(prefix + sql).all():
        print(" ".join(str(c) for c in row))
    print("```")


def main() -> None:
    """Print a markdown table of the feed's first and next pages, optionally plans and a like storm."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--summary", required=True, help="The JSON written by `flask seed-social --out`.")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--likes", type=int, default=0, help="Like storm: this many likers on one post.")
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    summary = json.load(open(args.summary))  # noqa: SIM115
    reader = summary["bench_user_id"]

    from app import create_app
    from app.extensions import db
    from app.services.friends import friends_count

    app = create_app("development")
    app.config["RATE_LIMITS"] = False
    client = app.test_client()
    with app.app_context():
        token = _tokens([reader])[reader]
        friends = friends_count(reader)
        engine = db.engine.dialect.name
    headers = {"Authorization": f"Bearer {token}"}
    print(f"database: {engine}; reader {reader}: {friends} friends, {summary['bench_communities']} communities")

    first: list[float] = []
    nxt: list[float] = []
    deep: list[float] = []
    cpu: dict[str, list[float]] = {"first": [], "next": [], "deep": []}
    cursors: list[int] = []
    for _ in range(5):  # warm up
        client.get(f"/api/feed?limit={args.limit}", headers=headers)
    for run in range(args.runs):
        res, wall, used = _timed(lambda: client.get(f"/api/feed?limit={args.limit}", headers=headers))
        first.append(wall)
        cpu["first"].append(used)
        page = res.get_json()
        assert res.status_code == 200 and len(page["items"]) == args.limit, page
        cursor = page["next"]
        for _page in range(4):  # pages 2..5
            url = f"/api/feed?limit={args.limit}&before={cursor}"
            res, wall, used = _timed(lambda url=url: client.get(url, headers=headers))
            page = res.get_json()
            nxt.append(wall)
            cpu["next"].append(used)
            cursor = page["next"]
            cursors.append(cursor)
        if run == 0:
            # a reader far down the feed: 50 pages deep
            for _page in range(45):
                page = client.get(f"/api/feed?limit={args.limit}&before={cursor}", headers=headers).get_json()
                cursor = page["next"]
            deep_cursor = cursor
        deep_url = f"/api/feed?limit={args.limit}&before={deep_cursor}"
        _res, wall, used = _timed(lambda url=deep_url: client.get(url, headers=headers))
        deep.append(wall)
        cpu["deep"].append(used)
    print(f"\n| `GET /api/feed?limit={args.limit}` | median ms | p95 ms | p99 ms | max ms | runs |")
    print("|---|---|---|---|---|---|")
    print("| first page " + _stats(first))
    print("| next pages (2-5) " + _stats(nxt))
    print("| page 51 " + _stats(deep))
    print("| CPU time of the process (same requests): |  |  |  |  |  |")
    print("| first page, CPU " + _stats(cpu["first"]))
    print("| next pages, CPU " + _stats(cpu["next"]))
    print("| page 51, CPU " + _stats(cpu["deep"]))
    print(f"\nload average during the run: {os.getloadavg()}")
    with app.app_context():
        from app.services import feed

        query_first: list[float] = []
        query_next: list[float] = []
        for _ in range(args.runs):
            _ids, wall, _used = _timed(lambda: feed.feed_ids(reader, args.limit + 1, None))
            query_first.append(wall)
            for cur in cursors[:4]:
                _ids, wall, _used = _timed(lambda cur=cur: feed.feed_ids(reader, args.limit + 1, cur))
                query_next.append(wall)
        print("| the feed's queries alone (`feed_ids`), first page " + _stats(query_first))
        print("| the feed's queries alone, pages 2-5 " + _stats(query_next))
    if args.explain:
        with app.app_context():
            _explain(reader)
    if args.likes:
        like_storm(app, summary, args.likes, args.threads)


def like_storm(app: Any, summary: dict[str, Any], count: int, threads: int) -> None:
    """`count` different people like one post at once (`threads` at a time); the kept counter must match."""
    from app.extensions import db
    from app.models import User
    from app.models.social import Post, PostLike

    with app.app_context():
        from app.services.posts import create_post

        post_id = create_post(summary["bench_user_id"], "like storm", [], None)["id"]  # a fresh post
        likers = list(
            db.session.scalars(select(User.id).where(User.username.like(summary["prefix"] + "\\_%", escape="\\")))
        )
        likers = random.Random(1).sample(likers, count)
        tokens = _tokens(likers)
        before = db.session.get(Post, post_id).likes_count
        db.session.remove()
    queue = list(tokens.values())
    lock = threading.Lock()
    statuses: list[int] = []
    latencies: list[float] = []

    def worker() -> None:
        client = app.test_client()
        while True:
            with lock:
                if not queue:
                    return
                tok = queue.pop()
            t = time.perf_counter()
            res = client.post(f"/api/posts/{post_id}/like", headers={"Authorization": f"Bearer {tok}"})
            with lock:
                latencies.append((time.perf_counter() - t) * 1000)
                statuses.append(res.status_code)

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    took = time.perf_counter() - started
    with app.app_context():
        kept = db.session.get(Post, post_id).likes_count
        rows = db.session.scalar(select(func.count()).select_from(PostLike).where(PostLike.post_id == post_id))
    ok = sum(1 for s in statuses if s == 200)
    verdict = "EXACT" if kept - before == ok and rows == kept else "MISMATCH"
    print(
        f"\nlike storm: {count} likers, {threads} threads: {ok} x 200 in {took:.2f} s ({count / took:.0f}/s), "
        f"latency median {statistics.median(latencies):.1f} ms, max {max(latencies):.1f} ms; "
        f"likes_count {before} -> {kept}, like rows {rows}: {verdict}"
    )


if __name__ == "__main__":
    main()
