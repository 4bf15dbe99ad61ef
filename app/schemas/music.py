"""Music schemas: tracks, my music, playlists, and the `listening` event (REST and socket alike)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from app.schemas.common import Model
from app.schemas.users import UserBrief

Id = Annotated[StrictInt, Field(ge=1, le=2**53)]
Tag = Annotated[StrictStr, Field(max_length=200)]


# ----- input -----


class TrackQuery(Model):
    """`q` searches every track by title and artist (word by word); `user_id` lists one person's uploads."""

    q: str = Field("", max_length=100)
    user_id: int | None = Field(None, ge=1, le=2**53)
    limit: int = Field(50, ge=1, le=200)
    before: int | None = Field(None, ge=0, description="cursor: the `next` of the previous page")


class TrackPatch(Model):
    title: Tag | None = Field(None, min_length=1)
    artist: Tag | None = None
    album: Tag | None = None


class MusicQuery(Model):
    q: str = Field("", max_length=100)
    limit: int = Field(50, ge=1, le=200)
    before: int | None = Field(None, ge=0, description="cursor: the `next` of the previous page")


class PlaylistQuery(Model):
    """Mine by default; with `user_id`, that person's public playlists."""

    user_id: int | None = Field(None, ge=1, le=2**53)


class PlaylistCreate(Model):
    name: StrictStr = Field(..., min_length=1, max_length=100)
    public: StrictBool = False


class PlaylistPatch(Model):
    name: StrictStr | None = Field(None, min_length=1, max_length=100)
    public: StrictBool | None = None


class PlaylistTracks(Model):
    track_ids: list[Id] = Field(..., max_length=1000, description="the playlist's tracks, in order (replaces them)")


class ListeningIn(Model):
    """What I am playing now (null: stopped)."""

    track_id: Id | None = None


# ----- output -----


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TrackOut(Out):
    id: int
    title: str
    artist: str
    album: str
    duration_s: float
    cover_url: str | None
    uploader: UserBrief
    stream_url: str = Field(description="signed and expiring; answers Range requests")
    content_type: str
    created_at: str
    in_my_music: bool | None = Field(description="null where the track is shown to several people (messages)")


class TrackPage(Out):
    items: list[TrackOut]
    next: int | None


class PlaylistOut(Out):
    id: int
    name: str
    owner: UserBrief
    public: bool
    track_count: int
    duration_s: float
    created_at: str
    updated_at: str
    tracks: list[TrackOut] | None = Field(None, description="in order; in GET /api/playlists/{id} and its edits")


class PlaylistList(Out):
    items: list[PlaylistOut]
    next: int | None = None


class ListeningEvent(Out):
    user_id: int
    user: UserBrief
    track: TrackOut | None


class ListeningAck(Out):
    ok: bool = True
    shared: bool = Field(description="false when my profile's share_listening is off (nothing was sent)")
