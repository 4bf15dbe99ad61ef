"""Time catalogue pages and the request feed on a seeded database, in-process (server time only).

rm -f /tmp/mb.db
export DATABASE_URL=sqlite:////tmp/mb.db ASYNC_MODE=threading FLASK_APP=wsgi:app
.venv/bin/flask db upgrade && .venv/bin/flask seed-market --masters 10000 --requests 100000 --seed 1
.venv/bin/python -m bench.market [--runs 30] [--explain]
"""

from __future__ import annotations

import argparse
import statistics
import time

from sqlalchemy import select


def main() -> None:
    """Print a markdown table of median and p95 times per route, and optionally query plans."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()

    from app import create_app
    from app.extensions import db
    from app.models.market import Category, Master, Request

    app = create_app("development")
    client = app.test_client()
    with app.app_context():
        slug = dict(db.session.execute(select(Category.slug, Category.id)).all())
        masters = db.session.scalar(select(db.func.count()).select_from(Master))
        requests = db.session.scalar(select(db.func.count()).select_from(Request))
        busy = db.session.scalar(select(Master.user_id).order_by(Master.rating_count.desc()).limit(1))
    res = client.post(
        "/api/auth/signup",
        json={
            "email": f"bench{time.time_ns()}@x.io",
            "username": f"b{time.time_ns() % 10**9}",
            "password": "bench-pass-1",
        },
    )
    headers = {"Authorization": f"Bearer {res.get_json()['access_token']}"}
    res = client.post(
        "/api/masters",
        json={"category_ids": [slug["plumbing"], slug["math"], slug["web"]], "city": "Москва"},
        headers=headers,
    )
    assert res.status_code == 201, res.get_json()
    first_feed = client.get("/api/requests/feed", headers=headers).get_json()

    routes = [
        "/api/masters",
        "/api/masters?sort=price",
        "/api/masters?sort=new",
        "/api/masters?cursor=5000",
        f"/api/masters?category={slug['repairs']}",
        f"/api/masters?category={slug['plumbing']}&city=Москва",
        f"/api/masters?category={slug['plumbing']}&sort=price&min_price=1000&max_price=3000",
        "/api/masters?min_rating=4.5",
        "/api/masters?q=гарантия",
        f"/api/masters/{busy}",
        f"/api/masters/{busy}/reviews",
        f"/api/services?category={slug['tutoring']}",
        "/api/requests/feed",
        f"/api/requests/feed?before={first_feed['next']}",
        "/api/stats",
    ]
    print(f"{masters} masters, {requests} requests; {args.runs} runs each, limit 50\n")
    print("| route | median ms | p95 ms | items |")
    print("|---|---|---|---|")
    for route in routes:
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            res = client.get(route, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            assert res.status_code == 200, (route, res.get_json())
        body = res.get_json()
        items = len(body["items"]) if "items" in body else "-"
        p95 = sorted(times)[int(len(times) * 0.95) - 1]
        print(f"| `GET {route}` | {statistics.median(times):.1f} | {p95:.1f} | {items} |")

    if args.explain:
        from app.services import catalog
        from app.services import requests as req_service

        with app.app_context():
            captured = []

            def capture(conn, cursor, statement, parameters, context, executemany):
                if statement.lstrip().upper().startswith("SELECT") and (
                    "masters" in statement or "requests" in statement
                ):
                    captured.append((statement, parameters))

            from sqlalchemy import event

            event.listen(db.engine, "before_cursor_execute", capture)
            catalog.list_masters(category=slug["plumbing"], city="Москва")
            catalog.list_masters(sort="price")
            me = db.session.scalar(select(Master.user_id).order_by(Master.created_at.desc()).limit(1))
            req_service.feed(me, 50, None)
            event.remove(db.engine, "before_cursor_execute", capture)
            conn = db.engine.raw_connection()
            for statement, parameters in captured:
                if "LIMIT" not in statement:
                    continue
                print("\n" + " ".join(statement.split())[:300])
                for row in conn.execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall():
                    print("   ", row[-1])


if __name__ == "__main__":
    main()
