"""Changing a user's email: the current password, a link to the new address, a notice to the old one.

The answer never says whether the new address has an account: the request only checks the password
and the rate limit and starts a background task; the lookup and the mails happen there. An address
that is free gets a confirmation link; one that is taken gets a notice instead (only its owner reads
it). The change takes effect when the link is opened (`POST /api/users/me/email/confirm {token}`);
every password-reset link issued before then dies. The token is a signed JWT bound to the user's
current email and password stamp, so it is single use (the email it was issued against changes)
and dies with a password change. (docs/SECURITY.md, "Email change".)
"""

from __future__ import annotations

import hashlib
import time

import jwt
from flask import Flask, current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.db import write_tx
from app.errors import Unauthorized, ValidationError
from app.extensions import db, socketio
from app.i18n import browser_locale, user_locale
from app.models import PasswordReset, User
from app.models.base import utcnow
from app.ratelimit import enforce
from app.security import JWT_ALGORITHM, check_password
from app.services.mail import deliver_now
from app.services.mail_texts import render_mail

TOKEN_TYPE = "email_change"


def _stamp(user: User) -> str:
    """What the token is bound to: the current address and password; either changing voids it."""
    raw = f"{user.id}:{user.email}:{user.password_changed_at.isoformat()}:{user.password_hash}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def _mask(address: str) -> str:
    name, _, domain = address.partition("@")
    return f"{name[:1]}***@{domain}"


def check_current_password(user: User, current_password: str | None) -> None:
    """The gate of an email change: ValidationError without the password, Unauthorized when it is wrong."""
    enforce(f"email-change:user:{user.id}", 10, 3600, "email change attempts")
    if not current_password:
        raise ValidationError.field(
            "current_password", "required", "Required.", summary="Changing the email needs your current password."
        )
    if not check_password(current_password, user.password_hash):
        raise Unauthorized("The current password is wrong.", code="invalid_credentials")


def request_email_change(user: User, new_email: str) -> None:
    """Start the change (after check_current_password): mails go out from a background task."""
    new_email = new_email.strip().lower()
    if new_email == user.email:
        return
    # The browser's language now: the mails' language for a reader who never chose one.
    socketio.start_background_task(
        _mail_change, current_app._get_current_object(), user.id, new_email, browser_locale()
    )


def _mail_change(app: Flask, user_id: int, new_email: str, fallback_locale: str | None = None) -> None:
    """Background task: a link to a free new address, or a notice to a taken one; a notice to the old one.
    Each mail in its reader's language (app.i18n.user_locale), else `fallback_locale`."""
    with app.app_context():
        try:
            user = db.session.get(User, user_id)
            if user is None:
                return
            owner = db.session.execute(select(User).where(User.email == new_email)).scalar_one_or_none()
            ttl = app.config["EMAIL_CHANGE_TTL"]
            name = user.display_name or user.username
            language = user_locale(user, fallback_locale)
            if owner is not None:  # the address is taken: its owner (who reads this) in their own language
                owner_language = user_locale(owner, fallback_locale)
                deliver_now(new_email, *render_mail("email_taken", owner_language), owner_language)
            else:
                now = int(time.time())
                payload = {"typ": TOKEN_TYPE, "sub": str(user.id), "new": new_email, "st": _stamp(user)}
                token = jwt.encode({**payload, "iat": now, "exp": now + ttl}, app.config["SECRET_KEY"], JWT_ALGORITHM)
                link = f"{app.config['PUBLIC_URL']}/#/confirm-email?token={token}"
                texts = render_mail("email_change_confirm", language, name=name, hours=ttl // 3600, link=link)
                deliver_now(new_email, *texts, language)
            texts = render_mail("email_change_requested", language, name=name, masked=_mask(new_email))
            deliver_now(user.email, *texts, language)
        except Exception:
            app.logger.exception("email change mail for user %s failed", user_id)
        finally:
            db.session.remove()


def confirm_email_change(token: str) -> User:
    """Make the new address the user's; ValidationError `invalid_email_token` for any bad, used or stale link."""
    invalid = ValidationError("This link is invalid or has expired.", code="invalid_email_token")
    try:
        claims = jwt.decode(
            token, current_app.config["SECRET_KEY"], algorithms=[JWT_ALGORITHM], options={"require": ["exp", "sub"]}
        )
        if claims.get("typ") != TOKEN_TYPE:
            raise invalid
        user_id, new_email, stamp = int(claims["sub"]), str(claims["new"]), str(claims["st"])
    except (jwt.InvalidTokenError, KeyError, ValueError, TypeError):
        raise invalid from None
    try:
        with write_tx():
            user = db.session.get(User, user_id)
            if user is None or _stamp(user) != stamp:
                raise invalid
            if db.session.execute(select(User.id).where(User.email == new_email)).first() is not None:
                raise invalid
            old, user.email = user.email, new_email
            void_reset_links(user.id)
    except IntegrityError:
        raise invalid from None
    language = user_locale(user, browser_locale())
    socketio.start_background_task(
        _mail_changed, current_app._get_current_object(), old, new_email, user.username, language
    )
    return user


def _mail_changed(app: Flask, old: str, new: str, name: str, language: str | None = None) -> None:
    with app.app_context():
        texts = render_mail("email_changed", language, name=name, masked=_mask(new))
        deliver_now(old, *texts, language)


def void_reset_links(user_id: int) -> None:
    """Kill every unused password-reset link of the user (inside the caller's write transaction)."""
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user_id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
    )
