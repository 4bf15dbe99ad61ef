"""The reports queue of the admin page and `flask admin reports`: what was reported, by whom, and the
three actions on a report (dismiss it, delete the reported post or comment, ban its author).

Site admins only (the callers check it: app/permissions.require_site_admin or the command line).
Every action writes its audit row (app/services/admin.record) in the transaction of the change.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from app.db import write_tx
from app.errors import Conflict, NotFound, ValidationError
from app.extensions import db
from app.models import User
from app.models.base import isoformat, utcnow
from app.models.social import Comment, Community, Post, PostImage, Report
from app.services import admin
from app.services.comments import remove_comment
from app.services.posts import remove_post
from app.shapes.users import brief

ACTIONS = ("dismiss", "delete", "ban")


def _content(report: Report) -> tuple[User | None, dict[str, Any] | None]:
    """The reported thing as text for the queue, and its author (None when it is gone)."""
    if report.target_type == "post":
        post = db.session.get(Post, report.target_id)
        if post is None:
            return None, None
        images = db.session.scalar(select(db.func.count()).where(PostImage.post_id == post.id)) or 0
        community = db.session.get(Community, post.community_id) if post.community_id else None
        name = community.name if community else None
        text = {"text": post.body, "images": images, "post_id": post.id, "community": name}
        return db.session.get(User, post.author_id), text
    if report.target_type == "comment":
        comment = db.session.get(Comment, report.target_id)
        if comment is None:
            return None, None
        text = {"text": comment.body, "images": 0, "post_id": comment.post_id, "community": None}
        return db.session.get(User, comment.author_id), text
    user = db.session.get(User, report.target_id)
    if user is None:
        return None, None
    text = {"text": f"{user.display_name} (@{user.username})" + (f": {user.bio}" if user.bio else ""), "images": 0}
    return user, {**text, "post_id": None, "community": None}


def queue_item(report: Report) -> dict[str, Any]:
    """A report as the admin page shows it: the content as text, its author, the reporter, the state."""
    author, content = _content(report)
    reporter = db.session.get(User, report.reporter_id)
    return {
        "id": report.id,
        "target_type": report.target_type,
        "target_id": report.target_id,
        "reason": report.reason,
        "details": report.details,
        "status": report.status,
        "created_at": isoformat(report.created_at),
        "resolved_at": isoformat(report.resolved_at),
        "reporter": brief(reporter) if reporter else None,
        "author": {**brief(author), "banned": author.banned_at is not None} if author else None,
        "content": content,
    }


def list_queue(status: str | None, limit: int, before: int | None) -> tuple[list[dict[str, Any]], int | None]:
    """Reports newest first (status: open, resolved, dismissed or None for all), with their content."""
    stmt = select(Report).order_by(Report.id.desc()).limit(limit + 1)
    if status:
        stmt = stmt.where(Report.status == status)
    if before is not None:
        stmt = stmt.where(Report.id < before)
    rows = list(db.session.scalars(stmt))
    page = rows[:limit]
    return [queue_item(r) for r in page], (page[-1].id if len(rows) > limit else None)


def _close(report: Report, status: str, actor_id: int | None) -> None:
    report.status, report.resolved_at, report.resolved_by = status, utcnow(), actor_id


def act(actor: str, actor_id: int | None, report_id: int, action: str, reason: str = "") -> dict[str, Any]:
    """Dismiss a report, delete what it reports (every open report on it closes), or ban the author.

    Conflict when the report is closed already or the content is gone; ValidationError for an
    action that does not fit (deleting a user: use ban, or delete the account on the users list).
    """
    if action not in ACTIONS:
        raise ValidationError("Unknown action.", {"fields": {"action": "one of " + ", ".join(ACTIONS)}})
    if action == "ban":
        report = db.session.get(Report, report_id, populate_existing=True)
        if report is None:
            raise NotFound("No such report.")
        author, _ = _content(report)
        if author is None:
            raise Conflict("The reported content is gone.", code="content_gone")
        admin.ban(actor, actor_id, author.id, reason or f"report #{report_id}")
    with write_tx():
        report = db.session.get(Report, report_id, populate_existing=True)
        if report is None:
            raise NotFound("No such report.")
        if action == "dismiss":
            if report.status != "open":
                raise Conflict("This report is already closed.", code="report_closed")
            _close(report, "dismissed", actor_id)
            admin.record(actor, actor_id, "dismiss_report", None, report=report.id)
        elif action == "delete":
            if report.target_type == "user":
                raise ValidationError("A user is banned, not deleted, from a report.", {"fields": {"action": "ban"}})
            author, _ = _content(report)
            if author is None:
                raise Conflict("The reported content is gone.", code="content_gone")
            db.session.execute(
                update(Report)
                .where(
                    Report.target_type == report.target_type,
                    Report.target_id == report.target_id,
                    Report.status == "open",
                )
                .values(status="resolved", resolved_at=utcnow(), resolved_by=actor_id)
                .execution_options(synchronize_session=False)
            )
            if report.target_type == "post":
                remove_post(db.session.get(Post, report.target_id))
            else:
                comment = db.session.get(Comment, report.target_id)
                remove_comment(comment, db.session.get(Post, comment.post_id))
            db.session.refresh(report)
            admin.record(
                actor, actor_id, f"delete_{report.target_type}", author.id, report=report.id, id=report.target_id
            )
        else:
            if report.status == "open":
                _close(report, "resolved", actor_id)
            admin.record(actor, actor_id, "resolve_report", None, report=report.id, by="ban")
        db.session.flush()
        return queue_item(report)
