"""The music routes are in the OpenAPI document with their schemas, and the listening event in AsyncAPI."""

from __future__ import annotations


def test_music_routes_carry_their_schemas(client):
    spec = client.get("/api/openapi.json").get_json()
    paths = spec["paths"]
    upload = paths["/api/tracks"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"201", "413", "415", "422"} <= set(upload["responses"])
    track = spec["components"]["schemas"]["TrackOut"]
    assert {"stream_url", "duration_s", "cover_url", "uploader", "in_my_music"} <= set(track["properties"])
    assert "q" in {p["name"] for p in paths["/api/tracks"]["get"]["parameters"]}
    assert "application/json" in paths["/api/playlists/{playlist_id}/tracks"]["put"]["requestBody"]["content"]
    for path in ("/api/music", "/api/music/{track_id}", "/api/playlists", "/api/playlists/{playlist_id}"):
        assert path in paths
    message = spec["components"]["schemas"]["MessageSendIn"]["properties"]
    assert "track_id" in message


def test_listening_events_are_published(client):
    doc = client.get("/api/asyncapi.json").get_json()
    assert doc["channels"]["listening"]["messages"]["out"] == {"$ref": "#/components/messages/out.listening"}
    assert {"send.listening", "receive.music.listening"} <= set(doc["operations"])
