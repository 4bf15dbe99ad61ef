"""Uploaded files: checked by content, size-limited, re-encoded, stored under random names."""

from __future__ import annotations

import io
import secrets
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps

from app.concurrency import run_blocking
from app.errors import DomainError, PayloadTooLarge, UnsupportedMediaType, ValidationError

MAX_PIXELS = 40_000_000
# Pillow only warns between MAX_IMAGE_PIXELS and twice that; we check the size ourselves before decoding.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
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
        if width * height > MAX_PIXELS:
            raise PayloadTooLarge(
                f"The image is {width}x{height} pixels; at most {MAX_PIXELS // 1_000_000} megapixels.",
                {"limit_pixels": MAX_PIXELS},
            )
        if fmt not in IMAGE_FORMATS:
            raise UnsupportedMediaType("Only JPEG, PNG, WebP and GIF images are accepted.")
        with Image.open(io.BytesIO(data)) as img:
            img = ImageOps.exif_transpose(img)  # keep orientation, then drop EXIF by re-encoding
            img.thumbnail((max_side, max_side))
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


def store_image(data: bytes, kind: str, max_side: int = 1024) -> tuple[str, str, int]:
    """Re-encode an image and store it; returns (stored name, content type, size)."""
    encoded, content_type, ext = run_blocking(_reencode_image, data, max_side)
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
