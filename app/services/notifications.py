"""Notifications: stored for whoever was offline, pushed live as the `notification` event.

`notify()` is called inside a service's write transaction: the rows are inserted there and
each user's event goes out after the commit, to that user's private room.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, insert, select, update

from app.db import on_commit, write_tx
from app.events import emit_now
from app.events.notifications import NOTIFICATION_KINDS, NotificationNew, NotificationPayload
from app.extensions import db
from app.models.base import isoformat, utcnow
from app.models.notification import Notification


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
