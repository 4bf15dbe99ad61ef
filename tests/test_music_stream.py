"""Streaming: a signed, expiring stream_url that an <audio> element can use (no Authorization header),
answering Range requests (206, 416) with the right type, length, ETag and caching; nginx sends the bytes
when MEDIA_ACCEL_REDIRECT is set."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest

from app.media_urls import stream_url
from tests.conftest import assert_error
from tests.music_helpers import track


@pytest.fixture
def song(client, make_user, audio_samples):
    alice = make_user()
    sample = audio_samples["mp3"]
    return track(client, alice, sample), sample.read()


def test_whole_file_with_type_length_etag_and_cache(client, song):
    t, data = song
    res = client.get(t["stream_url"])  # no Authorization header, like an <audio> element
    assert res.status_code == 200 and res.data == data
    assert res.mimetype == "audio/mpeg" and int(res.headers["Content-Length"]) == len(data)
    assert res.headers["Accept-Ranges"] == "bytes" and res.headers["ETag"]
    cache = res.headers["Cache-Control"]
    assert cache.startswith("private, max-age=") and int(cache.split("=")[1]) > 3600
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    again = client.get(t["stream_url"], headers={"If-None-Match": res.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_first_hundred_bytes(client, song):
    t, data = song
    res = client.get(t["stream_url"], headers={"Range": "bytes=0-99"})
    assert res.status_code == 206 and res.data == data[:100]
    assert res.headers["Content-Range"] == f"bytes 0-99/{len(data)}"
    assert res.headers["Content-Length"] == "100" and res.mimetype == "audio/mpeg"


def test_open_ended_range(client, song):
    t, data = song
    res = client.get(t["stream_url"], headers={"Range": "bytes=1000-"})
    assert res.status_code == 206 and res.data == data[1000:]
    assert res.headers["Content-Range"] == f"bytes 1000-{len(data) - 1}/{len(data)}"


def test_suffix_range(client, song):
    t, data = song
    res = client.get(t["stream_url"], headers={"Range": "bytes=-500"})
    assert res.status_code == 206 and res.data == data[-500:]
    assert res.headers["Content-Range"] == f"bytes {len(data) - 500}-{len(data) - 1}/{len(data)}"


def test_range_past_the_end_is_416(client, song):
    t, data = song
    res = client.get(t["stream_url"], headers={"Range": f"bytes={len(data)}-{len(data) + 100}"})
    assert_error(res, 416, "range_not_satisfiable")
    assert res.headers["Content-Range"] == f"bytes */{len(data)}"


def test_tampered_signature_is_403(client, song):
    t, _data = song
    parts = urlsplit(t["stream_url"])
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    flipped = q["s"][:-1] + ("0" if q["s"][-1] != "0" else "1")
    assert_error(client.get(f"{parts.path}?e={q['e']}&s={flipped}"), 403, "bad_signature")
    # a later expiry with the old signature
    assert_error(client.get(f"{parts.path}?e={int(q['e']) + 600}&s={q['s']}"), 403, "bad_signature")
    # another track's id with this track's signature
    other = parts.path.rsplit("/", 1)[0] + f"/{t['id'] + 1}"
    assert_error(client.get(f"{other}?e={q['e']}&s={q['s']}"), 403, "bad_signature")
    assert_error(client.get(parts.path), 403)
    assert_error(client.get(f"{parts.path}?e=abc&s={q['s']}"), 403)


def test_expired_signature_is_403(app, client, song):
    t, _data = song
    with app.test_request_context():
        old = stream_url(t["id"], now=time.time() - app.config["STREAM_URL_TTL"] - 1200)
    assert_error(client.get(old), 403, "expired")
    assert client.get(t["stream_url"]).status_code == 200


def test_url_is_stable_for_a_while_so_the_browser_cache_works(app, client, make_user, song):
    t, _data = song
    bob = make_user()
    again = client.get(f"/api/tracks/{t['id']}", headers=bob.headers).get_json()["stream_url"]
    with app.test_request_context():
        now = time.time()
        assert stream_url(t["id"], now) == stream_url(t["id"], now - (now % 600))  # same ten-minute window
    assert urlsplit(again).path == urlsplit(t["stream_url"]).path


def test_behind_nginx_the_bytes_go_by_x_accel_redirect(app, client, song):
    t, _data = song
    app.config["MEDIA_ACCEL_REDIRECT"] = "/_protected/tracks"
    res = client.get(t["stream_url"], headers={"Range": "bytes=0-99"})
    assert res.status_code == 200 and res.data == b""  # nginx answers the Range from its internal location
    assert res.headers["X-Accel-Redirect"].startswith("/_protected/tracks/")
    assert res.headers["X-Accel-Redirect"].rsplit("/", 1)[1].endswith(".mp3")
    assert res.mimetype == "audio/mpeg" and res.headers["Cache-Control"].startswith("private, max-age=")
    # the signature is still checked first
    assert_error(client.get(t["stream_url"].replace("s=", "s=0")), 403)
