"""Site administration: admins, bans, session revocation, account deletion, and the audit log.

Called by the `flask admin ...` commands (actor "cli:<os user>") and the /api/admin routes (actor
"admin:<username>", site admins only, checked in app/permissions.py). Every action writes its audit
row in the same transaction as the change itself.

Closing sockets: an action from the REST API closes the user's sockets right after its commit.
An action from the command line runs in another process, which cannot reach the server's sockets
without Redis; so every served worker also runs `watch_actions`, which reads new audit rows each
second and closes the sockets of the users they name (within 2 s, wherever the action came from).
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

from sqlalchemy import func, or_, select, update

from app.db import write_tx
from app.errors import Conflict, NotFound, ValidationError
from app.extensions import db
from app.models import AuthSession, User
from app.models.admin import AdminAction
from app.models.base import utcnow
from app.security import hash_password

log = logging.getLogger("masterchat.admin")

# Actions after which the target's sockets must close.
CLOSES_SOCKETS = ("ban", "revoke_sessions", "delete_user")
DELETED_NAME = "deleted account"


def find_user(ref: str | int) -> User:
    """A user by id, username or email; NotFound otherwise."""
    text = str(ref).strip()
    clauses = [User.username_lower == text.lower(), User.email == text.lower()]
    if text.isdigit():
        clauses.append(User.id == int(text))
    user = db.session.execute(select(User).where(or_(*clauses))).scalars().first()
    if user is None:
        raise NotFound(f"No user {text!r}.")
    return user


def _audit(actor: str, actor_id: int | None, action: str, target_id: int | None, **details: Any) -> AdminAction:
    row = AdminAction(
        actor=actor[:100], actor_id=actor_id, action=action, target_id=target_id, details=json.dumps(details)
    )
    db.session.add(row)
    log.info("admin: %s %s user=%s %s", actor, action, target_id, details or "")
    return row


def record(actor: str, actor_id: int | None, action: str, target_id: int | None, **details: Any) -> AdminAction:
    """Write an audit row inside the caller's transaction (other admin services: the reports queue)."""
    return _audit(actor, actor_id, action, target_id, **details)


def _revoke(user_id: int, reason: str) -> list[int]:
    from app.realtime import disconnect_sessions_after_commit

    ids = list(
        db.session.scalars(
            select(AuthSession.id).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        )
    )
    if ids:
        db.session.execute(
            update(AuthSession).where(AuthSession.id.in_(ids)).values(revoked_at=utcnow(), revoked_reason=reason)
        )
        disconnect_sessions_after_commit(ids)
    return ids


def create_admin(username: str, email: str | None, password: str | None, actor: str) -> tuple[User, bool]:
    """Make `username` a site admin, creating the account (email and password needed) if it does not exist.

    Returns (user, created). ValidationError when a new account lacks its email or password.
    """
    existing = db.session.scalar(select(User).where(User.username_lower == username.lower()))
    with write_tx():
        if existing is not None:
            user = db.session.get(User, existing.id)
            user.is_admin = True
            _audit(actor, None, "grant_admin", user.id)
            return user, False
        if not email or not password:
            raise ValidationError("A new admin needs --email and a password.")
        if db.session.scalar(select(User.id).where(User.email == email.strip().lower())) is not None:
            raise Conflict("That email is already taken.", code="email_taken")
        now = utcnow()
        user = User(
            email=email.strip().lower(),
            username=username,
            username_lower=username.lower(),
            password_hash=hash_password(password),
            display_name=username,
            is_admin=True,
            created_at=now,
            password_changed_at=now,
        )
        db.session.add(user)
        db.session.flush()
        _audit(actor, None, "create_admin", user.id)
    return user, True


def ban(actor: str, actor_id: int | None, user_id: int, reason: str = "") -> dict[str, Any]:
    """Ban a user: every session revoked, sockets closed, login refused, master card hidden."""
    with write_tx():
        user = _target(user_id, actor_id)
        if user.banned_at is not None:
            raise Conflict("This user is already banned.", code="already_banned")
        user.banned_at, user.banned_reason = utcnow(), (reason or "")[:200]
        sessions = _revoke(user.id, "banned")
        _audit(actor, actor_id, "ban", user.id, reason=reason, sessions=len(sessions))
        return admin_user_out(user)


def unban(actor: str, actor_id: int | None, user_id: int) -> dict[str, Any]:
    """Lift a ban (the user logs in again; the master card shows again)."""
    with write_tx():
        user = _target(user_id, actor_id)
        if user.banned_at is None:
            raise Conflict("This user is not banned.", code="not_banned")
        user.banned_at, user.banned_reason = None, None
        _audit(actor, actor_id, "unban", user.id)
        return admin_user_out(user)


def revoke_sessions(actor: str, actor_id: int | None, user_id: int) -> int:
    """End every login session of a user (they log in again); returns how many were live."""
    with write_tx():
        user = _target(user_id, actor_id, allow_self=True)
        sessions = _revoke(user.id, "admin")
        _audit(actor, actor_id, "revoke_sessions", user.id, sessions=len(sessions))
        return len(sessions)


def delete_user(actor: str, actor_id: int | None, user_id: int) -> dict[str, Any]:
    """Delete an account: personal data wiped, sessions revoked, sockets closed, master card hidden.

    The row stays (messages, orders and reviews keep their sender) and shows as "deleted account".
    """
    from app.services.uploads import upload_dir

    with write_tx():
        user = _target(user_id, actor_id)
        if user.deleted_at is not None:
            raise Conflict("This account is already deleted.", code="already_deleted")
        sessions = _revoke(user.id, "deleted")
        avatar = user.avatar
        user.deleted_at = utcnow()
        user.username = user.username_lower = f"deleted-{user.id}"
        user.email = f"deleted-{user.id}@deleted.invalid"
        user.display_name, user.bio, user.city, user.telegram, user.phone = DELETED_NAME, "", "", "", ""
        user.birth_date, user.avatar, user.is_admin = None, None, False
        user.password_hash = hash_password(secrets.token_urlsafe(32))  # no password opens it again
        _audit(actor, actor_id, "delete_user", user.id, sessions=len(sessions))
        out = admin_user_out(user)
    if avatar:
        (upload_dir("avatars") / avatar).unlink(missing_ok=True)
    return out


def _target(user_id: int, actor_id: int | None, allow_self: bool = False) -> User:
    user = db.session.get(User, user_id, populate_existing=True)
    if user is None:
        raise NotFound("No such user.")
    if actor_id is not None and user.id == actor_id and not allow_self:
        raise ValidationError("Administrators cannot do this to themselves.", {"reason": "self"})
    return user


def admin_user_out(user: User) -> dict[str, Any]:
    """A user as the admin page shows them."""
    from app.shapes.users import avatar_url

    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "display_name": user.display_name,
        "avatar_url": avatar_url(user),
        "is_admin": user.is_admin,
        "is_master": user.is_master,
        "banned": user.banned_at is not None,
        "banned_reason": user.banned_reason,
        "deleted": user.deleted_at is not None,
        "created_at": user.created_at.isoformat().replace("+00:00", "Z"),
    }


def list_users(q: str, limit: int, cursor: int | None) -> tuple[list[dict[str, Any]], int | None]:
    """Users for the admin page, newest first, matching q in username, email or name."""
    stmt = select(User).order_by(User.id.desc())
    if q.strip():
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(
            or_(User.username_lower.like(like), User.email.like(like), func.lower(User.display_name).like(like))
        )
    if cursor is not None:
        stmt = stmt.where(User.id < cursor)
    rows = list(db.session.scalars(stmt.limit(limit + 1)))
    page = rows[:limit]
    return [admin_user_out(u) for u in page], (page[-1].id if len(rows) > limit else None)


def audit_log(limit: int, before: int | None, target_id: int | None = None) -> tuple[list[dict], int | None]:
    """The audit log, newest first (optionally one user's)."""
    stmt = select(AdminAction).order_by(AdminAction.id.desc())
    if before is not None:
        stmt = stmt.where(AdminAction.id < before)
    if target_id is not None:
        stmt = stmt.where(AdminAction.target_id == target_id)
    rows = list(db.session.scalars(stmt.limit(limit + 1)))
    page = rows[:limit]
    items = [
        {
            "id": r.id,
            "actor": r.actor,
            "actor_id": r.actor_id,
            "action": r.action,
            "target_id": r.target_id,
            "details": json.loads(r.details or "{}"),
            "created_at": r.created_at.isoformat().replace("+00:00", "Z"),
        }
        for r in page
    ]
    return items, (page[-1].id if len(rows) > limit else None)


def close_user_sockets(user_ids: list[int]) -> int:
    """Close every socket of these users (every worker's, through presence); returns how many."""
    from app.extensions import socketio
    from app.presence import presence

    server = socketio.server
    if server is None:
        return 0
    closed = 0
    for user_id in user_ids:
        for sid in presence().sids(user_id):
            server.disconnect(sid, namespace="/")
            closed += 1
    return closed


def watch_actions(app: Any, every: float = 1.0) -> None:
    """Background task of each served worker: close the sockets of users named by new audit rows
    (bans, revocations, deletions made from the command line or another worker)."""
    from app.extensions import socketio

    last: int | None = None
    while True:
        try:
            with app.app_context():
                newest = db.session.scalar(select(func.max(AdminAction.id))) or 0
                if last is not None and newest > last:
                    targets = db.session.scalars(
                        select(AdminAction.target_id).where(
                            AdminAction.id > last, AdminAction.action.in_(CLOSES_SOCKETS)
                        )
                    )
                    ids = sorted({t for t in targets if t is not None})
                    if ids and close_user_sockets(ids):
                        log.info("admin: closed the sockets of users %s", ids)
                last = newest
                db.session.remove()
        except Exception:  # a database hiccup must not end the watch
            log.exception("admin: watching the audit log failed")
        socketio.sleep(every)
