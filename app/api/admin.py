"""Site administration routes (/api/admin): site admins only; every action lands in the audit log."""

from __future__ import annotations

from app.api.base import ApiBlueprint, current_user
from app.permissions import require_site_admin
from app.schemas.admin import (
    AdminUserOut,
    AdminUserPage,
    AdminUserQuery,
    AuditPage,
    AuditQuery,
    BanIn,
    ReportActionIn,
    ReportQueueItem,
    ReportQueuePage,
    ReportsQuery,
    RevokedOut,
)
from app.services import admin as service
from app.services import moderation

bp = ApiBlueprint("admin", __name__, tag="admin", url_prefix="/api/admin")
ERRORS = (401, 403, 404, 409, 422)


def _actor() -> tuple[str, int]:
    admin = require_site_admin(current_user())
    return f"admin:{admin.username}", admin.id


@bp.route_spec("/users", "GET", query=AdminUserQuery, response=AdminUserPage, errors=(401, 403, 422))
def users(query: AdminUserQuery):
    """Every account, newest first, with its admin, ban and deletion state (q: username, email or name)."""
    require_site_admin(current_user())
    items, next_cursor = service.list_users(query.q, query.limit, query.before)
    return {"items": items, "next": next_cursor}


@bp.route_spec("/users/<int:user_id>/ban", "POST", body=BanIn, response=AdminUserOut, errors=ERRORS)
def ban(user_id: int, body: BanIn):
    """Ban: sessions revoked, sockets closed, login refused, master card hidden."""
    actor, actor_id = _actor()
    return service.ban(actor, actor_id, user_id, body.reason)


@bp.route_spec("/users/<int:user_id>/unban", "POST", response=AdminUserOut, errors=ERRORS)
def unban(user_id: int):
    """Lift a ban."""
    actor, actor_id = _actor()
    return service.unban(actor, actor_id, user_id)


@bp.route_spec("/users/<int:user_id>/revoke-sessions", "POST", response=RevokedOut, errors=ERRORS)
def revoke_sessions(user_id: int):
    """End every login session of the user; their sockets close."""
    actor, actor_id = _actor()
    return {"revoked": service.revoke_sessions(actor, actor_id, user_id)}


@bp.route_spec("/users/<int:user_id>", "DELETE", response=AdminUserOut, errors=ERRORS)
def delete_user(user_id: int):
    """Delete the account: personal data wiped; messages stay, shown as "deleted account"."""
    actor, actor_id = _actor()
    return service.delete_user(actor, actor_id, user_id)


@bp.route_spec("/audit", "GET", query=AuditQuery, response=AuditPage, errors=(401, 403, 422))
def audit(query: AuditQuery):
    """The audit log, newest first (user_id: actions on one user)."""
    require_site_admin(current_user())
    items, next_cursor = service.audit_log(query.limit, query.before, query.user_id)
    return {"items": items, "next": next_cursor}


@bp.route_spec("/reports", "GET", query=ReportsQuery, response=ReportQueuePage, errors=(401, 403, 422))
def reports(query: ReportsQuery):
    """The reports queue, newest first: the reported post, comment or user as text, its author, the reporter."""
    require_site_admin(current_user())
    status = None if query.status == "all" else query.status
    items, next_cursor = moderation.list_queue(status, query.limit, query.before)
    return {"items": items, "next": next_cursor}


@bp.route_spec("/reports/<int:report_id>/dismiss", "POST", response=ReportQueueItem, errors=ERRORS)
def dismiss_report(report_id: int):
    """Close the report as dismissed; the content stays."""
    actor, actor_id = _actor()
    return moderation.act(actor, actor_id, report_id, "dismiss")


@bp.route_spec("/reports/<int:report_id>/delete-content", "POST", response=ReportQueueItem, errors=ERRORS)
def delete_reported(report_id: int):
    """Delete the reported post or comment; every open report on it is resolved."""
    actor, actor_id = _actor()
    return moderation.act(actor, actor_id, report_id, "delete")


@bp.route_spec(
    "/reports/<int:report_id>/ban-author", "POST", body=ReportActionIn, response=ReportQueueItem, errors=ERRORS
)
def ban_reported(report_id: int, body: ReportActionIn):
    """Ban the author of the reported content (or the reported user); the report is resolved."""
    actor, actor_id = _actor()
    return moderation.act(actor, actor_id, report_id, "ban", body.reason)
