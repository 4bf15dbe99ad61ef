"""Account routes: thin wrappers around app.services.auth."""

from __future__ import annotations

from flask import current_app, g, request

from app.api.base import ApiBlueprint, current_user
from app.schemas.auth import (
    AuthOut,
    ChangePasswordIn,
    LoginIn,
    RefreshIn,
    ResetConfirmIn,
    ResetRequestIn,
    SignupIn,
    TokensOut,
)
from app.services import auth as service
from app.services.users import profile

bp = ApiBlueprint("auth", __name__, tag="auth", url_prefix="/api/auth")


def _ip() -> str:
    """The client's address for rate limits: the socket peer, or X-Forwarded-For behind PROXY_HOPS proxies.

    Only the entries our own proxies appended are trusted (counted from the right), so a client
    cannot pick its own address by sending the header.
    """
    hops = current_app.config.get("PROXY_HOPS", 0)
    if hops:
        forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",") if a.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.remote_addr or "unknown"


def _ua() -> str:
    return request.headers.get("User-Agent", "")


@bp.route_spec("/signup", "POST", body=SignupIn, response=AuthOut, status=201, auth=False, errors=(409, 422, 429))
def signup(body: SignupIn):
    """Create an account; returns the user and a token pair."""
    user, tokens = service.signup(body.email, body.username, body.password, ip=_ip(), user_agent=_ua())
    return {"user": profile(user, user.id), **tokens}


@bp.route_spec("/login", "POST", body=LoginIn, response=AuthOut, auth=False, errors=(401, 422, 429))
def login(body: LoginIn):
    """Log in with email or username and password."""
    user, tokens = service.login(body.login, body.password, ip=_ip(), user_agent=_ua())
    return {"user": profile(user, user.id), **tokens}


@bp.route_spec("/refresh", "POST", body=RefreshIn, response=TokensOut, auth=False, errors=(401, 422))
def refresh(body: RefreshIn):
    """Trade a refresh token for a new pair; the old one is spent."""
    return service.refresh(body.refresh_token)


@bp.route_spec("/logout", "POST", status=204, errors=(401,))
def logout():
    """End this session: its refresh token dies and its sockets close."""
    service.logout(g.session_id)


@bp.route_spec("/reset-password", "POST", body=ResetRequestIn, status=202, auth=False, errors=(422, 429))
def reset_password(body: ResetRequestIn):
    """Mail a reset link if the address has an account; 202 either way."""
    service.request_password_reset(body.email, ip=_ip())
    return {"ok": True}, 202


@bp.route_spec("/reset-password/confirm", "POST", body=ResetConfirmIn, status=204, auth=False, errors=(422, 429))
def reset_password_confirm(body: ResetConfirmIn):
    """Set a new password with the mailed token; every session of the user ends."""
    service.confirm_password_reset(body.token, body.password, ip=_ip())


@bp.route_spec("/change-password", "POST", body=ChangePasswordIn, status=204, errors=(401, 422, 429))
def change_password(body: ChangePasswordIn):
    """Change the password; every other session of the user ends."""
    service.change_password(current_user(), g.session_id, body.old_password, body.password)
