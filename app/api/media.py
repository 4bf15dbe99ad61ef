"""Serving uploads: real Content-Type, nosniff, long cache (names are random and never reused)."""

from __future__ import annotations

from flask import Blueprint, send_file

from app.errors import NotFound
from app.services.uploads import CONTENT_TYPES, stored_path

bp = Blueprint("media", __name__, url_prefix="/media")


@bp.get("/avatars/<name>")
def avatar(name: str):
    """An avatar image; avatars are public like the profiles they belong to."""
    path = stored_path("avatars", name)
    if path is None:
        raise NotFound("No such file.")
    response = send_file(
        path, mimetype=CONTENT_TYPES.get(path.suffix[1:], "application/octet-stream"), max_age=365 * 24 * 3600
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
