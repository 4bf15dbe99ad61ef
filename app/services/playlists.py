"""Playlists: named, ordered lists of tracks; private to their owner unless made public.

Called by the REST routes in app/api/music.py; access through app.permissions.access_playlist.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from app.db import write_tx
from app.errors import ValidationError
from app.extensions import db
from app.models.base import utcnow
from app.models.music import Playlist, PlaylistItem, Track
from app.permissions import access_playlist
from app.shapes.music import playlist_out


def list_playlists(user_id: int, owner_id: int | None) -> list[dict[str, Any]]:
    """My playlists (all of them), or another person's public ones; last changed first."""
    stmt = select(Playlist).order_by(Playlist.updated_at.desc(), Playlist.id.desc()).limit(500)
    if owner_id is None or owner_id == user_id:
        stmt = stmt.where(Playlist.owner_id == user_id)
    else:
        stmt = stmt.where(Playlist.owner_id == owner_id, Playlist.public.is_(True))
    return [playlist_out(p, user_id) for p in db.session.execute(stmt).scalars()]


def create_playlist(user_id: int, name: str, public: bool = False) -> dict[str, Any]:
    """A new, empty playlist of mine."""
    with write_tx() as session:
        playlist = Playlist(owner_id=user_id, name=name, public=public)
        session.add(playlist)
        session.flush()
        return playlist_out(playlist, user_id, with_tracks=True)


def get_playlist(user_id: int, playlist_id: int) -> dict[str, Any]:
    """A playlist with its tracks in order: mine, or someone's public one; NotFound otherwise."""
    return playlist_out(access_playlist(user_id, playlist_id), user_id, with_tracks=True)


def edit_playlist(user_id: int, playlist_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Rename a playlist or share it (`public`); its owner only. NotFound/Forbidden."""
    with write_tx():
        playlist = access_playlist(user_id, playlist_id, edit=True)
        if changes.get("name") is not None:
            playlist.name = changes["name"]
        if changes.get("public") is not None:
            playlist.public = changes["public"]
        playlist.updated_at = utcnow()
        return playlist_out(playlist, user_id, with_tracks=True)


def delete_playlist(user_id: int, playlist_id: int) -> None:
    """Delete a playlist (its tracks stay); its owner only. NotFound/Forbidden."""
    with write_tx() as session:
        session.delete(access_playlist(user_id, playlist_id, edit=True))


def set_tracks(user_id: int, playlist_id: int, track_ids: list[int]) -> dict[str, Any]:
    """Replace a playlist's tracks with `track_ids`, in that order (how dragging saves); owner only.

    ValidationError when an id names no track; NotFound/Forbidden.
    """
    with write_tx() as session:
        playlist = access_playlist(user_id, playlist_id, edit=True)
        known = set(session.execute(select(Track.id).where(Track.id.in_(set(track_ids)))).scalars())
        missing = [tid for tid in track_ids if tid not in known]
        if missing:
            raise ValidationError("Some tracks do not exist.", {"fields": {"track_ids": "unknown"}, "missing": missing})
        session.execute(delete(PlaylistItem).where(PlaylistItem.playlist_id == playlist.id))
        session.add_all(
            PlaylistItem(playlist_id=playlist.id, track_id=tid, position=pos) for pos, tid in enumerate(track_ids)
        )
        playlist.updated_at = utcnow()
        session.flush()
        return playlist_out(playlist, user_id, with_tracks=True)
