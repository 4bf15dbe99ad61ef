"""Notifications: stored for whoever was offline, pushed live as the `notification` event.

`notify()` is called inside a service's write transaction: the rows are inserted there and
each user's event goes out after the commit, to that user's private room.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, insert, select, update

from app.db import on_commit, write_tx
from app.events import emit_now
from app.events.market import OfferNew, RequestNew
from app.events.notifications import NOTIFICATION_KINDS, NotificationNew, NotificationPayload
from app.extensions import db
from app.models.base import isoformat, utcnow
from app.models.market import Offer, Request
from app.models.notification import Notification
from app.shapes.market import notification_out


def notify(user_ids: Iterable[int], payload: NotificationPayload) -> None:
    """Store one notification of `payload`'s kind per user and push each after the commit.

    Call inside write_tx(). `payload` is an instance of a kind's model (app/events/notifications.py),
    so what is stored and sent has been validated against its kind; anything else is a TypeError.
    """
    kind = getattr(type(payload), "KIND", None)
    if not isinstance(payload, NotificationPayload) or NOTIFICATION_KINDS.get(kind or "") is not type(payload):
        raise TypeError(f"{payload!r} is not a declared notification kind's payload")
    ids = sorted(set(user_ids))
    if not ids:
        return
    data = payload.model_dump(mode="json")
    now = utcnow()
    rows = db.session.execute(
        insert(Notification).returning(Notification.id, Notification.user_id),
        [{"user_id": uid, "kind": kind, "payload": data, "created_at": now} for uid in ids],
    ).all()
    created = isoformat(now)

    def _push() -> None:
        for note_id, user_id in rows:
            emit_now(
                NotificationNew,
                {"id": note_id, "kind": kind, "payload": data, "created_at": created, "read_at": None},
                [user_id],
            )

    on_commit(_push)


def unread_count(user_id: int) -> int:
    """How many of the user's notifications are unread."""
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


def list_notifications(
    user_id: int, unread_only: bool, limit: int, before: int | None
) -> tuple[list[Notification], int | None]:
    """The user's notifications, newest first, paginated by id (`before`)."""
    stmt = select(Notification).where(Notification.user_id == user_id).order_by(Notification.id.desc()).limit(limit + 1)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    if before is not None:
        stmt = stmt.where(Notification.id < before)
    items = list(db.session.scalars(stmt))
    next_cursor = items[limit - 1].id if len(items) > limit else None
    return items[:limit], next_cursor


def notifications_page(user_id: int, unread_only: bool, limit: int, before: int | None) -> dict[str, Any]:
    """GET /api/notifications: `{items, next, unread}`, newest first, each item's state read now (current_state)."""
    items, next_cursor = list_notifications(user_id, unread_only, limit, before)
    return {"items": current_state(items), "next": next_cursor, "unread": unread_count(user_id)}


# The kinds whose payload holds something the bell acts on: its key in the payload and its table.
_ACTIONABLE: dict[str, tuple[str, Any]] = {OfferNew.KIND: ("offer", Offer), RequestNew.KIND: ("request", Request)}


def _acted_on(note: dict[str, Any]) -> dict[str, Any] | None:
    """The offer or request a notification's buttons act on, as stored in its payload (or None)."""
    if note["kind"] not in _ACTIONABLE:
        return None
    shown = note["payload"].get(_ACTIONABLE[note["kind"]][0])
    return shown if isinstance(shown, dict) and isinstance(shown.get("id"), int) else None


def current_state(notes: list[Notification]) -> list[dict[str, Any]]:
    """Notifications as the contract shows them, with what the bell may act on read now.

    A stored payload is what was true when it was sent; the bell's Accept/Reject (`offer:new`) and
    Take/Turn down (a direct `request:new`) must follow what is true now, so `payload.offer.status` and
    `payload.request.status` are the offer's and the request's current status (one query per kind on
    the page). Everything else is as stored.
    """
    out = [notification_out(n) for n in notes]
    ids: dict[str, set[int]] = {kind: set() for kind in _ACTIONABLE}
    for n in out:
        if (shown := _acted_on(n)) is not None:
            ids[n["kind"]].add(shown["id"])
    now: dict[str, dict[int, str]] = {
        kind: dict(db.session.execute(select(model.id, model.status).where(model.id.in_(ids[kind]))).all())
        for kind, (_key, model) in _ACTIONABLE.items()
        if ids[kind]
    }
    for n in out:
        shown = _acted_on(n)
        status = now.get(n["kind"], {}).get(shown["id"]) if shown is not None else None
        if status is not None:  # a copy: the stored row keeps what was sent
            n["payload"] = {**n["payload"], _ACTIONABLE[n["kind"]][0]: {**shown, "status": status}}
    return out


def mark_read(user_id: int, ids: list[int] | None, everything: bool) -> int:
    """Mark the user's notifications read (some ids, or all); other users' ids are ignored. Returns unread."""
    with write_tx():
        stmt = (
            update(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
            .values(read_at=utcnow())
        )
        if not everything:
            stmt = stmt.where(Notification.id.in_(ids or []))
        db.session.execute(stmt)
    return unread_count(user_id)
