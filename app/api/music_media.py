"""Streaming tracks by signed URL (Range, ETag, caching; X-Accel-Redirect behind nginx) and cover art."""

from __future__ import annotations

import time

from flask import Blueprint, Response, current_app, request, send_file
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from app.errors import NotFound, error_response
from app.media_urls import check_stream
from app.services import music as service
from app.services.uploads import CONTENT_TYPES, stored_path

bp = Blueprint("music_media", __name__, url_prefix="/media")


@bp.get("/tracks/<int:track_id>")
def stream(track_id: int) -> Response:
    """A track's bytes for an `<audio>` element: signed URL (403 when forged or expired), Range (206/416)."""
    expires = check_stream(track_id, request.args.get("e"), request.args.get("s"))
    path, content_type = service.stream_file(track_id)
    max_age = max(0, expires - int(time.time()))
    accel = current_app.config["MEDIA_ACCEL_REDIRECT"]
    if accel:
        # nginx sends the file from its internal location (Range, ETag and all): no worker streams bytes.
        response = Response(status=200, mimetype=content_type)
        response.headers["X-Accel-Redirect"] = f"{accel}/{path.name}"
    else:
        try:
            stat = path.stat()
            response = send_file(
                path,
                mimetype=content_type,
                conditional=True,
                etag=f"{path.stem[:16]}-{stat.st_size}",
                max_age=max_age,
            )
        except RequestedRangeNotSatisfiable as err:
            response = error_response(416, "range_not_satisfiable", "The requested range is outside the file.")
            response.headers["Content-Range"] = f"bytes */{err.length}"
            return response
    # Names are random and never reused; the signature decides how long a cached copy may be used.
    response.headers["Cache-Control"] = f"private, max-age={max_age}"
    response.headers["Accept-Ranges"] = "bytes"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/covers/<name>")
def cover(name: str) -> Response:
    """A track's cover art (re-encoded at upload); public like the tracks that carry it."""
    path = stored_path("covers", name)
    if path is None:
        raise NotFound("No such file.")
    response = send_file(
        path, mimetype=CONTENT_TYPES.get(path.suffix[1:], "application/octet-stream"), max_age=365 * 24 * 3600
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
