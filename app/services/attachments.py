"""Attachments: images and audio, checked by content, size-limited, stored under random names.

Images are decoded and re-encoded (app.services.uploads.store_image); audio is parsed as audio
by app.services.audio.probe (the same check as music tracks: MP3, Ogg Vorbis/Opus, M4A/AAC, FLAC,
WAV; truncated or lying files refused) before it is stored, and is served with the type found
there. A file is readable by its uploader and by the members of the chat it was first sent to.
"""

from __future__ import annotations

import os
import secrets
import unicodedata
from pathlib import Path
from typing import Any

from flask import current_app

from app.concurrency import run_blocking
from app.db import write_tx
from app.errors import NotFound, UnsupportedMediaType
from app.models.chat import Attachment
from app.permissions import access_attachment
from app.services import audio
from app.services.uploads import check_upload_rate, read_limited, store_image, stored_path, upload_dir
from app.shapes.messages import attachment_out

KIND_DIR = "attachments"


def _is_image(data: bytes) -> bool:
    return (
        data.startswith(b"\xff\xd8\xff")
        or data.startswith(b"\x89PNG\r\n\x1a\n")
        or data[:6] in (b"GIF87a", b"GIF89a")
        or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
    )


def _store_audio(data: bytes) -> tuple[str, str]:
    """Store audio only once it parses as audio; returns (content type, stored name). NotAudio (415)."""
    folder = upload_dir(KIND_DIR)
    part = folder / f".part-{secrets.token_hex(16)}"
    try:
        part.write_bytes(data)
        try:
            info = run_blocking(audio.probe, part)
        except audio.NotAudio as err:
            raise UnsupportedMediaType(
                f"Only images (JPEG, PNG, WebP, GIF) and audio ({audio.ACCEPTED}). {err.message}", err.details
            ) from None
        name = f"{secrets.token_hex(16)}.{info.ext}"
        os.replace(part, folder / name)
        return info.content_type, name
    finally:
        part.unlink(missing_ok=True)


def clean_filename(filename: str | None) -> str:
    """The name an attachment is shown with: its last path part, without control characters (NUL
    included), format characters (bidi overrides) or backslashes, at most 200 characters; "file" if
    nothing is left. It is only ever displayed; files are stored under random names."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    name = name.strip().strip(".").strip()
    return name[:200] or "file"


def upload(user_id: int, stream, filename: str) -> dict[str, Any]:
    """Store an uploaded image or audio file for the user; PayloadTooLarge, UnsupportedMediaType."""
    check_upload_rate(user_id)
    data = read_limited(stream, current_app.config["ATTACHMENT_MAX_BYTES"])
    if _is_image(data):
        name, content_type, size = store_image(data, KIND_DIR, max_side=2048)
        kind = "image"
    else:
        content_type, name = _store_audio(data)
        kind, size = "audio", len(data)
    with write_tx() as session:
        attachment = Attachment(
            owner_id=user_id,
            stored_name=name,
            original_name=clean_filename(filename),
            content_type=content_type,
            size=size,
            kind=kind,
        )
        session.add(attachment)
        session.flush()
        return attachment_out(attachment)


def open_attachment(user_id: int, attachment_id: int) -> tuple[Path, str]:
    """The file and real content type of an attachment the user may read; NotFound/Forbidden."""
    attachment = access_attachment(user_id, attachment_id)
    path = stored_path(KIND_DIR, attachment.stored_name)
    if path is None:
        raise NotFound("The file is gone.")
    return path, attachment.content_type
