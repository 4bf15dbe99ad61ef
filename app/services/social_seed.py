"""`flask seed-social`: a social graph for benchmarks and demos, bulk-inserted (COPY on PostgreSQL).

The shape of a real network: friend counts drawn from a log-normal law (median `--median-friends`,
a long tail up to 5,000), partners picked in proportion to their own count (popular people know
more people), communities of log-normal sizes, posts written mostly by the well connected, a
fifth of them on community walls, spread over the last year with ids in time order. One extra
user, the benchmark reader, gets exactly `--bench-friends` friends and `--bench-communities`
communities. `--scale 0.01` shrinks every count for tests.
"""

from __future__ import annotations

import csv
import io
import json
import math
import secrets
import time
from collections.abc import Iterable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import bcrypt
import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, insert, select, text

from app.extensions import db
from app.models import User
from app.models.base import utcnow
from app.models.market import City
from app.models.social import Community, Post

FIRST = ["Анна", "Мария", "Ольга", "Иван", "Пётр", "Алексей", "Елена", "Дмитрий", "Ann", "John", "Kate", "Mike"]
LAST = ["Петрова", "Иванова", "Смирнова", "Кузнецов", "Попов", "Соколов", "Petrova", "Smith", "Brown", "Lee"]
BODIES = [
    "Сегодня отличный день!",
    "Кто идёт на концерт в субботу?",
    "Новые фото с прогулки",  # noqa: RUF001 (Russian text)
    "Ищу попутчиков на выходные",
    "Прочитал интересную книгу, советую",
    "Great weekend with friends",
    "Looking for a good plumber, any ideas?",
    "Фотографии с нашей встречи",  # noqa: RUF001 (Russian text)
]
TOPICS = ["Фотография", "Походы", "Книги", "Кино", "Музыка", "Кулинария", "IT", "Спорт", "Garden", "Travel"]
CHUNK = 50_000


def _fmt(value: Any) -> Any:
    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if hasattr(value, "strftime") else value


def bulk_insert(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert rows (tuples in `columns` order) in chunks: COPY on PostgreSQL, executemany elsewhere."""
    conn = db.session.connection()
    raw = conn.connection.dbapi_connection
    cursor = raw.cursor()  # type: ignore[union-attr]
    postgres = conn.dialect.name == "postgresql"
    total, chunk = 0, []

    def flush() -> None:
        if not chunk:
            return
        if postgres:
            buf = io.StringIO()
            writer = csv.writer(buf, lineterminator="\n")
            for row in chunk:
                writer.writerow(["\\N" if v is None else _fmt(v) for v in row])
            buf.seek(0)
            cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buf)
        else:
            marks = ", ".join("?" for _ in columns)
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608 (our table names)
                [tuple(_fmt(v) for v in row) for row in chunk],
            )
        chunk.clear()

    for row in rows:
        chunk.append(row)
        total += 1
        if len(chunk) >= CHUNK:
            flush()
    flush()
    cursor.close()
    return total


def _next_id(model: Any) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def _friend_pairs(np: Any, rng: Any, degrees: Any) -> Any:
    """Unique (low, high) index pairs whose per-user counts follow `degrees` (preferential partners)."""
    n = len(degrees)
    stubs = np.ceil(degrees / 2).astype(np.int64)
    sources = np.repeat(np.arange(n, dtype=np.int64), stubs)
    cumulative = np.cumsum(degrees, dtype=np.float64)
    targets = np.searchsorted(cumulative, rng.random(len(sources)) * cumulative[-1], side="right")
    targets = np.minimum(targets, n - 1)
    keep = sources != targets
    low = np.minimum(sources[keep], targets[keep])
    high = np.maximum(sources[keep], targets[keep])
    keys = np.unique(low * n + high)
    return keys // n, keys % n


def seed_social(
    users: int,
    communities: int,
    posts: int,
    median_friends: int,
    bench_friends: int,
    bench_communities: int,
    seed: int | None,
    password: str,
) -> dict[str, Any]:
    """Insert the graph; returns counts, timings and the benchmark reader's id."""
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is a benchmark dependency (requirements-dev.txt)
        raise click.ClickException("seed-social needs numpy (pip install -r requirements-dev.txt)") from None
    rng = np.random.default_rng(seed)
    started = time.monotonic()
    timings: dict[str, float] = {}
    now = utcnow()
    tag = secrets.token_hex(3)
    password_hash = bcrypt.hashpw(password.encode(), bcrypt.gensalt(current_app.config["BCRYPT_ROUNDS"])).decode()
    cities = list(db.session.scalars(select(City.name))) or ["Москва"]

    # --- users (through the ORM's insert: other columns' defaults apply) ---
    first_user = _next_id(User)
    user_rows = []
    for i in range(users):
        name = f"s{tag}_{i}"
        user_rows.append(
            {
                "id": first_user + i,
                "email": f"{name}@seed.invalid",
                "username": name,
                "username_lower": name,
                "password_hash": password_hash,
                "display_name": f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]}",
                "city": cities[i % len(cities)],
                "created_at": now - timedelta(days=400) + timedelta(seconds=i),
                "password_changed_at": now,
            }
        )
    for start in range(0, len(user_rows), CHUNK):
        db.session.execute(insert(User), user_rows[start : start + CHUNK])
    del user_rows
    timings["users"] = time.monotonic() - started

    # --- friendships: one row per pair ---
    t = time.monotonic()
    degrees = np.clip(np.round(rng.lognormal(math.log(median_friends), 0.9, users)), 1, 5000).astype(np.int64)
    bench = 0  # the benchmark reader is the first seeded user
    degrees[bench] = 0
    low, high = _friend_pairs(np, rng, degrees)
    partners = rng.choice(np.arange(1, users), size=min(bench_friends, users - 1), replace=False)
    keep = (low != bench) & (high != bench)
    low = np.concatenate([low[keep], np.full(len(partners), bench, dtype=np.int64)])
    high = np.concatenate([high[keep], partners.astype(np.int64)])
    del partners
    accepted = _fmt(now - timedelta(days=200))
    pair_count = bulk_insert(
        "friendships",
        ("user_low", "user_high", "status", "requested_by", "created_at", "accepted_at"),
        (
            (first_user + int(a), first_user + int(b), "friends", first_user + int(a), accepted, accepted)
            for a, b in zip(low.tolist(), high.tolist(), strict=True)
        ),
    )
    counts = np.bincount(np.concatenate([low, high]), minlength=users)
    timings["friendships"] = time.monotonic() - t

    # --- communities and members ---
    t = time.monotonic()
    first_community = _next_id(Community)
    sizes = np.clip(np.round(rng.lognormal(math.log(60), 1.0, communities)), 3, min(5000, users)).astype(np.int64)
    closed = rng.random(communities) < 0.2
    member_rows: list[tuple[int, int]] = []
    bench_in = set(rng.choice(communities, size=min(bench_communities, communities), replace=False).tolist())
    for c in range(communities):
        members = rng.choice(users, size=int(sizes[c]), replace=False)
        ids = [int(m) for m in members if m != bench]
        if c in bench_in:
            ids.append(bench)
        for m in ids:
            member_rows.append((c, m))
    owners = {}
    for c, m in member_rows:
        owners.setdefault(c, m)
    created = _fmt(now - timedelta(days=380))
    bulk_insert(
        "communities",
        ("id", "name", "name_lower", "description", "visibility", "members_can_post", "owner_id", "created_at"),
        (
            (
                first_community + c,
                f"{TOPICS[c % len(TOPICS)]} {tag} {c}",
                f"{TOPICS[c % len(TOPICS)]} {tag} {c}".lower(),
                "Сообщество для всех, кто любит " + TOPICS[c % len(TOPICS)].lower(),
                "closed" if closed[c] else "open",
                True,
                first_user + owners[c],
                created,
            )
            for c in range(communities)
        ),
    )
    membership_count = bulk_insert(
        "community_members",
        ("community_id", "user_id", "role", "joined_at"),
        (
            (first_community + c, first_user + m, "owner" if owners[c] == m else "member", created)
            for c, m in member_rows
        ),
    )
    timings["communities"] = time.monotonic() - t

    # --- posts: ids in time order; 4 of 5 on walls, by the well connected; 1 of 5 on community walls ---
    t = time.monotonic()
    first_post = _next_id(Post)
    in_community = rng.random(posts) < 0.2
    activity = np.sqrt(counts.astype(np.float64) + 1)
    cumulative = np.cumsum(activity)
    wall_authors = np.searchsorted(cumulative, rng.random(posts) * cumulative[-1], side="right")
    member_arr = np.array(member_rows, dtype=np.int64)
    picks = rng.integers(0, len(member_arr), posts)  # a random membership: big communities post more
    post_community = np.where(in_community, member_arr[picks, 0], -1)
    post_author = np.where(in_community, member_arr[picks, 1], np.minimum(wall_authors, users - 1))
    offsets = np.sort(rng.random(posts)) * 365 * 86400
    year_ago = now - timedelta(days=365)
    post_count = bulk_insert(
        "posts",
        ("id", "author_id", "community_id", "body", "likes_count", "comments_count", "created_at"),
        (
            (
                first_post + i,
                first_user + a,
                None if c < 0 else first_community + c,
                BODIES[i % len(BODIES)],
                0,
                0,
                year_ago + timedelta(seconds=s),
            )
            for i, (a, c, s) in enumerate(
                zip(post_author.tolist(), post_community.tolist(), offsets.tolist(), strict=True)
            )
        ),
    )
    timings["posts"] = time.monotonic() - t

    t = time.monotonic()
    if db.session.get_bind().dialect.name == "postgresql":
        for table in ("users", "communities", "posts"):
            db.session.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608
            )
    db.session.commit()
    with db.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    timings["analyze"] = time.monotonic() - t
    degree_sorted = np.sort(counts[1:])
    return {
        "users": users,
        "friendships": pair_count,
        "median_friends": int(np.median(degree_sorted)),
        "p99_friends": int(degree_sorted[int(len(degree_sorted) * 0.99)]),
        "max_friends": int(degree_sorted[-1]),
        "communities": communities,
        "memberships": membership_count,
        "posts": post_count,
        "bench_user_id": first_user + bench,
        "bench_friends": int(counts[bench]),
        "bench_communities": len(bench_in),
        "prefix": f"s{tag}",
        "password": password,
        "seconds": {k: round(v, 1) for k, v in timings.items()} | {"total": round(time.monotonic() - started, 1)},
    }


@click.command("seed-social")
@click.option("--users", type=int, default=100_000, show_default=True)
@click.option("--communities", type=int, default=1_000, show_default=True)
@click.option("--posts", type=int, default=1_000_000, show_default=True)
@click.option("--median-friends", type=int, default=100, show_default=True)
@click.option("--bench-friends", type=int, default=1_000, show_default=True, help="Friends of the benchmark reader.")
@click.option("--bench-communities", type=int, default=50, show_default=True)
@click.option(
    "--scale",
    type=float,
    default=1.0,
    show_default=True,
    help="Multiply the users, communities and posts (0.01 for tests).",
)
@click.option("--seed", type=int, default=None, help="Random seed, for a repeatable graph.")
@click.option("--password", default="seed-password", show_default=True, help="Everyone's password.")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write the summary as JSON here.")
@with_appcontext
def seed_social_command(
    users: int,
    communities: int,
    posts: int,
    median_friends: int,
    bench_friends: int,
    bench_communities: int,
    scale: float,
    seed: int | None,
    password: str,
    out: str | None,
) -> None:
    """Bulk-insert a social graph: users, long-tailed friendships, communities, posts."""
    if not 0 < scale <= 10:
        raise click.BadParameter("scale must be in (0, 10]", param_hint="--scale")
    n_users = max(20, int(users * scale))
    summary = seed_social(
        n_users,
        max(2, int(communities * scale)),
        max(10, int(posts * scale)),
        max(1, min(median_friends, n_users // 4)),
        max(1, min(bench_friends, n_users // 2)),
        max(1, min(bench_communities, max(2, int(communities * scale)))),
        seed,
        password,
    )
    if out:
        Path(out).write_text(json.dumps(summary, ensure_ascii=False, indent=1))
    click.echo(json.dumps(summary, ensure_ascii=False))
