"""Reports: anyone reports a post, a comment or a user they can see; moderators work through them.

One report per person and target (a second one returns the first). The moderation tools of
the operations issue read `list_reports` and close reports with `resolve_report`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.db import write_tx
from app.errors import NotFound, ValidationError
from app.extensions import db
from app.models import User
from app.models.base import isoformat, utcnow
from app.models.social import REPORT_STATUSES, Report
from app.permissions import access_comment, access_post


def report_out(report: Report) -> dict[str, Any]:
    """A report as its author and moderators see it."""
    return {
        "id": report.id,
        "reporter_id": report.reporter_id,
        "target_type": report.target_type,
        "target_id": report.target_id,
        "reason": report.reason,
        "details": report.details,
        "status": report.status,
        "created_at": isoformat(report.created_at),
        "resolved_at": isoformat(report.resolved_at),
        "resolved_by": report.resolved_by,
    }


def _check_target(user_id: int, target_type: str, target_id: int) -> None:
    if target_type == "post":
        access_post(user_id, target_id)
    elif target_type == "comment":
        access_comment(user_id, target_id)
    elif db.session.get(User, target_id) is None:
        raise NotFound("No such user.")
    if target_type == "user" and target_id == user_id:
        raise ValidationError("You cannot report yourself.", {"fields": {"target_id": "yourself"}})


def create_report(user_id: int, target_type: str, target_id: int, reason: str, details: str) -> tuple[dict, bool]:
    """Report something I can see; returns (report, created). NotFound/Forbidden for what I cannot see."""
    _check_target(user_id, target_type, target_id)
    mine = select(Report).where(
        Report.reporter_id == user_id, Report.target_type == target_type, Report.target_id == target_id
    )
    try:
        with write_tx() as session:
            existing = session.scalar(mine)
            if existing is not None:
                return report_out(existing), False
            report = Report(
                reporter_id=user_id, target_type=target_type, target_id=target_id, reason=reason, details=details
            )
            session.add(report)
            session.flush()
            return report_out(report), True
    except IntegrityError:  # the same report sent twice at once
        db.session.rollback()
        return report_out(db.session.scalar(mine)), False


def list_reports(status: str | None, limit: int, before: int | None) -> tuple[list[dict[str, Any]], int | None]:
    """Reports for moderators, newest first (the caller checks the moderator's role)."""
    stmt = select(Report).order_by(Report.id.desc()).limit(limit + 1)
    if status is not None:
        stmt = stmt.where(Report.status == status)
    if before is not None:
        stmt = stmt.where(Report.id < before)
    reports = list(db.session.scalars(stmt))
    more = len(reports) > limit
    reports = reports[:limit]
    return [report_out(r) for r in reports], (reports[-1].id if more else None)


def resolve_report(moderator_id: int, report_id: int, status: str) -> dict[str, Any]:
    """Close a report as resolved or dismissed (the caller checks the moderator's role)."""
    if status not in REPORT_STATUSES:
        raise ValidationError("Unknown status.", {"fields": {"status": "unknown"}})
    with write_tx():
        report = db.session.get(Report, report_id)
        if report is None:
            raise NotFound("No such report.")
        report.status = status
        report.resolved_at = utcnow() if status != "open" else None
        report.resolved_by = moderator_id if status != "open" else None
        db.session.flush()
        return report_out(report)
