"""Profile routes."""

from __future__ import annotations

from flask import current_app, g

from app.api.base import ApiBlueprint, current_user, uploaded_file
from app.schemas.social import ProfileOut
from app.schemas.users import EmailConfirmIn, ProfilePatch, UserOut, UserPage, UserSearchQuery
from app.services import account_email
from app.services import users as service

bp = ApiBlueprint("users", __name__, tag="users", url_prefix="/api/users")


@bp.route_spec("/me", "GET", response=UserOut, errors=(401,))
def me():
    """My own profile, private fields included."""
    return service.profile(current_user(), g.user.id)


@bp.route_spec("/me", "PATCH", body=ProfilePatch, response=UserOut, errors=(401, 409, 422, 429))
def edit_me(body: ProfilePatch):
    """Edit my profile; only the fields sent change. A new email needs current_password and is confirmed by mail."""
    user = service.update_profile(current_user(), body.model_dump(exclude_unset=True))
    return service.profile(user, user.id)


@bp.route_spec("/me/email/confirm", "POST", body=EmailConfirmIn, status=204, auth=False, errors=(422,))
def confirm_email(body: EmailConfirmIn):
    """Make the address a confirmation link was mailed to my email (the link's token is the proof)."""
    account_email.confirm_email_change(body.token)


@bp.route_spec(
    "/me/avatar",
    "PUT",
    response=UserOut,
    multipart={"file": "an image (JPEG, PNG, WebP, GIF)"},
    errors=(401, 413, 415, 422),
)
def put_avatar():
    """Upload an avatar; it is checked by content, resized and re-encoded."""
    upload = uploaded_file("Choose an image.", "image")
    user = service.set_avatar(current_user(), upload.stream, current_app.config["AVATAR_MAX_BYTES"])
    return service.profile(user, user.id)


@bp.route_spec("/<int:user_id>", "GET", response=ProfileOut, errors=(401, 404))
def get_user(user_id: int):
    """A user's public profile, with our friendship, their friend count and our mutual friends (404 while banned)."""
    return service.public_profile(g.user.id, user_id)


@bp.route_spec("", "GET", query=UserSearchQuery, response=UserPage, errors=(401, 422))
def search(query: UserSearchQuery):
    """The people directory: everyone newest first, or those matching q word by word (and city)."""
    users, next_cursor = service.search_users(query.q, query.limit, query.after, query.city, query.before)
    return {"items": service.profiles(users, g.user.id), "next": next_cursor}
