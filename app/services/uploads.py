"""Uploaded files: checked by content, size-limited, re-encoded, stored under random names."""

from __future__ import annotations

import io
import secrets
import threading
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps

from app.concurrency import run_blocking
from app.errors import DomainError, PayloadTooLarge, RateLimited, UnsupportedMediaType, ValidationError
from app.ratelimit import enforce

# Decoding is bounded (docs/SECURITY.md, "Images"). A JPEG is decoded at a reduced scale (draft mode: at
# most twice the stored size, whatever its pixel count), so it may have up to MAX_PIXELS: a 48 MP phone
# photo fits (peak 83 MB). PNG, GIF and WebP decode at full size, 4 bytes a pixel, and resizing RGBA
# copies them again: 16.8 MP (a 5K screenshot fits) peaks at 177 MB, WebP's decoder needs more, so it gets
# 12 MP (a 12 MP phone photo; 185 MB). At most IMAGE_DECODES run at once in a worker, the others wait
# their turn (DECODE_WAIT seconds at most). Measured by bench/image_memory.py.
MAX_PIXELS = 50_000_000
PIXEL_LIMITS = {"JPEG": MAX_PIXELS, "PNG": 4096 * 4096, "GIF": 4096 * 4096, "WEBP": 12_000_000}
DECODE_WAIT = 30.0
# Pillow only warns between MAX_IMAGE_PIXELS and twice that; we check the size ourselves before decoding.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
_decodes: threading.BoundedSemaphore | None = None
IMAGE_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "GIF": ("image/png", "png"),
}


def upload_dir(kind: str) -> Path:
    """The folder (outside static/) where uploads of a kind live."""
    path = Path(current_app.config["UPLOAD_DIR"]) / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


def read_limited(stream, limit: int) -> bytes:
    """Read at most `limit` bytes from a file stream; PayloadTooLarge if it holds more."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"The file is larger than {limit // (1024 * 1024)} MB.", {"limit": limit})
    if not data:
        raise ValidationError.field("file", "required", "The file is empty.", summary="The file is empty.")
    return data


def _reencode_image(data: bytes, max_side: int) -> tuple[bytes, str, str]:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            width, height = probe.size
            probe.verify()
        if fmt not in IMAGE_FORMATS:
            raise UnsupportedMediaType("Only JPEG, PNG, WebP and GIF images are accepted.")
        limit = PIXEL_LIMITS[fmt]
        if width * height > limit:
            raise PayloadTooLarge(
                f"The image is {width}x{height} pixels; at most {limit / 1_000_000:.1f} megapixels for {fmt}.",
                {"limit_pixels": limit},
            )
        with Image.open(io.BytesIO(data)) as img:
            # Shrink first, then turn: the full-size pixels are never copied to a transposed twin, and a
            # JPEG is never decoded at full size (its decoder scales by 1/2, 1/4 or 1/8 to at least max_side;
            # thumbnail's own draft asks for twice max_side, which leaves a 48 MP photo at full size).
            img.draft(img.mode, (max_side, max_side))
            img.thumbnail((max_side, max_side))
            img = ImageOps.exif_transpose(img)  # keep orientation, then drop EXIF by re-encoding
            # Pillow copies some of img.info (comment, ICC profile, EXIF) into the new file by default:
            # keep only what the pixels need.
            img.info = {k: v for k, v in img.info.items() if k == "transparency"}
            out = io.BytesIO()
            content_type, ext = IMAGE_FORMATS[fmt]
            if content_type == "image/jpeg":
                img.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
            elif content_type == "image/webp":
                img.save(out, "WEBP", quality=88)
            else:
                if img.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                    img = img.convert("RGBA")
                img.save(out, "PNG", optimize=True)
            return out.getvalue(), content_type, ext
    except DomainError:
        raise
    except Image.DecompressionBombError:
        raise PayloadTooLarge(f"The image has more than {MAX_PIXELS // 1_000_000} megapixels.") from None
    except Exception:
        # Pillow's decoders raise many kinds of errors on crafted files (OSError, SyntaxError,
        # struct.error, IndexError...); every one of them means "not an image we accept".
        raise UnsupportedMediaType("The file is not an image we can read.") from None


def _decode_slots() -> threading.BoundedSemaphore:
    global _decodes
    if _decodes is None:
        _decodes = threading.BoundedSemaphore(current_app.config["IMAGE_DECODES"])
    return _decodes


def check_upload_rate(user_id: int) -> None:
    """RateLimited past UPLOAD_RATE uploads (avatars, attachments, images) per user in 5 minutes."""
    enforce(f"upload:user:{user_id}", current_app.config["UPLOAD_RATE"], 300, "uploads")


def store_image(data: bytes, kind: str, max_side: int = 1024) -> tuple[str, str, int]:
    """Re-encode an image and store it; returns (stored name, content type, size).

    At most IMAGE_DECODES run at once per worker (a green semaphore: waiting costs nothing); one that
    cannot start within DECODE_WAIT seconds is RateLimited.
    """
    slots = _decode_slots()
    if not slots.acquire(timeout=DECODE_WAIT):
        raise RateLimited("The server is busy with other images; try again shortly.", 5)
    try:
        encoded, content_type, ext = run_blocking(_reencode_image, data, max_side)
    finally:
        slots.release()
    name = f"{secrets.token_hex(16)}.{ext}"
    (upload_dir(kind) / name).write_bytes(encoded)
    return name, content_type, len(encoded)


CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def stored_path(kind: str, name: str) -> Path | None:
    """Path of a stored upload, or None for names we never produced (no traversal)."""
    stem, _, ext = name.partition(".")
    if len(stem) != 32 or not all(c in "0123456789abcdef" for c in stem) or not ext.isalnum():
        return None
    path = upload_dir(kind) / name
    return path if path.is_file() else None
