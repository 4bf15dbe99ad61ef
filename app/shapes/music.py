"""Music shapes: a track and a playlist as the contract shows them (used by music, messages and posts)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

from app.extensions import db
from app.media_urls import stream_url
from app.models import User
from app.models.base import isoformat
from app.models.music import MusicEntry, Playlist, PlaylistItem, Track
from app.shapes.users import brief


def cover_url(track: Track) -> str | None:
    """Public URL of a track's cover art (re-encoded at upload), or None."""
    return f"/media/covers/{track.cover}" if track.cover else None


def tracks_out(tracks: Iterable[Track], viewer_id: int | None) -> list[dict[str, Any]]:
    """Tracks as the contract shows them, for one viewer (`in_my_music`; None when no viewer): two queries."""
    tracks = list(tracks)
    if not tracks:
        return []
    uploader_ids = {t.uploader_id for t in tracks}
    users = {u.id: u for u in db.session.execute(select(User).where(User.id.in_(uploader_ids))).scalars()}
    mine: set[int] = set()
    if viewer_id is not None:
        mine = set(
            db.session.execute(
                select(MusicEntry.track_id).where(
                    MusicEntry.user_id == viewer_id, MusicEntry.track_id.in_({t.id for t in tracks})
                )
            ).scalars()
        )
    return [
        {
            "id": t.id,
            "title": t.title,
            "artist": t.artist,
            "album": t.album,
            "duration_s": t.duration_s,
            "cover_url": cover_url(t),
            "uploader": brief(users[t.uploader_id]),
            "stream_url": stream_url(t.id),
            "content_type": t.content_type,
            "created_at": isoformat(t.created_at),
            "in_my_music": (t.id in mine) if viewer_id is not None else None,
        }
        for t in tracks
    ]


def track_out(track: Track, viewer_id: int | None) -> dict[str, Any]:
    """One track as the contract shows it."""
    return tracks_out([track], viewer_id)[0]


def tracks_by_id(track_ids: Iterable[int], viewer_id: int | None) -> dict[int, dict[str, Any]]:
    """Shaped tracks by id, for messages and posts that carry a `track_id` (missing ids are left out)."""
    ids = set(track_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(Track).where(Track.id.in_(ids))).scalars()
    return {t["id"]: t for t in tracks_out(rows, viewer_id)}


def playlist_out(playlist: Playlist, viewer_id: int, with_tracks: bool = False) -> dict[str, Any]:
    """A playlist: owner, name, `public`, its track count and length; its tracks in order when asked."""
    owner = db.session.get(User, playlist.owner_id)
    tracks: list[Track] = []
    if with_tracks:
        tracks = list(
            db.session.execute(
                select(Track)
                .join(PlaylistItem, PlaylistItem.track_id == Track.id)
                .where(PlaylistItem.playlist_id == playlist.id)
                .order_by(PlaylistItem.position)
            ).scalars()
        )
        count, duration = len(tracks), sum(t.duration_s for t in tracks)
    else:
        count, duration = db.session.execute(
            select(func.count(PlaylistItem.id), func.coalesce(func.sum(Track.duration_s), 0.0))
            .join(Track, PlaylistItem.track_id == Track.id)
            .where(PlaylistItem.playlist_id == playlist.id)
        ).one()
    out: dict[str, Any] = {
        "id": playlist.id,
        "name": playlist.name,
        "owner": brief(owner),
        "public": playlist.public,
        "track_count": int(count),
        "duration_s": round(float(duration), 3),
        "created_at": isoformat(playlist.created_at),
        "updated_at": isoformat(playlist.updated_at),
        "tracks": tracks_out(tracks, viewer_id) if with_tracks else None,
    }
    return out
