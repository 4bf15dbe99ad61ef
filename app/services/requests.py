"""Requests: creating them, who may see them, who holds which role, lists and the masters' feed.

Everything that moves a request or an offer lives in app.services.request_actions, decided by
the one state machine in app.services.workflow.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.db import write_tx
from app.errors import Forbidden, NotFound, ValidationError
from app.events.market import RequestNew
from app.extensions import db
from app.models.market import Category, Master, Offer, Request, Service, master_categories
from app.services import workflow as wf
from app.services.notifications import notify
from app.services.reference import check_categories, check_city, with_descendants
from app.shapes.market import offer_out, request_out, requests_out

# ---- who is who ------------------------------------------------------------------------------


def _ancestors_or_self(category_id: int) -> list[int]:
    parents = dict(db.session.execute(select(Category.id, Category.parent_id)).all())
    out, cid = [], category_id
    while cid is not None and cid not in out:
        out.append(cid)
        cid = parents.get(cid)
    return out


def covers(master_id: int, category_id: int) -> bool:
    """Whether the master works in this category or in one of its ancestors."""
    return (
        db.session.scalar(
            select(master_categories.c.master_id).where(
                master_categories.c.master_id == master_id,
                master_categories.c.category_id.in_(_ancestors_or_self(category_id)),
            )
        )
        is not None
    )


def roles_of(req: Request, user_id: int, offer: Offer | None = None) -> set[str]:
    """The roles (workflow.ROLES) the user holds towards a request and, optionally, an offer on it."""
    roles: set[str] = set()
    if user_id == req.customer_id:
        roles.add(wf.CUSTOMER)
    if req.master_id is not None and user_id == req.master_id:
        roles.add(wf.TARGET)
    if req.executor_id is not None and user_id == req.executor_id:
        roles.add(wf.EXECUTOR)
    if offer is not None and offer.master_id == user_id:
        roles.add(wf.OFFERER)
    if req.master_id is None and user_id != req.customer_id and covers(user_id, req.category_id):
        roles.add(wf.MASTER)
    return roles


def load_request(request_id: int, for_update: bool = False) -> Request:
    """A request by id, or NotFound (also for deleted ones).

    for_update locks the row (SELECT ... FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already
    serialises writers): every state change of a request takes this lock first, so two of them never
    interleave their row locks in opposite orders and deadlock.
    """
    req = db.session.get(Request, request_id, with_for_update=for_update or None)
    if req is None or req.status == wf.DELETED:
        raise NotFound("No such request.")
    return req


def _visible(req: Request, user_id: int) -> bool:
    if req.master_id is None:
        return True  # category requests are a public board
    if user_id in (req.customer_id, req.master_id, req.executor_id):
        return True
    return db.session.scalar(select(Offer.id).where(Offer.request_id == req.id, Offer.master_id == user_id)) is not None


def access_request(user_id: int, request_id: int) -> Request:
    """A request the user may see, or NotFound (deleted, or a direct request between others)."""
    req = load_request(request_id)
    if not _visible(req, user_id):
        raise NotFound("No such request.")
    return req


# ---- create and read -------------------------------------------------------------------------


def category_masters(category_id: int, exclude: int) -> list[int]:
    """Masters who see a request in this category: those of the category and of its ancestors (one query)."""
    tree = select(Category.id, Category.parent_id).where(Category.id == category_id).cte("tree", recursive=True)
    tree = tree.union_all(select(Category.id, Category.parent_id).join(tree, Category.id == tree.c.parent_id))
    stmt = (
        select(master_categories.c.master_id)
        .where(master_categories.c.category_id.in_(select(tree.c.id)), master_categories.c.master_id != exclude)
        .distinct()
    )
    return list(db.session.scalars(stmt))


def create_request(user_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Post a request to a category, or straight to a master (master_id) or one of their services."""
    with write_tx():
        category_id, master_id, service_id = data.get("category_id"), data.get("master_id"), data.get("service_id")
        if service_id is not None:
            service = db.session.get(Service, service_id)
            if service is None:
                raise ValidationError.field(
                    "service_id", "unknown_service", "No such service.", summary="No such service."
                )
            if master_id is not None and master_id != service.master_id:
                raise ValidationError.field(
                    "service_id",
                    "not_this_master",
                    "That service is not this master's.",
                    summary="That service is not this master's.",
                )
            master_id = service.master_id
            category_id = category_id or service.category_id
        check_categories([category_id], "category_id")
        if master_id is not None:
            if db.session.get(Master, master_id) is None:
                raise ValidationError.field("master_id", "unknown_master", "No such master.", summary="No such master.")
            if master_id == user_id:
                raise ValidationError.field(
                    "master_id",
                    "yourself",
                    "You cannot send a request to yourself.",
                    summary="You cannot send a request to yourself.",
                )
        req = Request(
            customer_id=user_id,
            category_id=category_id,
            title=data["title"],
            description=data.get("description") or "",
            budget=data.get("budget"),
            city=check_city(data.get("city")),
            master_id=master_id,
            service_id=service_id,
            status=wf.OPEN,
        )
        db.session.add(req)
        db.session.flush()
        recipients = [master_id] if master_id is not None else category_masters(category_id, exclude=user_id)
        out = request_out(req)
        notify(recipients, RequestNew(request=out, direct=master_id is not None))
        return out


def get_request(user_id: int, request_id: int) -> dict[str, Any]:
    """One request, if the user may see it."""
    return request_out(access_request(user_id, request_id))


def list_mine(user_id: int, status: str | None, limit: int, before: int | None) -> tuple[list[dict], int | None]:
    """My requests as customer, newest first."""
    stmt = select(Request).where(Request.customer_id == user_id, Request.status != wf.DELETED)
    if status:
        stmt = stmt.where(Request.status == status)
    return _page(stmt, limit, before)


def list_taken(user_id: int, status: str | None, limit: int, before: int | None) -> tuple[list[dict], int | None]:
    """Requests I work on (or worked on) as executor, newest first."""
    stmt = select(Request).where(Request.executor_id == user_id)
    if status:
        stmt = stmt.where(Request.status == status)
    return _page(stmt, limit, before)


def _page(stmt: Any, limit: int, before: int | None) -> tuple[list[dict], int | None]:
    if before is not None:
        stmt = stmt.where(Request.id < before)
    rows = list(db.session.scalars(stmt.order_by(Request.id.desc()).limit(limit + 1)))
    return _cut(rows, limit)


def _cut(rows: list[Request], limit: int) -> tuple[list[dict], int | None]:
    return requests_out(rows[:limit]), (rows[limit - 1].id if len(rows) > limit else None)


def feed(user_id: int, limit: int, before: int | None) -> tuple[list[dict], int | None]:
    """Open requests for a master: category requests in their categories (and below), and those sent to them."""
    if db.session.get(Master, user_id) is None:
        raise Forbidden("Only masters have a feed; open a master card first.", code="no_master_card")
    mine = db.session.scalars(select(master_categories.c.category_id).where(master_categories.c.master_id == user_id))
    categories = with_descendants(*mine)
    # Two simple queries rather than one OR: each walks an index in id order and stops at the page.
    public = select(Request).where(
        Request.status == wf.OPEN,
        Request.master_id.is_(None),
        Request.category_id.in_(categories),
        Request.customer_id != user_id,
    )
    direct = select(Request).where(Request.master_id == user_id, Request.status == wf.OPEN)
    rows: list[Request] = []
    for stmt in (public, direct):
        if before is not None:
            stmt = stmt.where(Request.id < before)
        rows += db.session.scalars(stmt.order_by(Request.id.desc()).limit(limit + 1))
    rows.sort(key=lambda r: r.id, reverse=True)
    items, next_cursor = _cut(rows[: limit + 1], limit)
    # Each item says whether I already answered it, so the feed shows my offer instead of a second form.
    offers = db.session.scalars(
        select(Offer).where(
            Offer.master_id == user_id, Offer.status == wf.LIVE, Offer.request_id.in_([i["id"] for i in items])
        )
    )
    mine_by_request = {o.request_id: offer_out(o) for o in offers}
    for item in items:
        item["my_offer"] = mine_by_request.get(item["id"])
    return items, next_cursor


def list_offers(user_id: int, request_id: int) -> list[dict[str, Any]]:
    """The author sees every offer; a master sees their own; anyone else gets Forbidden."""
    req = access_request(user_id, request_id)
    stmt = select(Offer).where(Offer.request_id == req.id).order_by(Offer.id)
    if user_id != req.customer_id:
        stmt = stmt.where(Offer.master_id == user_id)
        if not db.session.get(Master, user_id):
            raise Forbidden("Only the author and masters see offers.")
    return [offer_out(o) for o in db.session.scalars(stmt)]
