"""Marketplace routes: notifications and statistics."""

from __future__ import annotations

from flask import g

from app.api.base import ApiBlueprint
from app.events.notifications import NotificationPage
from app.schemas.market import MarkReadIn, NotificationQuery, StatsOut, UnreadOut, UserStatsOut
from app.services import notifications, reviews

bp = ApiBlueprint("market_misc", __name__, tag="notifications", url_prefix="/api")


@bp.route_spec("/notifications", "GET", query=NotificationQuery, response=NotificationPage, errors=(401, 422))
def list_notifications(query: NotificationQuery):
    """My notifications, newest first (unread=1 for the unread ones), with the unread count; an offer's or a
    request's status in them is the current one."""
    return notifications.notifications_page(g.user.id, bool(query.unread), query.limit, query.before)


@bp.route_spec("/notifications/read", "POST", body=MarkReadIn, response=UnreadOut, errors=(401, 422))
def mark_read(body: MarkReadIn):
    """Mark some ({ids}) or all ({all: true}) of my notifications read; returns the unread count."""
    return {"unread": notifications.mark_read(g.user.id, body.ids, body.all)}


@bp.route_spec("/stats", "GET", response=StatsOut, auth=False)
def stats():
    """Completed orders overall, masters, open requests."""
    return reviews.site_stats()


@bp.route_spec("/users/<int:user_id>/stats", "GET", response=UserStatsOut, errors=(401, 404))
def user_stats(user_id: int):
    """A user's numbers as customer and as master, with their average rating."""
    return reviews.user_stats(user_id)
