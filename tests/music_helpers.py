"""Helpers for the music tests: upload tracks through the API, look at what the upload folder holds."""

from __future__ import annotations

import io
from pathlib import Path


def upload_track(client, user, data: bytes, name: str = "song.bin", **fields):
    """POST /api/tracks with `data` as the file; returns the response."""
    return client.post(
        "/api/tracks",
        headers=user.headers,
        data={"file": (io.BytesIO(data), name), **fields},
        content_type="multipart/form-data",
    )


def track(client, user, sample, **fields) -> dict:
    """Upload a sample and return the stored track."""
    res = upload_track(client, user, sample.read(), sample.path.name, **fields)
    assert res.status_code == 201, res.get_json()
    return res.get_json()


def stored_files(app, kind: str) -> list[str]:
    """Every file in UPLOAD_DIR/<kind>, temporary parts included."""
    folder = Path(app.config["UPLOAD_DIR"]) / kind
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []
