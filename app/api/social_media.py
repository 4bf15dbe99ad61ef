"""Serving post images: real Content-Type, nosniff, long cache (random names, never reused)."""

from __future__ import annotations

from flask import Blueprint, send_file

from app.errors import NotFound
from app.services.posts import IMAGE_KIND
from app.services.uploads import CONTENT_TYPES, stored_path

bp = Blueprint("social_media", __name__, url_prefix="/media")


@bp.get("/posts/<name>")
def post_image(name: str):
    """A post image under its random name (the post's page is what is access-checked)."""
    path = stored_path(IMAGE_KIND, name)
    if path is None:
        raise NotFound("No such file.")
    response = send_file(
        path, mimetype=CONTENT_TYPES.get(path.suffix[1:], "application/octet-stream"), max_age=365 * 24 * 3600
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
