"""Accounts: signup, login, refresh-token rotation, logout, password reset and change."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.db import write_tx
from app.errors import Conflict, Forbidden, RateLimited, Unauthorized, ValidationError
from app.extensions import db, socketio
from app.i18n import browser_locale, user_locale
from app.models import AuthSession, PasswordReset, RefreshToken, User
from app.models.base import utcnow
from app.ratelimit import enforce, limiter
from app.realtime import disconnect_sessions_after_commit
from app.security import check_password, hash_password, make_access_token, new_token, token_hash
from app.services.account_email import void_reset_links
from app.services.mail import deliver_now
from app.services.mail_texts import render_mail


def _issue_tokens(session: AuthSession) -> dict[str, str]:
    """Create a fresh refresh token in the session's family; call inside a write transaction."""
    refresh = new_token()
    db.session.add(
        RefreshToken(
            session_id=session.id,
            token_hash=token_hash(refresh),
            expires_at=utcnow() + timedelta(seconds=current_app.config["REFRESH_TOKEN_TTL"]),
        )
    )
    return {"access_token": make_access_token(session.user_id, session.id), "refresh_token": refresh}


def _open_session(user: User, user_agent: str) -> dict[str, str]:
    session = AuthSession(user_id=user.id, user_agent=user_agent[:200])
    db.session.add(session)
    db.session.flush()
    return _issue_tokens(session)


def signup(email: str, username: str, password: str, *, ip: str, user_agent: str = "") -> tuple[User, dict]:
    """Create an account and log it in; Conflict when the email or username is taken."""
    enforce(f"signup:ip:{ip}", 20, 3600, "sign-ups from this address")
    email = email.strip().lower()
    password_hash = hash_password(password)  # outside the write lock: bcrypt is slow
    try:
        with write_tx():
            taken = db.session.execute(
                select(User.email, User.username_lower).where(
                    or_(User.email == email, User.username_lower == username.lower())
                )
            ).first()
            if taken is not None:
                field = "email" if taken.email == email else "username"
                raise Conflict(f"That {field} is already taken.", {"field": field}, code=f"{field}_taken")
            user = User(
                email=email,
                username=username,
                username_lower=username.lower(),
                password_hash=password_hash,
                display_name=username,
            )
            db.session.add(user)
            db.session.flush()
            tokens = _open_session(user, user_agent)
    except IntegrityError:
        raise Conflict("That email or username is already taken.", code="account_taken") from None
    return user, tokens


# Login limits (docs/SECURITY.md, "Login"): guessing is stopped per address and per account-and-address,
# and slowed down per account, but no stranger can lock the owner out: an address the account has
# logged in from is "trusted" for LOGIN_TRUST_DAYS and skips the account-wide slow-down and cap.
LOGIN_PER_ADDRESS = (60, 300)  # attempts from one address, any accounts: (limit, window s)
LOGIN_PER_PAIR = (10, 900)  # failed attempts on one account from one address
LOGIN_PER_ACCOUNT_UNTRUSTED = (100, 3600)  # failed attempts on one account from untrusted addresses
LOGIN_SLOWDOWN_AFTER = 10  # failures on the account (any address, 15 min) before untrusted attempts slow down
LOGIN_SLOWDOWN_STEP = 0.25  # seconds added per failure past that
LOGIN_SLOWDOWN_MAX = 5.0  # seconds at most
LOGIN_TRUST_DAYS = 30


def _login_delay(failures: int) -> float:
    """The wait an untrusted attempt gets on an account that has seen `failures` recent failures."""
    return min(LOGIN_SLOWDOWN_MAX, max(0, failures - LOGIN_SLOWDOWN_AFTER) * LOGIN_SLOWDOWN_STEP)


def login(login_name: str, password: str, *, ip: str, user_agent: str = "") -> tuple[User, dict]:
    """Log in by email or username; Unauthorized `invalid_credentials` for any wrong pair.

    RateLimited per address, per account-and-address, and per account for addresses it never logged in from.
    """
    key = login_name.strip().lower()
    enforce(f"login:ip:{ip}", *LOGIN_PER_ADDRESS, "login attempts from this address")
    user = db.session.execute(
        select(User).where(or_(User.email == key, User.username_lower == key))
    ).scalar_one_or_none()
    # Keyed by the account itself, so switching between email and username does not reset the count.
    account = user.id if user else key
    limits = current_app.config["RATE_LIMITS"]
    lim = limiter()
    pair_key, account_key = f"login:pair:{account}:{ip}", f"login:account:{account}"
    trusted = limits and lim.marked(f"login:trusted:{account}:{ip}")
    if limits:
        if lim.peek(pair_key, LOGIN_PER_PAIR[1]) >= LOGIN_PER_PAIR[0]:
            raise RateLimited("Too many failed logins for this account from this address.", LOGIN_PER_PAIR[1] // 60)
        if not trusted:
            if lim.peek(account_key, LOGIN_PER_ACCOUNT_UNTRUSTED[1]) >= LOGIN_PER_ACCOUNT_UNTRUSTED[0]:
                raise RateLimited("Too many failed logins for this account; try later or reset the password.", 600)
            delay = _login_delay(lim.peek(f"login:recent:{account}", 900))
            if delay:
                socketio.sleep(delay)  # a greenlet waits; the worker does not
    ok = check_password(password, user.password_hash if user else None)
    if user is None or not ok:
        if limits:
            lim.hit(pair_key, LOGIN_PER_PAIR[0], LOGIN_PER_PAIR[1])
            lim.hit(f"login:recent:{account}", 1_000_000, 900)
            if not trusted:
                lim.hit(account_key, LOGIN_PER_ACCOUNT_UNTRUSTED[0], LOGIN_PER_ACCOUNT_UNTRUSTED[1])
        raise Unauthorized("Wrong login or password.", code="invalid_credentials")
    if user.banned_at is not None:  # site administration (app/services/admin.py)
        raise Forbidden("This account is banned.", {"reason": user.banned_reason or ""}, code="account_banned")
    if limits:
        lim.mark(f"login:trusted:{account}:{ip}", LOGIN_TRUST_DAYS * 86400)
    with write_tx():
        tokens = _open_session(user, user_agent)
    return user, tokens


def refresh(refresh_token: str) -> dict[str, str]:
    """Rotate a refresh token; reusing a spent one revokes the whole session family."""
    digest = token_hash(refresh_token)
    reused_session: int | None = None
    with write_tx():
        row = db.session.execute(
            select(RefreshToken, AuthSession)
            .join(AuthSession, AuthSession.id == RefreshToken.session_id)
            .where(RefreshToken.token_hash == digest)
        ).first()
        if row is None:
            raise Unauthorized("Unknown refresh token.", code="invalid_refresh_token")
        token, session = row
        now = utcnow()
        if session.revoked_at is not None:
            raise Unauthorized("This session has ended; log in again.", code="session_revoked")
        if token.used_at is not None:
            session.revoked_at, session.revoked_reason = now, "refresh_reuse"
            disconnect_sessions_after_commit([session.id])
            reused_session = session.id
        elif token.expires_at < now:
            raise Unauthorized("Refresh token expired; log in again.", code="invalid_refresh_token")
        else:
            token.used_at = now
            session.last_used_at = now
            tokens = _issue_tokens(session)
    if reused_session is not None:
        current_app.logger.warning("refresh token reuse: session %s revoked", reused_session)
        raise Unauthorized("Refresh token reuse detected; the session was ended.", code="refresh_reuse")
    return tokens


def logout(session_id: int) -> None:
    """End one login session: its refresh tokens die and its sockets are closed."""
    with write_tx():
        db.session.execute(
            update(AuthSession)
            .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=utcnow(), revoked_reason="logout")
        )
        disconnect_sessions_after_commit([session_id])


def _revoke_sessions(user_id: int, reason: str, keep: int | None = None) -> list[int]:
    """Revoke every live session of a user except `keep`; returns the revoked ids."""
    query = select(AuthSession.id).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
    if keep is not None:
        query = query.where(AuthSession.id != keep)
    ids = list(db.session.execute(query).scalars())
    if ids:
        db.session.execute(
            update(AuthSession).where(AuthSession.id.in_(ids)).values(revoked_at=utcnow(), revoked_reason=reason)
        )
        disconnect_sessions_after_commit(ids)
    return ids


def request_password_reset(email: str, *, ip: str) -> None:
    """Mail a single-use reset link if the address has an account; answer the same either way.

    The lookup, the token write and the mail all happen in a background task, so the request
    does exactly the same work, and takes the same time, whether or not the account exists.
    """
    email = email.strip().lower()
    enforce(f"reset:ip:{ip}", 20, 3600, "reset requests from this address")
    enforce(f"reset:email:{email}", 5, 3600, "reset requests for this address")
    # The browser's language now: the mail's language for a user who never chose one.
    fallback = browser_locale()
    socketio.start_background_task(_send_reset_link, current_app._get_current_object(), email, fallback)


def _send_reset_link(app: Flask, email: str, fallback_locale: str | None = None) -> None:
    """Background task of request_password_reset(): store a hashed token and mail the link, in the user's
    language (else `fallback_locale`, the browser's when the reset was asked for)."""
    with app.app_context():
        try:
            user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
            if user is None:
                return
            token = new_token()
            ttl = app.config["RESET_TOKEN_TTL"]
            with write_tx():
                db.session.add(
                    PasswordReset(
                        user_id=user.id, token_hash=token_hash(token), expires_at=utcnow() + timedelta(seconds=ttl)
                    )
                )
            link = f"{app.config['PUBLIC_URL']}/#/reset-password?token={token}"
            language = user_locale(user, fallback_locale)
            subject, text = render_mail(
                "password_reset", language, name=user.display_name or user.username, minutes=ttl // 60, link=link
            )
            deliver_now(user.email, subject, text, language)
        except Exception:
            app.logger.exception("password reset for %s failed", email)
        finally:
            db.session.remove()


def _live_reset(token: str) -> PasswordReset:
    reset = db.session.execute(
        select(PasswordReset).where(PasswordReset.token_hash == token_hash(token))
    ).scalar_one_or_none()
    if reset is None or reset.used_at is not None or reset.expires_at < utcnow() or _stale(reset):
        raise ValidationError("This reset link is invalid or has expired.", code="invalid_reset_token")
    return reset


def _stale(reset: PasswordReset) -> bool:
    """A link issued before the user's last password change (it may have been written after the void)."""
    changed = db.session.execute(select(User.password_changed_at).where(User.id == reset.user_id)).scalar_one()
    return reset.created_at < changed


def confirm_password_reset(token: str, password: str, ip: str | None = None) -> None:
    """Set a new password with a reset token (single use, 30 minutes) and end every session.

    Attempts are limited per address, and a token is checked before the new password is hashed:
    a stream of made-up tokens costs a lookup each, never bcrypt's time.
    """
    if ip is not None:
        enforce(f"reset-confirm:ip:{ip}", 20, 3600, "password reset attempts")
    _live_reset(token)
    password_hash = hash_password(password)  # outside the write transaction: bcrypt takes its time
    with write_tx():
        reset = _live_reset(token)  # again, under the write lock: the link may have been used meanwhile
        now = utcnow()
        reset.used_at = now
        # Any other outstanding link for the user dies too.
        db.session.execute(
            update(PasswordReset)
            .where(PasswordReset.user_id == reset.user_id, PasswordReset.used_at.is_(None))
            .values(used_at=now)
        )
        user = db.session.get(User, reset.user_id)
        user.password_hash = password_hash
        user.password_changed_at = now
        _revoke_sessions(user.id, "password_reset")


def change_password(user: User, session_id: int, old_password: str, password: str) -> None:
    """Change the password after checking the old one; every other session of the user ends."""
    # A stolen access token must not become a way to guess the password at bcrypt speed.
    enforce(f"password:user:{user.id}", 10, 300, "password change attempts")
    if not check_password(old_password, user.password_hash):
        raise Unauthorized("The current password is wrong.", code="invalid_credentials")
    password_hash = hash_password(password)
    with write_tx():
        user = db.session.get(User, user.id)
        user.password_hash = password_hash
        user.password_changed_at = utcnow()
        void_reset_links(user.id)  # a link mailed before the change must not undo it
        _revoke_sessions(user.id, "password_change", keep=session_id)


def count_live_sessions(user_id: int) -> int:
    """How many login sessions of the user are alive (for settings and tests)."""
    return db.session.execute(
        select(func.count())
        .select_from(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
    ).scalar_one()
