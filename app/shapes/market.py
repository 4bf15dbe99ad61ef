"""Marketplace shapes: cards, services, reviews, requests, offers, notifications, order-chat data.

The pydantic schemas in app/schemas/market.py (RequestOut, OfferOut...) describe these dicts for the
OpenAPI document; the tests check the dicts against them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.extensions import db
from app.models import User
from app.models.base import isoformat
from app.models.chat import Chat, ChatMember
from app.models.market import Master, Offer, Request, Review, Service
from app.models.notification import Notification
from app.services import workflow as wf
from app.shapes.users import brief

SHORT_ABOUT = 280


def rating(total: int, count: int) -> float | None:
    """An average rating from a sum and a count (None without ratings), as every card shows it."""
    return round(total / count, 2) if count else None


def short_card(master: Master, user: User, category_ids: list[int]) -> dict[str, Any]:
    """A card as the catalogue lists it."""
    about = master.about if len(master.about) <= SHORT_ABOUT else master.about[: SHORT_ABOUT - 1] + "…"
    return {
        "user": brief(user),
        "about": about,
        "city": master.city,
        "price_from": master.price_from,
        "price_to": master.price_to,
        "category_ids": category_ids,
        "rating": rating(master.rating_sum, master.rating_count),
        "rating_count": master.rating_count,
        "completed_orders": master.completed_orders,
        "created_at": isoformat(master.created_at),
    }


def service_out(s: Service) -> dict[str, Any]:
    """A service as the contract shows it, with its average rating."""
    return {
        "id": s.id,
        "master_id": s.master_id,
        "category_id": s.category_id,
        "title": s.title,
        "description": s.description,
        "price": s.price,
        "rating": rating(s.rating_sum, s.rating_count),
        "rating_count": s.rating_count,
        "created_at": isoformat(s.created_at),
    }


def review_out(r: Review, customer: User) -> dict[str, Any]:
    """A review as the contract shows it."""
    return {
        "id": r.id,
        "request_id": r.request_id,
        "master_id": r.master_id,
        "service_id": r.service_id,
        "customer": brief(customer),
        "rating": r.rating,
        "text": r.text,
        "created_at": isoformat(r.created_at),
    }


def requests_out(reqs: list[Request]) -> list[dict[str, Any]]:
    """Requests as the contract shows them, serialised in three queries whatever their number."""
    if not reqs:
        return []
    ids = [r.id for r in reqs]
    customers = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({r.customer_id for r in reqs})))}
    offers = dict(
        db.session.execute(
            select(Offer.request_id, func.count())
            .where(Offer.request_id.in_(ids), Offer.status == wf.LIVE)
            .group_by(Offer.request_id)
        ).all()
    )
    reviewed = set(db.session.scalars(select(Review.request_id).where(Review.request_id.in_(ids))))
    return [
        {
            "id": req.id,
            "customer": brief(customers[req.customer_id]),
            "category_id": req.category_id,
            "title": req.title,
            "description": req.description,
            "budget": req.budget,
            "city": req.city,
            "master_id": req.master_id,
            "service_id": req.service_id,
            "executor_id": req.executor_id,
            "chat_id": req.chat_id,
            "status": req.status,
            "offers_count": offers.get(req.id, 0),
            "reviewed": req.id in reviewed,
            "created_at": isoformat(req.created_at),
            "updated_at": isoformat(req.updated_at),
        }
        for req in reqs
    ]


def request_out(req: Request) -> dict[str, Any]:
    """A request as the contract shows it (also the `request:updated` payload)."""
    return requests_out([req])[0]


def offer_out(offer: Offer) -> dict[str, Any]:
    """An offer as the contract shows it."""
    return {
        "id": offer.id,
        "request_id": offer.request_id,
        "master": brief(db.session.get(User, offer.master_id)),
        "message": offer.message,
        "price": offer.price,
        "status": offer.status,
        "created_at": isoformat(offer.created_at),
    }


def notification_out(n: Notification) -> dict[str, Any]:
    """A notification as the contract shows it (and as the `notification` event carries it)."""
    return {
        "id": n.id,
        "kind": n.kind,
        "payload": n.payload,
        "created_at": isoformat(n.created_at),
        "read_at": isoformat(n.read_at),
    }


def orders_for(chats: list[Chat], viewer_id: int) -> dict[int, dict[str, Any]]:
    """The `order` of each order chat as `viewer_id` sees it, in a fixed number of queries.

    `{request_id, title, status, price, budget, customer, executor, reviewed, my_side, current,
    actions}`: `executor` is the chat's master; `current` is false once the customer refused him
    (the request went back to open, or on to someone else), and then no action is offered;
    `actions` are what the viewer may do now (workflow.order_actions); `price` is the master's
    accepted offer's, else the service's the request was sent to.
    """
    chats = [c for c in chats if c.type == "order" and c.request_id is not None]
    if not chats:
        return {}
    chat_ids = [c.id for c in chats]
    reqs = {r.id: r for r in db.session.scalars(select(Request).where(Request.id.in_({c.request_id for c in chats})))}
    members: dict[int, list[int]] = {}
    for chat_id, user_id in db.session.execute(
        select(ChatMember.chat_id, ChatMember.user_id).where(ChatMember.chat_id.in_(chat_ids))
    ):
        members.setdefault(chat_id, []).append(user_id)
    masters = {}
    for chat in chats:
        req = reqs.get(chat.request_id)
        if req is not None:
            others = [uid for uid in members.get(chat.id, []) if uid != req.customer_id]
            masters[chat.id] = others[0] if others else req.customer_id
    user_ids = set(masters.values()) | {r.customer_id for r in reqs.values()}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))}
    reviewed = set(db.session.scalars(select(Review.request_id).where(Review.request_id.in_(reqs))))
    offer_prices: dict[tuple[int, int], int | None] = {}
    for request_id, master_id, price in db.session.execute(
        select(Offer.request_id, Offer.master_id, Offer.price)
        .where(Offer.request_id.in_(reqs), Offer.status.in_((wf.ACCEPTED, wf.REJECTED)))
        .order_by(Offer.id)
    ):
        offer_prices[(request_id, master_id)] = price  # the latest one wins
    service_ids = {r.service_id for r in reqs.values() if r.service_id is not None}
    service_prices = dict(
        db.session.execute(select(Service.id, Service.price).where(Service.id.in_(service_ids))).all()
        if service_ids
        else []
    )
    out = {}
    for chat in chats:
        req = reqs.get(chat.request_id)
        if req is None or chat.id not in masters:
            continue
        master_id = masters[chat.id]
        current = req.chat_id == chat.id
        roles: set[str] = set()
        if viewer_id == req.customer_id:
            roles.add(wf.CUSTOMER)
        if current and viewer_id == req.executor_id:
            roles.add(wf.EXECUTOR)
        price = offer_prices.get((req.id, master_id))
        if price is None and req.service_id is not None:
            price = service_prices.get(req.service_id)
        out[chat.id] = {
            "request_id": req.id,
            "title": req.title,
            "status": req.status,
            "price": price,
            "budget": req.budget,
            "customer": brief(users[req.customer_id]),
            "executor": brief(users[master_id]),
            "reviewed": req.id in reviewed,
            "my_side": "customer" if viewer_id == req.customer_id else "master",
            "current": current,
            "actions": wf.order_actions(req.status, roles, req.id in reviewed) if current else [],
        }
    return out
