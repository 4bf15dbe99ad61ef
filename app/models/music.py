"""Music: uploaded tracks, each user's "my music", and playlists with ordered items."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class Track(db.Model):
    """An uploaded audio file checked by its content; its file lives in UPLOAD_DIR/tracks under a random name."""

    __tablename__ = "tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    artist: Mapped[str] = mapped_column(String(200), default="")
    album: Mapped[str] = mapped_column(String(200), default="")
    # casefolded "title artist": search matches it word by word, Cyrillic included (SQLite's LIKE folds ASCII only)
    search_text: Mapped[str] = mapped_column(String(401), default="")
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    format: Mapped[str] = mapped_column(String(8))
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column()
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    cover: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MusicEntry(db.Model):
    """A track in a user's "my music": their uploads and the tracks they added."""

    __tablename__ = "music_entries"
    __table_args__ = (UniqueConstraint("user_id", "track_id", name="uq_music_entries_user_track"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Playlist(db.Model):
    """A named, ordered list of tracks; private to its owner unless `public`."""

    __tablename__ = "playlists"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    public: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlaylistItem(db.Model):
    """One track at one position of a playlist (positions 0, 1, 2... as last PUT)."""

    __tablename__ = "playlist_items"
    __table_args__ = (
        UniqueConstraint("playlist_id", "position", name="uq_playlist_items_position"),
        Index("ix_playlist_items_track_id", "track_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    playlist_id: Mapped[int] = mapped_column(ForeignKey("playlists.id", ondelete="CASCADE"))
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()
