"""`flask seed-market`: a realistic marketplace bulk-inserted with executemany (benchmarks, demos).

Ids are assigned here (after the current maximum) so that dependent rows can be written
without reading anything back; the counters kept in master rows (rating, completed orders)
are computed from the generated reviews and requests, so the data is consistent.
"""

from __future__ import annotations

import random
import secrets
import time
from datetime import timedelta
from typing import Any

import bcrypt
import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, insert, select

from app.db import write_tx
from app.extensions import db
from app.models import User
from app.models.base import utcnow
from app.models.market import Category, City, Master, Offer, Request, Review, Service, master_categories
from app.services.reference import seed_reference_data

ABOUT = [
    "Работаю {years} лет, выезд в день обращения.",
    "Опыт {years} лет, гарантия на работы, честные цены.",
    "Частный мастер, {years} лет практики. Аккуратно и в срок.",
    "Преподаю {years} лет, индивидуальный подход.",
]
TITLES = ["Срочно нужен мастер", "Нужна помощь", "Ищу специалиста", "Требуется консультация", "Сделать к выходным"]
STATUSES = ["open"] * 30 + ["active"] * 15 + ["completed"] * 45 + ["cancelled"] * 10


def _next_id(model: Any) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def seed_market(masters: int, requests: int, seed: int | None, password: str) -> dict[str, int]:
    """Insert `masters` master users (cards, categories, services), customers, `requests` requests with offers
    and reviews; returns the row counts."""
    rnd = random.Random(seed)
    seed_reference_data()
    now = utcnow()
    tag = secrets.token_hex(3)
    password_hash = bcrypt.hashpw(password.encode(), bcrypt.gensalt(current_app.config["BCRYPT_ROUNDS"])).decode()
    categories = db.session.execute(select(Category.id, Category.parent_id)).all()
    leaves = [cid for cid, parent in categories if parent is not None]
    roots = [cid for cid, parent in categories if parent is None]
    parent_of = dict(categories)
    cities = list(db.session.scalars(select(City.name)))
    customers = max(50, masters // 2)

    first_user = _next_id(User)
    user_rows = []
    for i in range(masters + customers):
        name = f"{'m' if i < masters else 'c'}{tag}_{i}"
        user_rows.append(
            {
                "id": first_user + i,
                "email": f"{name}@seed.invalid",
                "username": name,
                "username_lower": name,
                "password_hash": password_hash,
                "display_name": name,
                "is_master": i < masters,
                "created_at": now,
                "password_changed_at": now,
            }
        )
    master_ids = [first_user + i for i in range(masters)]
    customer_ids = [first_user + masters + i for i in range(customers)]

    # who works where; a request in a leaf is seen by masters of the leaf and of its parent
    cats_of: dict[int, list[int]] = {}
    by_category: dict[int, list[int]] = {}
    for mid in master_ids:
        chosen = rnd.sample(leaves, rnd.randint(1, 3)) if rnd.random() < 0.9 else [rnd.choice(roots)]
        cats_of[mid] = chosen
        for cid in chosen:
            by_category.setdefault(cid, []).append(mid)

    first_request, first_offer, first_review = _next_id(Request), _next_id(Offer), _next_id(Review)
    request_rows, offer_rows, review_rows = [], [], []
    stats = {mid: [0, 0, 0] for mid in master_ids}  # rating_sum, rating_count, completed
    for i in range(requests):
        rid = first_request + i
        cid = rnd.choice(leaves)
        pool = by_category.get(cid, []) + by_category.get(parent_of[cid], [])
        status = rnd.choice(STATUSES) if pool else "open"
        customer = rnd.choice(customer_ids)
        direct = rnd.choice(pool) if pool and rnd.random() < 0.1 else None
        executor = (direct or rnd.choice(pool)) if status in ("active", "completed") else None
        created = now - timedelta(minutes=(requests - i) * 5)
        request_rows.append(
            {
                "id": rid,
                "customer_id": customer,
                "category_id": cid,
                "title": rnd.choice(TITLES),
                "description": "Подробности при созвоне.",
                "budget": rnd.choice([None, 500, 1000, 2000, 5000, 10000]),
                "city": rnd.choice(cities),
                "master_id": direct,
                "executor_id": executor,
                "status": status,
                "created_at": created,
                "updated_at": created,
            }
        )
        if status == "open" and pool and direct is None:
            for mid in rnd.sample(pool, min(len(pool), rnd.randint(0, 3))):
                offer_rows.append(
                    {
                        "id": first_offer + len(offer_rows),
                        "request_id": rid,
                        "master_id": mid,
                        "message": "Готов взяться.",
                        "price": rnd.randint(5, 100) * 100,
                        "status": "live",
                        "created_at": created,
                    }
                )
        if status == "completed":
            stats[executor][2] += 1
            if rnd.random() < 0.6:
                rating = rnd.choices([1, 2, 3, 4, 5], [1, 1, 3, 8, 12])[0]
                stats[executor][0] += rating
                stats[executor][1] += 1
                review_rows.append(
                    {
                        "id": first_review + len(review_rows),
                        "request_id": rid,
                        "master_id": executor,
                        "customer_id": customer,
                        "rating": rating,
                        "text": "Всё хорошо.",
                        "created_at": created,
                    }
                )

    master_rows, link_rows, service_rows = [], [], []
    for n, mid in enumerate(master_ids):
        total, count, completed = stats[mid]
        price_from = rnd.randint(3, 50) * 100 if rnd.random() < 0.9 else None
        about = rnd.choice(ABOUT).format(years=rnd.randint(1, 25))
        master_rows.append(
            {
                "user_id": mid,
                "about": about,
                "city": rnd.choice(cities),
                "price_from": price_from,
                "price_to": price_from * rnd.randint(2, 5) if price_from else None,
                "rating": total / count if count else 0.0,
                "rating_sum": total,
                "rating_count": count,
                "completed_orders": completed,
                "search_text": f"{user_rows[n]['username']} {about}".casefold(),
                "created_at": now - timedelta(minutes=masters - n),
            }
        )
        link_rows += [{"master_id": mid, "category_id": cid} for cid in cats_of[mid]]
        service_rows += [
            {
                "master_id": mid,
                "category_id": rnd.choice(cats_of[mid]),
                "title": f"Услуга {k + 1}",
                "description": "",
                "price": price_from,
                "search_text": f"услуга {k + 1}",
                "rating_sum": 0,
                "rating_count": 0,
                "created_at": now,
            }
            for k in range(rnd.randint(1, 3))
        ]

    # Core executemany (one statement per table): the ORM's bulk path splits batches whenever
    # a row's set of non-null values changes, which here would mean thousands of statements.
    with write_tx() as session:
        for table, rows in (
            (User.__table__, user_rows),
            (Master.__table__, master_rows),
            (master_categories, link_rows),
            (Service.__table__, service_rows),
            (Request.__table__, request_rows),
            (Offer.__table__, offer_rows),
            (Review.__table__, review_rows),
        ):
            if rows:
                session.execute(insert(table), rows)
    db.session.execute(db.text("ANALYZE"))
    db.session.commit()
    return {
        "users": len(user_rows),
        "masters": len(master_rows),
        "services": len(service_rows),
        "requests": len(request_rows),
        "offers": len(offer_rows),
        "reviews": len(review_rows),
    }


@click.command("seed-market")
@click.option("--masters", type=click.IntRange(0, 1_000_000), default=1000, show_default=True)
@click.option("--requests", "requests_", type=click.IntRange(0, 5_000_000), default=10000, show_default=True)
@click.option("--seed", type=int, default=None, help="Random seed, for a repeatable data set.")
@click.option("--password", default="seed-password", show_default=True, help="Every seeded user's password.")
@with_appcontext
def seed_market_command(masters: int, requests_: int, seed: int | None, password: str) -> None:
    """Bulk-insert MASTERS master users with cards and services, customers, and REQUESTS requests."""
    started = time.monotonic()
    counts = seed_market(masters, requests_, seed, password)
    took = time.monotonic() - started
    click.echo(", ".join(f"{v} {k}" for k, v in counts.items()) + f" in {took:.1f} s")
