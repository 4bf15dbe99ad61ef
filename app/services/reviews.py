"""Reviews of completed requests, and the marketplace's statistics.

A review moves the master's (and the service's) rating_sum and rating_count in the same
transaction, with SQL arithmetic on the row, so the card never needs to scan reviews.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.db import write_tx
from app.errors import Conflict
from app.events.market import ReviewNew
from app.extensions import db
from app.models import User
from app.models.market import Master, Request, Review, Service
from app.services import workflow as wf
from app.services.catalog import get_master, recent_reviews, review_out
from app.services.chats import order_changed
from app.services.notifications import notify
from app.services.requests import load_request, roles_of
from app.services.users import get_user


def add_review(user_id: int, request_id: int, rating: int, text: str) -> dict[str, Any]:
    """The customer reviews a completed request once; Conflict (already_reviewed) the second time."""
    with write_tx():
        req = load_request(request_id)
        wf.decide(req.status, "review", roles_of(req, user_id))
        if db.session.scalar(select(Review.id).where(Review.request_id == req.id)) is not None:
            raise Conflict("This order already has a review.", code="already_reviewed")
        review = Review(
            request_id=req.id,
            master_id=req.executor_id,
            customer_id=user_id,
            service_id=req.service_id,
            rating=rating,
            text=text,
        )
        db.session.add(review)
        try:
            db.session.flush()
        except IntegrityError:
            raise Conflict("This order already has a review.", code="already_reviewed") from None
        # SQLite evaluates every right-hand side against the old row, so the average is exact.
        db.session.execute(
            update(Master)
            .where(Master.user_id == req.executor_id)
            .values(
                rating_sum=Master.rating_sum + rating,
                rating_count=Master.rating_count + 1,
                rating=(Master.rating_sum + rating) * 1.0 / (Master.rating_count + 1),
            )
        )
        if req.service_id is not None:
            db.session.execute(
                update(Service)
                .where(Service.id == req.service_id)
                .values(rating_sum=Service.rating_sum + rating, rating_count=Service.rating_count + 1)
            )
        out = review_out(review, db.session.get(User, user_id))
        notify([req.executor_id], ReviewNew(review=out, title=req.title))
        order_changed([req.chat_id])  # the order chat's head drops its review button
        return out


def master_reviews(master_id: int, limit: int, before: int | None) -> tuple[list[dict[str, Any]], int | None]:
    """A master's reviews, newest first; NotFound for a user without a card."""
    get_master(master_id)
    return recent_reviews(master_id, limit, before)


def site_stats() -> dict[str, int]:
    """Completed orders overall, masters, open requests."""

    def count(stmt: Any) -> int:
        return db.session.scalar(stmt) or 0

    return {
        "completed_orders": count(select(func.count()).select_from(Request).where(Request.status == wf.COMPLETED)),
        "masters": count(select(func.count()).select_from(Master)),
        "open_requests": count(select(func.count()).select_from(Request).where(Request.status == wf.OPEN)),
    }


def user_stats(user_id: int) -> dict[str, Any]:
    """A user's numbers as customer and as master, with their average rating."""
    get_user(user_id)
    by_status = dict(
        db.session.execute(
            select(Request.status, func.count())
            .where(Request.customer_id == user_id, Request.status != wf.DELETED)
            .group_by(Request.status)
        ).all()
    )
    written = db.session.scalar(select(func.count()).select_from(Review).where(Review.customer_id == user_id))
    master = db.session.get(Master, user_id)
    services = db.session.scalar(select(func.count()).select_from(Service).where(Service.master_id == user_id))
    rating = round(master.rating_sum / master.rating_count, 2) if master and master.rating_count else None
    return {
        "user_id": user_id,
        "as_customer": {
            "requests": sum(by_status.values()),
            "completed": by_status.get(wf.COMPLETED, 0),
            "reviews_written": written,
        },
        "as_master": {
            "is_master": master is not None,
            "completed_orders": master.completed_orders if master else 0,
            "rating": rating,
            "rating_count": master.rating_count if master else 0,
            "services": services,
        },
        "average_rating": rating,
    }
