"""Music: upload tracks (checked as audio by app.services.audio), search them, keep them in "my music".

Called by the REST routes in app/api/music.py. A track's file lives in UPLOAD_DIR/tracks under a
random name; its cover art, re-encoded, in UPLOAD_DIR/covers. A refused upload leaves nothing behind.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import IO, Any

from flask import current_app
from sqlalchemy import delete, select, update

from app.concurrency import run_blocking
from app.db import on_commit, write_tx
from app.errors import DomainError, NotFound, PayloadTooLarge, ValidationError
from app.extensions import db
from app.models.chat import Message
from app.models.music import MusicEntry, Track
from app.models.social import Post
from app.permissions import access_track
from app.services import audio
from app.services.uploads import check_upload_rate, store_image, stored_path, upload_dir
from app.shapes.music import track_out, tracks_out

TRACKS_DIR, COVERS_DIR = "tracks", "covers"
CHUNK = 256 * 1024


def _save_limited(stream: IO[bytes], path: Path, limit: int) -> int:
    """Copy an upload to `path`, at most `limit` bytes; PayloadTooLarge past it, ValidationError if empty."""
    size = 0
    with open(path, "wb") as out:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"A track is at most {limit // (1024 * 1024)} MB.", {"limit": limit})
            out.write(chunk)
    if size == 0:
        raise ValidationError("The file is empty.", {"fields": {"file": "empty"}})
    return size


def _search_text(title: str, artist: str) -> str:
    return f"{title} {artist}".casefold()[:401]


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())[:200]


def upload_track(
    user_id: int, stream: IO[bytes], filename: str, title: str | None = None, artist: str | None = None
) -> dict[str, Any]:
    """Store an uploaded track and add it to the uploader's music; returns the track.

    The file is checked by its content (app.services.audio.probe); title, artist, album, duration and
    cover come from its tags, `title`/`artist` override them. PayloadTooLarge (TRACK_MAX_BYTES),
    NotAudio (415: not audio, truncated, or lying about its type), ValidationError (empty),
    RateLimited (UPLOAD_RATE). Nothing is left on disk or in the database when it fails.
    """
    check_upload_rate(user_id)  # UPLOAD_RATE, shared with avatars and attachments
    folder = upload_dir(TRACKS_DIR)
    part = folder / f".part-{secrets.token_hex(16)}"
    final: Path | None = None
    cover: str | None = None
    try:
        size = _save_limited(stream, part, current_app.config["TRACK_MAX_BYTES"])
        info = run_blocking(audio.probe, part)
        if info.cover:
            try:
                cover, _type, _size = store_image(info.cover, COVERS_DIR, max_side=600)
            except DomainError:
                cover = None  # unreadable cover art: the track is still fine
        final = folder / f"{secrets.token_hex(16)}.{info.ext}"
        os.replace(part, final)
        title = _clean(title) or info.title or _clean(Path(filename or "").stem) or "Untitled"
        artist = _clean(artist) if artist is not None and _clean(artist) else info.artist
        with write_tx() as session:
            track = Track(
                uploader_id=user_id,
                title=title,
                artist=artist,
                album=info.album,
                search_text=_search_text(title, artist),
                duration_s=info.duration_s,
                format=info.format,
                content_type=info.content_type,
                size=size,
                stored_name=final.name,
                cover=cover,
            )
            session.add(track)
            session.flush()
            session.add(MusicEntry(user_id=user_id, track_id=track.id))
            session.flush()
            return track_out(track, user_id)
    except BaseException:
        part.unlink(missing_ok=True)
        if final is not None:
            final.unlink(missing_ok=True)
        if cover:
            (upload_dir(COVERS_DIR) / cover).unlink(missing_ok=True)
        raise
    finally:
        part.unlink(missing_ok=True)


def get_track(user_id: int, track_id: int) -> dict[str, Any]:
    """A track for the caller; NotFound."""
    return track_out(access_track(user_id, track_id), user_id)


def edit_track(user_id: int, track_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Correct a track's title, artist or album (its uploader only); NotFound/Forbidden."""
    with write_tx():
        track = access_track(user_id, track_id, edit=True)
        for name in ("title", "artist", "album"):
            if changes.get(name) is not None:
                setattr(track, name, _clean(changes[name]) or (track.title if name == "title" else ""))
        track.search_text = _search_text(track.title, track.artist)
        return track_out(track, user_id)


def delete_track(user_id: int, track_id: int) -> None:
    """Delete a track (its uploader only): gone from every "my music" and playlist; messages keep no track."""
    with write_tx() as session:
        track = access_track(user_id, track_id, edit=True)
        files = [(TRACKS_DIR, track.stored_name)] + ([(COVERS_DIR, track.cover)] if track.cover else [])
        # messages.track_id has no ON DELETE action (see migration 0015): the messages keep their text.
        session.execute(update(Message).where(Message.track_id == track.id).values(track_id=None))
        # posts.track_id likewise (no foreign key, migration 0017): the posts keep their text and images.
        session.execute(update(Post).where(Post.track_id == track.id).values(track_id=None))
        session.delete(track)

        def _unlink() -> None:
            for kind, name in files:
                path = stored_path(kind, name)
                if path is not None:
                    path.unlink(missing_ok=True)

        on_commit(_unlink)


def _words(q: str) -> list[str]:
    escaped = q.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return [w for w in escaped.split() if w][:8]


def search_tracks(
    user_id: int, q: str, uploader_id: int | None, limit: int, before: int | None
) -> tuple[list[dict[str, Any]], int | None]:
    """Every track matching q word by word in title and artist, or one user's uploads; newest first."""
    stmt = select(Track).order_by(Track.id.desc()).limit(limit + 1)
    for word in _words(q):
        stmt = stmt.where(Track.search_text.like(f"%{word}%", escape="\\"))
    if uploader_id is not None:
        stmt = stmt.where(Track.uploader_id == uploader_id)
    if before is not None:
        stmt = stmt.where(Track.id < before)
    rows = list(db.session.execute(stmt).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return tracks_out(rows, user_id), (rows[-1].id if more and rows else None)


def my_music(user_id: int, q: str, limit: int, before: int | None) -> tuple[list[dict[str, Any]], int | None]:
    """My music: my uploads and the tracks I added, last added first; `next` is an entry cursor."""
    stmt = (
        select(MusicEntry.id, Track)
        .join(Track, Track.id == MusicEntry.track_id)
        .where(MusicEntry.user_id == user_id)
        .order_by(MusicEntry.id.desc())
        .limit(limit + 1)
    )
    for word in _words(q):
        stmt = stmt.where(Track.search_text.like(f"%{word}%", escape="\\"))
    if before is not None:
        stmt = stmt.where(MusicEntry.id < before)
    rows = list(db.session.execute(stmt).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return tracks_out([r[1] for r in rows], user_id), (rows[-1][0] if more and rows else None)


def add_to_my_music(user_id: int, track_id: int) -> dict[str, Any]:
    """Add a track to my music (again: no change); returns the track. NotFound."""
    with write_tx() as session:
        track = access_track(user_id, track_id)
        exists = session.execute(
            select(MusicEntry.id).where(MusicEntry.user_id == user_id, MusicEntry.track_id == track_id)
        ).first()
        if exists is None:
            session.add(MusicEntry(user_id=user_id, track_id=track_id))
            session.flush()
        return track_out(track, user_id)


def remove_from_my_music(user_id: int, track_id: int) -> None:
    """Take a track out of my music (my upload stays uploaded until I delete it). NotFound."""
    with write_tx() as session:
        access_track(user_id, track_id)
        session.execute(delete(MusicEntry).where(MusicEntry.user_id == user_id, MusicEntry.track_id == track_id))


def stream_file(track_id: int) -> tuple[Path, str]:
    """The stored file of a track and its content type (the caller checked the URL's signature); NotFound."""
    track = db.session.get(Track, track_id)
    path = stored_path(TRACKS_DIR, track.stored_name) if track is not None else None
    if track is None or path is None:
        raise NotFound("No such track.")
    content_type = track.content_type
    db.session.rollback()  # end the read transaction before the bytes go out
    return path, content_type
