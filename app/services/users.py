"""Profiles: view, edit, search, avatars."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from app.db import write_tx
from app.errors import Conflict, NotFound
from app.extensions import db
from app.models import User
from app.models.base import isoformat
from app.permissions import access_person, can_see_presence, listed, presence_visible_to
from app.presence import presence
from app.services.account_email import check_current_password, request_email_change
from app.services.catalog import refresh_master_search
from app.services.friends import social_profile
from app.services.reference import check_city
from app.services.uploads import check_upload_rate, read_limited, store_image, upload_dir
from app.shapes.users import brief


def profile(
    user: User, viewer_id: int | None, online: bool | None = None, *, presence_checked: bool = False
) -> dict[str, Any]:
    """A profile as the contract shows it; private fields only to its owner.

    `online` is null unless the viewer may see it (app.permissions.presence_visible_to); pass the
    answer in `online` with presence_checked=True when it is already known (lists: profiles()).
    """
    if not presence_checked and online is None and can_see_presence(viewer_id, user.id):
        online = presence().is_online(user.id)
    data: dict[str, Any] = {
        **brief(user),
        "bio": user.bio,
        "city": user.city,
        "telegram": user.telegram,
        "created_at": isoformat(user.created_at),
        "is_master": user.is_master,
        "online": online,
    }
    if viewer_id == user.id:
        data["email"] = user.email
        data["phone"] = user.phone
        data["birth_date"] = user.birth_date.isoformat() if user.birth_date else None
        data["locale"] = user.locale
        data["share_listening"] = user.share_listening
        data["is_admin"] = user.is_admin  # the client shows the admin page's link to site admins
    return data


def profiles(users: list[User], viewer_id: int) -> list[dict[str, Any]]:
    """Profiles of a list of users with one presence-visibility query for all of them."""
    visible = presence_visible_to(viewer_id, [u.id for u in users])
    online = presence()
    return [
        profile(u, viewer_id, online.is_online(u.id) if u.id in visible else None, presence_checked=True) for u in users
    ]


def public_profile(viewer_id: int, user_id: int) -> dict[str, Any]:
    """A person's profile with our friendship, their friend count and our mutual friends (GET /api/users/<id>).

    NotFound for nobody, and for a banned person unless the viewer is a site admin
    (app.permissions.access_person)."""
    return {**profile(access_person(viewer_id, user_id), viewer_id), **social_profile(viewer_id, user_id)}


def get_user(user_id: int) -> User:
    """A user by id, or NotFound."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def update_profile(user: User, changes: dict[str, Any]) -> User:
    """Apply profile changes; Conflict when a new username is taken.

    A new email needs `current_password` (ValidationError without it, Unauthorized when wrong) and
    takes effect only when confirmed from the new mailbox (app.services.account_email); the answer is
    the same whether or not the address is registered.
    """
    changes = dict(changes)
    current_password = changes.pop("current_password", None)
    new_email = changes.pop("email", None)
    if new_email is not None:
        check_current_password(user, current_password)  # before anything else is written
    try:
        user = _update_profile(user, changes)
    except IntegrityError:
        # Two users racing for the same name both pass the check; the unique index stops the second.
        raise Conflict("That username is already taken.", code="account_taken") from None
    if new_email is not None:
        request_email_change(user, new_email)
    return user


def _update_profile(user: User, changes: dict[str, Any]) -> User:
    touched = set(changes)
    with write_tx():
        user = db.session.get(User, user.id)
        if "username" in changes and changes["username"] is not None:
            new = changes.pop("username")
            clash = db.session.execute(
                select(User.id).where(User.username_lower == new.lower(), User.id != user.id)
            ).first()
            if clash:
                raise Conflict("That username is already taken.", {"field": "username"}, code="username_taken")
            user.username, user.username_lower = new, new.lower()
        if "city" in changes:
            changes["city"] = check_city(changes["city"])  # a listed city's canonical spelling, else as typed
        for field in ("display_name", "bio", "city", "telegram", "phone", "birth_date", "locale"):
            if field in changes:
                value = changes[field]
                if value is None and field not in ("birth_date", "locale"):
                    value = ""
                setattr(user, field, value)
        if changes.get("share_listening") is not None:
            user.share_listening = changes["share_listening"]
        if {"username", "display_name"} & touched:
            refresh_master_search(user.id)
    return user


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_users(
    query: str, limit: int, after: int | None, city: str = "", before: int | None = None
) -> tuple[list[User], int | None]:
    """The people directory and user search.

    Every word of `query` must match the username or the display name, in any order ("Petrova Ann"
    finds "Ann Petrova"); `city` narrows to one city. Without a query everyone is listed newest first,
    paged with `before`; a query's matches come by id, paged with `after` (`next` is that cursor).
    """
    ascending = after is not None or (bool(query.strip()) and before is None)
    stmt = (
        select(User)
        # deleted accounts are no longer in the directory; banned ones are hidden while banned
        .where(listed())
        .order_by(User.id if ascending else User.id.desc())
        .limit(limit + 1)
    )
    for word in query.lower().split():
        pattern = _like(word)
        stmt = stmt.where(
            or_(
                User.username_lower.like(pattern, escape="\\"),
                db.func.lower(User.display_name).like(pattern, escape="\\"),
            )
        )
    if city.strip():
        stmt = stmt.where(db.func.lower(User.city) == city.strip().lower())
    if after is not None:
        stmt = stmt.where(User.id > after)
    elif before is not None:
        stmt = stmt.where(User.id < before)
    users = list(db.session.execute(stmt).scalars())
    next_cursor = users[limit - 1].id if len(users) > limit else None
    return users[:limit], next_cursor


def set_avatar(user: User, stream, max_bytes: int) -> User:
    """Check, re-encode and store an uploaded avatar; the old file is removed."""
    check_upload_rate(user.id)
    data = read_limited(stream, max_bytes)
    name, _content_type, _size = store_image(data, "avatars", max_side=512)
    with write_tx():
        user = db.session.get(User, user.id)
        old, user.avatar = user.avatar, name
    if old:
        (upload_dir("avatars") / old).unlink(missing_ok=True)
    return user
