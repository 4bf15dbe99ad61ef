"""Playlists: named, ordered by PUT tracks (how dragging saves), shared with `public`."""

from __future__ import annotations

from tests.conftest import assert_error
from tests.music_helpers import track


def test_playlist_order_rename_share_delete(client, make_user, audio_samples):
    alice, bob = make_user(), make_user()
    a, b, c = (track(client, alice, audio_samples[f]) for f in ("mp3", "ogg", "flac"))
    foreign = track(client, bob, audio_samples["wav"])
    res = client.post("/api/playlists", headers=alice.headers, json={"name": "Road"})
    assert res.status_code == 201
    pl = res.get_json()
    assert (pl["name"], pl["public"], pl["track_count"], pl["tracks"]) == ("Road", False, 0, [])

    put = client.put(
        f"/api/playlists/{pl['id']}/tracks",
        headers=alice.headers,
        json={"track_ids": [c["id"], a["id"], foreign["id"]]},
    )
    assert put.status_code == 200
    assert [t["id"] for t in put.get_json()["tracks"]] == [c["id"], a["id"], foreign["id"]]
    # dragged: b in, a to the end
    client.put(
        f"/api/playlists/{pl['id']}/tracks", headers=alice.headers, json={"track_ids": [b["id"], c["id"], a["id"]]}
    )
    got = client.get(f"/api/playlists/{pl['id']}", headers=alice.headers).get_json()
    assert [t["id"] for t in got["tracks"]] == [b["id"], c["id"], a["id"]]
    assert got["track_count"] == 3 and abs(got["duration_s"] - 9.0) < 0.3
    assert all(t["stream_url"].startswith("/media/tracks/") for t in got["tracks"])
    listed = client.get("/api/playlists", headers=alice.headers).get_json()["items"]
    assert [(p["id"], p["track_count"], p["tracks"]) for p in listed] == [(pl["id"], 3, None)]

    bad = client.put(f"/api/playlists/{pl['id']}/tracks", headers=alice.headers, json={"track_ids": [a["id"], 999999]})
    assert assert_error(bad, 422)["details"]["missing"] == [999999]
    assert_error(client.put(f"/api/playlists/{pl['id']}/tracks", headers=alice.headers, json={"track_ids": ["1"]}), 422)
    assert_error(client.post("/api/playlists", headers=alice.headers, json={"name": ""}), 422)

    assert_error(client.get(f"/api/playlists/{pl['id']}", headers=bob.headers), 404)  # private
    shared = client.patch(f"/api/playlists/{pl['id']}", headers=alice.headers, json={"name": "Trip", "public": True})
    assert shared.status_code == 200 and shared.get_json()["public"] is True
    seen = client.get(f"/api/playlists/{pl['id']}", headers=bob.headers).get_json()
    assert seen["name"] == "Trip" and seen["owner"]["id"] == alice.id and len(seen["tracks"]) == 3

    # a deleted track leaves the playlist
    assert client.delete(f"/api/tracks/{c['id']}", headers=alice.headers).status_code == 204
    after = client.get(f"/api/playlists/{pl['id']}", headers=alice.headers).get_json()
    assert [t["id"] for t in after["tracks"]] == [b["id"], a["id"]]

    assert client.delete(f"/api/playlists/{pl['id']}", headers=alice.headers).status_code == 204
    assert_error(client.get(f"/api/playlists/{pl['id']}", headers=alice.headers), 404)
    assert client.get(f"/api/tracks/{a['id']}", headers=alice.headers).status_code == 200  # tracks stay
