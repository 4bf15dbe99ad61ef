"""Tracks: real audio in every accepted format is recognised by its content with its tags and duration;
non-audio, truncated and oversize files are refused and leave nothing behind; search, my music, edits."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models.music import MusicEntry, Track
from tests.audio_fixtures import DURATION, SPECS
from tests.conftest import assert_error
from tests.music_helpers import stored_files, track, upload_track


@pytest.mark.parametrize("fmt", sorted(SPECS))
def test_each_format_is_read_by_content_with_tags_and_duration(client, make_user, audio_samples, app, fmt):
    alice = make_user()
    sample = audio_samples[fmt]
    # the name lies ("notes.txt"): only the content counts
    res = upload_track(client, alice, sample.read(), "notes.txt")
    assert res.status_code == 201, res.get_json()
    t = res.get_json()
    assert t["duration_s"] == pytest.approx(DURATION, abs=0.1)
    assert t["content_type"] == sample.content_type
    assert t["title"] == (sample.title or "notes")  # raw AAC has no tags: the file's name
    assert t["artist"] == sample.artist and t["album"] == sample.album
    assert t["uploader"]["id"] == alice.id and t["in_my_music"] is True
    assert (t["cover_url"] is not None) == sample.has_cover
    if sample.has_cover:
        cover = client.get(t["cover_url"])
        assert cover.status_code == 200 and cover.mimetype in ("image/jpeg", "image/png")
    # stored outside static/ under a random name, byte for byte
    [name] = stored_files(app, "tracks")
    assert "notes" not in name and name.endswith("." + {"ogg": "ogg", "opus": "opus"}.get(fmt, name.rsplit(".")[-1]))
    served = client.get(t["stream_url"])
    assert served.status_code == 200 and served.data == sample.read() and served.mimetype == sample.content_type


def test_uploader_may_correct_tags_at_upload(client, make_user, audio_samples):
    alice = make_user()
    t = track(client, alice, audio_samples["mp3"], title="  Real   Title ", artist="Real Artist")
    assert (t["title"], t["artist"], t["album"]) == ("Real Title", "Real Artist", "Album X")


def _nothing_stored(app):
    assert stored_files(app, "tracks") == [] and stored_files(app, "covers") == []
    with app.app_context():
        assert db.session.query(Track).count() == 0 and db.session.query(MusicEntry).count() == 0


@pytest.mark.parametrize(
    "data",
    [
        b"<html><script>alert(1)</script></html>" * 20,
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 500,
        b"%PDF-1.4\n" + b"x" * 1000,
        b"ID3\x03\x00\x00\x00\x00\x00\x10" + b"\x00" * 4000,  # an MP3 tag and no audio
        b"OggS" + b"\x00" * 500,
    ],
    ids=["html", "png", "pdf", "id3-only", "ogg-magic-only"],
)
def test_non_audio_renamed_as_audio_is_refused_and_nothing_stored(client, make_user, app, data):
    alice = make_user()
    err = assert_error(upload_track(client, alice, data, "hit.mp3"), 415, "unsupported_media_type")
    assert "audio" in err["message"]
    _nothing_stored(app)


@pytest.mark.parametrize("fmt", sorted(SPECS))
def test_truncated_file_is_refused_and_nothing_stored(client, make_user, audio_samples, app, fmt):
    alice = make_user()
    data = audio_samples[fmt].read()
    err = assert_error(upload_track(client, alice, data[: int(len(data) * 0.7)], "cut." + fmt), 415)
    assert "truncated" in err["message"] or "damaged" in err["message"]
    _nothing_stored(app)


def test_oversize_file_is_refused_and_nothing_stored(client, make_user, audio_samples, app):
    alice = make_user()
    app.config["TRACK_MAX_BYTES"] = 20_000
    data = audio_samples["flac"].read()
    assert len(data) > 20_000
    err = assert_error(upload_track(client, alice, data, "big.flac"), 413, "payload_too_large")
    assert err["details"]["limit"] == 20_000
    _nothing_stored(app)
    # far past the limit: refused before the body is read
    assert_error(upload_track(client, alice, data * 30, "huge.flac"), 413)
    _nothing_stored(app)


def test_empty_and_missing_file(client, make_user, app):
    alice = make_user()
    assert_error(upload_track(client, alice, b"", "e.mp3"), 422)
    res = client.post("/api/tracks", headers=alice.headers, data={}, content_type="multipart/form-data")
    assert_error(res, 422)
    assert_error(client.post("/api/tracks"), 401)
    _nothing_stored(app)


def test_search_by_title_and_artist_word_by_word(client, make_user, audio_samples):
    alice, bob = make_user(), make_user()
    a = track(client, alice, audio_samples["mp3"], title="Полёт шмеля", artist="Римский-Корсаков")
    b = track(client, bob, audio_samples["ogg"], title="Yesterday", artist="The Beatles")

    def ids(**q):
        res = client.get("/api/tracks", headers=bob.headers, query_string=q)
        assert res.status_code == 200
        return [t["id"] for t in res.get_json()["items"]]

    assert ids(q="ПОЛЁТ") == [a["id"]]  # Cyrillic, any case
    assert ids(q="корсаков шмеля") == [a["id"]]  # words in any order, title and artist
    assert ids(q="beatles yesterday") == [b["id"]]
    assert ids(q="beatles шмеля") == []
    assert ids() == [b["id"], a["id"]]  # newest first
    assert ids(user_id=alice.id) == [a["id"]]  # a person's uploads
    assert ids(q="100%_") == []
    page = client.get("/api/tracks", headers=bob.headers, query_string={"limit": 1}).get_json()
    assert [t["id"] for t in page["items"]] == [b["id"]] and page["next"] == b["id"]
    rest = client.get("/api/tracks", headers=bob.headers, query_string={"limit": 1, "before": page["next"]})
    assert [t["id"] for t in rest.get_json()["items"]] == [a["id"]]
    assert_error(client.get("/api/tracks", headers=bob.headers, query_string={"limit": 0}), 422)


def test_my_music_holds_my_uploads_and_what_i_added(client, make_user, audio_samples):
    alice, bob = make_user(), make_user()
    mine = track(client, alice, audio_samples["mp3"])
    theirs = track(client, bob, audio_samples["opus"])
    assert client.get(f"/api/tracks/{theirs['id']}", headers=alice.headers).get_json()["in_my_music"] is False
    added = client.put(f"/api/music/{theirs['id']}", headers=alice.headers)
    assert added.status_code == 200 and added.get_json()["in_my_music"] is True
    assert client.put(f"/api/music/{theirs['id']}", headers=alice.headers).status_code == 200  # again: no change
    items = client.get("/api/music", headers=alice.headers).get_json()["items"]
    assert [t["id"] for t in items] == [theirs["id"], mine["id"]]
    assert client.delete(f"/api/music/{theirs['id']}", headers=alice.headers).status_code == 204
    assert [t["id"] for t in client.get("/api/music", headers=alice.headers).get_json()["items"]] == [mine["id"]]
    # bob's own music is untouched
    assert [t["id"] for t in client.get("/api/music", headers=bob.headers).get_json()["items"]] == [theirs["id"]]
    assert_error(client.put("/api/music/999999", headers=alice.headers), 404)


def test_only_the_uploader_edits_and_deletes(client, make_user, audio_samples, app):
    alice, bob = make_user(), make_user()
    t = track(client, alice, audio_samples["mp3"])
    client.put(f"/api/music/{t['id']}", headers=bob.headers)
    assert_error(client.patch(f"/api/tracks/{t['id']}", headers=bob.headers, json={"title": "mine now"}), 403)
    assert_error(client.delete(f"/api/tracks/{t['id']}", headers=bob.headers), 403)
    res = client.patch(f"/api/tracks/{t['id']}", headers=alice.headers, json={"title": "Fixed", "artist": "Me"})
    assert res.status_code == 200 and (res.get_json()["title"], res.get_json()["artist"]) == ("Fixed", "Me")
    found = client.get("/api/tracks", headers=bob.headers, query_string={"q": "fixed me"}).get_json()["items"]
    assert [x["id"] for x in found] == [t["id"]]
    assert_error(client.patch(f"/api/tracks/{t['id']}", headers=alice.headers, json={"title": ""}), 422)
    assert client.delete(f"/api/tracks/{t['id']}", headers=alice.headers).status_code == 204
    assert_error(client.get(f"/api/tracks/{t['id']}", headers=bob.headers), 404)
    assert client.get("/api/music", headers=bob.headers).get_json()["items"] == []
    assert stored_files(app, "tracks") == [] and stored_files(app, "covers") == []
    assert_error(client.get(t["stream_url"]), 404)


def test_a_track_may_be_larger_than_other_uploads(client, make_user, app, tmp_path):
    """MAX_CONTENT_LENGTH (12 MB) bounds other bodies; a track may reach TRACK_MAX_BYTES (30 MB)."""
    import subprocess

    big = tmp_path / "long.wav"
    source = ["-f", "lavfi", "-i", "sine=frequency=220:duration=90"]
    wav = ["-ac", "2", "-ar", "44100", "-c:a", "pcm_s16le", str(big)]
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *source, *wav], check=True, timeout=60)
    data = big.read_bytes()
    assert app.config["MAX_CONTENT_LENGTH"] < len(data) < app.config["TRACK_MAX_BYTES"]
    res = upload_track(client, make_user(), data, "long.wav")
    assert res.status_code == 201, res.get_json()
    assert res.get_json()["duration_s"] == pytest.approx(90, abs=0.1)
