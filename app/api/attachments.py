"""Attachment routes: upload once, then send its id with a message; served only to the chat's members."""

from __future__ import annotations

from flask import g, send_file

from app.api.base import ApiBlueprint, uploaded_file
from app.schemas.chats import AttachmentOut
from app.services import attachments as service

bp = ApiBlueprint("attachments", __name__, tag="messages", url_prefix="/api/attachments")


@bp.route_spec(
    "",
    "POST",
    response=AttachmentOut,
    status=201,
    multipart={"file": "an image (JPEG, PNG, WebP, GIF) or audio (MP3, Ogg Vorbis/Opus, M4A/AAC, FLAC, WAV)"},
    errors=(401, 413, 415, 422),
)
def upload():
    """Upload an image or audio file; images are re-encoded, audio is checked by its content."""
    file = uploaded_file("Choose a file.", "file")
    return service.upload(g.user.id, file.stream, file.filename or "")


@bp.route_spec("/<int:attachment_id>", "GET", errors=(401, 403, 404))
def download(attachment_id: int):
    """The file, with its real type; only for its uploader and the members of its chat."""
    path, content_type = service.open_attachment(g.user.id, attachment_id)
    response = send_file(path, mimetype=content_type, max_age=0, conditional=True)
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
