"""Signed, expiring URLs for streaming tracks: an `<audio>` element sends no Authorization header.

`stream_url(track_id)` is `/media/tracks/<id>?e=<expiry>&s=<HMAC-SHA256>`, keyed by a key derived
from SECRET_KEY. The expiry is rounded up to the next ten minutes, so the URL of a track stays the
same for ten minutes and the browser's cache (and its Range requests) keep working across page views.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from flask import current_app

from app.errors import Forbidden

ROUND_S = 600


def _signature(track_id: int, expires: int) -> str:
    key = hashlib.sha256(b"masterchat stream url\0" + current_app.config["SECRET_KEY"].encode()).digest()
    return hmac.new(key, f"track:{track_id}:{expires}".encode(), hashlib.sha256).hexdigest()[:32]


def stream_url(track_id: int, now: float | None = None) -> str:
    """The signed URL that streams a track, valid for STREAM_URL_TTL seconds (and up to ten minutes more)."""
    now = time.time() if now is None else now
    expires = int((now + current_app.config["STREAM_URL_TTL"]) // ROUND_S + 1) * ROUND_S
    return f"/media/tracks/{track_id}?e={expires}&s={_signature(track_id, expires)}"


def check_stream(track_id: int, expires: str | None, signature: str | None) -> int:
    """Verify a stream URL's signature and expiry; returns the expiry. Forbidden (403) when forged or expired."""
    if not expires or not signature or not expires.isdigit() or len(expires) > 12:
        raise Forbidden("This stream link is not signed.", {"reason": "bad_signature"}, code="bad_signature")
    if not hmac.compare_digest(_signature(track_id, int(expires)), signature):
        raise Forbidden("This stream link is forged or damaged.", {"reason": "bad_signature"}, code="bad_signature")
    if int(expires) < time.time():
        raise Forbidden("This stream link has expired; ask for the track again.", {"reason": "expired"}, code="expired")
    return int(expires)
