"""Music routes: tracks, my music, playlists, "now listening" (API.md, Music)."""

from __future__ import annotations

from flask import current_app, g, request

from app.api.base import ApiBlueprint, uploaded_file
from app.schemas.music import (
    ListeningAck,
    ListeningIn,
    MusicQuery,
    PlaylistCreate,
    PlaylistList,
    PlaylistOut,
    PlaylistPatch,
    PlaylistQuery,
    PlaylistTracks,
    TrackOut,
    TrackPage,
    TrackPatch,
    TrackQuery,
)
from app.services import listening, playlists
from app.services import music as service

bp = ApiBlueprint("music", __name__, tag="music", url_prefix="/api")

FORM_SLACK = 64 * 1024  # multipart boundaries and the title/artist fields around the file


@bp.route_spec(
    "/tracks",
    "POST",
    response=TrackOut,
    status=201,
    multipart={
        "file": "an audio file: MP3, Ogg (Vorbis, Opus), M4A/AAC, FLAC or WAV (checked by its content)",
        "title": "optional: the title (else the file's tags, else its name)",
        "artist": "optional: the artist (else the file's tags)",
    },
    errors=(401, 413, 415, 422),
)
def upload_track():
    """Upload a track: checked as audio by its content; title, artist, album, duration and cover read from its tags."""
    request.max_content_length = current_app.config["TRACK_MAX_BYTES"] + FORM_SLACK
    file = uploaded_file("Choose an audio file.", "audio")
    return service.upload_track(
        g.user.id, file.stream, file.filename or "", request.form.get("title"), request.form.get("artist")
    )


@bp.route_spec("/tracks", "GET", query=TrackQuery, response=TrackPage, errors=(401, 422))
def search_tracks(query: TrackQuery):
    """Search every track by title and artist (word by word), or list one user's uploads; newest first."""
    items, next_cursor = service.search_tracks(g.user.id, query.q, query.user_id, query.limit, query.before)
    return {"items": items, "next": next_cursor}


@bp.route_spec("/tracks/<int:track_id>", "GET", response=TrackOut, errors=(401, 404))
def get_track(track_id: int):
    """A track, with a fresh signed stream_url."""
    return service.get_track(g.user.id, track_id)


@bp.route_spec("/tracks/<int:track_id>", "PATCH", body=TrackPatch, response=TrackOut, errors=(401, 403, 404, 422))
def edit_track(track_id: int, body: TrackPatch):
    """Correct a track's title, artist or album: its uploader only."""
    return service.edit_track(g.user.id, track_id, body.model_dump(exclude_unset=True))


@bp.route_spec("/tracks/<int:track_id>", "DELETE", status=204, errors=(401, 403, 404))
def delete_track(track_id: int):
    """Delete a track: its uploader only; it leaves every "my music" and playlist."""
    service.delete_track(g.user.id, track_id)


@bp.route_spec("/music", "GET", query=MusicQuery, response=TrackPage, errors=(401, 422))
def my_music(query: MusicQuery):
    """My music: what I uploaded and what I added, last added first (`q` filters it)."""
    items, next_cursor = service.my_music(g.user.id, query.q, query.limit, query.before)
    return {"items": items, "next": next_cursor}


@bp.route_spec("/music/<int:track_id>", "PUT", response=TrackOut, errors=(401, 404))
def add_to_my_music(track_id: int):
    """Add a track to my music (idempotent)."""
    return service.add_to_my_music(g.user.id, track_id)


@bp.route_spec("/music/<int:track_id>", "DELETE", status=204, errors=(401, 404))
def remove_from_my_music(track_id: int):
    """Take a track out of my music."""
    service.remove_from_my_music(g.user.id, track_id)


@bp.route_spec("/music/listening", "POST", body=ListeningIn, response=ListeningAck, errors=(401, 404, 422, 429))
def now_listening(body: ListeningIn):
    """Tell the people allowed to see it (profile `share_listening`) what I play now; null: stopped."""
    return {"ok": True, "shared": listening.set_listening(g.user.id, body.track_id)}


@bp.route_spec("/playlists", "GET", query=PlaylistQuery, response=PlaylistList, errors=(401, 422))
def list_playlists(query: PlaylistQuery):
    """My playlists, or (`user_id`) another person's public ones."""
    return {"items": playlists.list_playlists(g.user.id, query.user_id), "next": None}


@bp.route_spec("/playlists", "POST", body=PlaylistCreate, response=PlaylistOut, status=201, errors=(401, 422))
def create_playlist(body: PlaylistCreate):
    """Create a playlist (private unless `public`)."""
    return playlists.create_playlist(g.user.id, body.name, body.public)


@bp.route_spec("/playlists/<int:playlist_id>", "GET", response=PlaylistOut, errors=(401, 404))
def get_playlist(playlist_id: int):
    """A playlist with its tracks in order: mine, or a public one (another's private playlist is 404)."""
    return playlists.get_playlist(g.user.id, playlist_id)


@bp.route_spec(
    "/playlists/<int:playlist_id>", "PATCH", body=PlaylistPatch, response=PlaylistOut, errors=(401, 403, 404, 422)
)
def edit_playlist(playlist_id: int, body: PlaylistPatch):
    """Rename or share (`public`) my playlist."""
    return playlists.edit_playlist(g.user.id, playlist_id, body.model_dump(exclude_unset=True))


@bp.route_spec("/playlists/<int:playlist_id>", "DELETE", status=204, errors=(401, 403, 404))
def delete_playlist(playlist_id: int):
    """Delete my playlist (the tracks stay)."""
    playlists.delete_playlist(g.user.id, playlist_id)


@bp.route_spec(
    "/playlists/<int:playlist_id>/tracks",
    "PUT",
    body=PlaylistTracks,
    response=PlaylistOut,
    errors=(401, 403, 404, 422),
)
def set_playlist_tracks(playlist_id: int, body: PlaylistTracks):
    """Set my playlist's tracks, in order (dragging saves this way)."""
    return playlists.set_tracks(g.user.id, playlist_id, body.track_ids)
