"""Site administration routes (/api/admin): site admins only; every action lands in the audit log."""

from __future__ import annotations

from flask import g

from app.api.base import ApiBlueprint
from app.permissions import require_site_admin
from app.schemas.admin import AdminUserOut, AdminUserPage, AdminUserQuery, AuditPage, AuditQuery, BanIn, RevokedOut
from app.services import admin as service

bp = ApiBlueprint("admin", __name__, tag="admin", url_prefix="/api/admin")
ERRORS = (401, 403, 404, 409, 422)


def _actor() -> tuple[str, int]:
    admin = require_site_admin(g.user)
    return f"admin:{admin.username}", admin.id


@bp.route_spec("/users", "GET", query=AdminUserQuery, response=AdminUserPage, errors=(401, 403, 422))
def users(query: AdminUserQuery):
    """Every account, newest first, with its admin, ban and deletion state (q: username, email or name)."""
    require_site_admin(g.user)
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
    require_site_admin(g.user)
    items, next_cursor = service.audit_log(query.limit, query.before, query.user_id)
    return {"items": items, "next": next_cursor}
