"""Access matrix: every route and event that takes a chat, message or attachment id refuses a non-member
and a removed member (403/404 or an error ack), changes nothing, and they hear nothing."""

import re

import pytest

from app.api.base import ROUTES
from tests.chat_helpers import events, group, send

# Bodies for every protected route; the test fails if a route taking such an id is missing here.
ROUTE_BODIES = {
    ("GET", "/api/chats/<int:chat_id>"): None,
    ("PATCH", "/api/chats/<int:chat_id>"): {"name": "pwned"},
    ("DELETE", "/api/chats/<int:chat_id>"): None,
    ("POST", "/api/chats/<int:chat_id>/members"): {"user_id": "OUTSIDER"},
    ("DELETE", "/api/chats/<int:chat_id>/members/<int:user_id>"): None,
    ("PATCH", "/api/chats/<int:chat_id>/members/<int:user_id>"): {"role": "admin"},
    ("POST", "/api/chats/<int:chat_id>/read"): {"seq": 1},
    ("POST", "/api/messages"): {"chat_id": "CHAT", "body": "intrusion", "client_id": "x"},
    ("GET", "/api/messages/<int:chat_id>"): None,
    ("PATCH", "/api/messages/<int:message_id>"): {"body": "pwned"},
    ("DELETE", "/api/messages/<int:message_id>"): None,
    ("GET", "/api/attachments/<int:attachment_id>"): None,
}

EVENT_PAYLOADS = {
    "message:send": {"chat_id": "CHAT", "body": "intrusion", "client_id": "x"},
    "message:edit": {"message_id": "MESSAGE", "body": "pwned"},
    "message:delete": {"message_id": "MESSAGE"},
    "chat:sync": {"chat_id": "CHAT", "after_seq": 0},
    "chat:read": {"chat_id": "CHAT", "seq": 1},
    "typing": {"chat_id": "CHAT", "typing": True},
}

ID_PARAM = re.compile(r"<int:(chat_id|message_id|attachment_id)>")


def protected_routes():
    """Every registered route whose path or body carries a chat, message or attachment id."""
    found = {(r.method, r.rule) for r in ROUTES if ID_PARAM.search(r.rule)}
    found |= {(r.method, r.rule) for r in ROUTES if r.body is not None and "chat_id" in r.body.model_fields}
    return found


def test_matrix_covers_every_protected_route(app):
    assert protected_routes() <= set(ROUTE_BODIES), protected_routes() - set(ROUTE_BODIES)


@pytest.fixture
def world(client, make_user, socket_client, tmp_path):
    alice, bob, removed, outsider = make_user(), make_user(), make_user(), make_user()
    g = group(client, alice, [bob, removed])
    m = send(client, alice, g["id"], "private")
    res = client.post(
        "/api/attachments",
        headers=alice.headers,
        data={"file": (open_png(tmp_path), "p.png")},
        content_type="multipart/form-data",
    )
    attachment = res.get_json() if res.status_code == 201 else None
    if attachment:
        send(client, alice, g["id"], "pic", attachment_id=attachment["id"])
    assert client.delete(f"/api/chats/{g['id']}/members/{removed.id}", headers=alice.headers).status_code == 204
    ids = {
        "chat_id": g["id"],
        "message_id": m["id"],
        "user_id": bob.id,
        "attachment_id": attachment["id"] if attachment else 1,
    }
    members = [socket_client(alice), socket_client(bob)]
    return {"alice": alice, "bob": bob, "removed": removed, "outsider": outsider, "ids": ids, "members": members}


def open_png(tmp_path):
    from PIL import Image

    path = tmp_path / "p.png"
    Image.new("RGB", (4, 4), "red").save(path)
    return path.open("rb")


def fill(value, ids, outsider_id):
    if isinstance(value, dict):
        return {k: fill(v, ids, outsider_id) for k, v in value.items()}
    return {"CHAT": ids["chat_id"], "MESSAGE": ids["message_id"], "OUTSIDER": outsider_id}.get(value, value)


def snapshot(client, world):
    alice, cid = world["alice"], world["ids"]["chat_id"]
    chat = client.get(f"/api/chats/{cid}", headers=alice.headers).get_json()
    history = client.get(f"/api/messages/{cid}", headers=alice.headers).get_json()
    return chat, history


@pytest.mark.parametrize("who", ["outsider", "removed"])
@pytest.mark.parametrize("route", sorted(ROUTE_BODIES))
def test_route_refuses_non_members(client, world, socket_client, who, route):
    method, rule = route
    intruder = world[who]
    spy = socket_client(intruder)
    for sock in world["members"]:
        events(sock)
    before = snapshot(client, world)
    url = ID_PARAM.sub(lambda m: str(world["ids"][m.group(1)]), rule).replace(
        "<int:user_id>", str(world["ids"]["user_id"])
    )
    body = fill(ROUTE_BODIES[route], world["ids"], world["outsider"].id)
    res = client.open(url, method=method, headers=intruder.headers, json=body)
    assert res.status_code in (403, 404), (route, res.status_code, res.get_json())
    error = res.get_json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == {403: "forbidden", 404: "not_found"}[res.status_code]
    assert snapshot(client, world) == before
    assert [n for n, _ in events(spy) if n != "presence"] == []
    for sock in world["members"]:
        assert [n for n, _ in events(sock) if n != "presence"] == []


@pytest.mark.parametrize("who", ["outsider", "removed"])
@pytest.mark.parametrize("event", sorted(EVENT_PAYLOADS))
def test_event_refuses_non_members(client, world, socket_client, who, event):
    intruder = world[who]
    spy = socket_client(intruder)
    for sock in world["members"]:
        events(sock)
    before = snapshot(client, world)
    ack = spy.emit(event, fill(EVENT_PAYLOADS[event], world["ids"], world["outsider"].id), callback=True)
    assert ack["ok"] is False and ack["error"]["code"] in ("forbidden", "not_found"), ack
    assert snapshot(client, world) == before
    assert spy.is_connected()
    assert [n for n, _ in events(spy) if n != "presence"] == []
    for sock in world["members"]:
        assert [n for n, _ in events(sock) if n != "presence"] == []


# ----- music: tracks are seen by every signed-in user and changed only by their uploader; a playlist is
# seen by its owner (and by everyone once public) and changed only by its owner. -----

MUSIC_ID = re.compile(r"<int:(track_id|playlist_id)>")

# (method, rule) -> body, and what a stranger gets on alice's track / private playlist / public playlist
MUSIC_ROUTES = {
    ("GET", "/api/tracks/<int:track_id>"): (None, 200),
    ("PATCH", "/api/tracks/<int:track_id>"): ({"title": "pwned"}, 403),
    ("DELETE", "/api/tracks/<int:track_id>"): (None, 403),
    ("PUT", "/api/music/<int:track_id>"): (None, 200),  # anyone may add a track to their own music
    ("DELETE", "/api/music/<int:track_id>"): (None, 204),  # ...and take it out of their own music
    ("GET", "/api/playlists/<int:playlist_id>"): (None, {"private": 404, "public": 200}),
    ("PATCH", "/api/playlists/<int:playlist_id>"): ({"name": "pwned", "public": True}, {"private": 404, "public": 403}),
    ("DELETE", "/api/playlists/<int:playlist_id>"): (None, {"private": 404, "public": 403}),
    ("PUT", "/api/playlists/<int:playlist_id>/tracks"): ({"track_ids": []}, {"private": 404, "public": 403}),
}


def test_music_matrix_covers_every_track_and_playlist_route(app):
    found = {(r.method, r.rule) for r in ROUTES if MUSIC_ID.search(r.rule)}
    assert found == set(MUSIC_ROUTES), found ^ set(MUSIC_ROUTES)


@pytest.fixture
def music_world(client, make_user, audio_samples):
    from tests.music_helpers import track

    alice, stranger = make_user(), make_user()
    t = track(client, alice, audio_samples["mp3"])
    playlists = {}
    for kind in ("private", "public"):
        res = client.post("/api/playlists", headers=alice.headers, json={"name": kind, "public": kind == "public"})
        playlists[kind] = res.get_json()["id"]
        client.put(f"/api/playlists/{playlists[kind]}/tracks", headers=alice.headers, json={"track_ids": [t["id"]]})
    return {"alice": alice, "stranger": stranger, "track": t, "playlists": playlists}


def music_snapshot(client, world):
    alice = world["alice"]
    track = client.get(f"/api/tracks/{world['track']['id']}", headers=alice.headers).get_json()
    track.pop("stream_url")
    lists = [
        client.get(f"/api/playlists/{pid}", headers=alice.headers).get_json() for pid in world["playlists"].values()
    ]
    for playlist in lists:
        for item in playlist["tracks"]:
            item.pop("stream_url")
    return track, lists, client.get("/api/music", headers=alice.headers).get_json()["items"][0]["id"]


MUSIC_CASES = [
    (route, visibility)
    for route in sorted(MUSIC_ROUTES)
    for visibility in (("private", "public") if "playlist_id" in route[1] else ("track",))
]


@pytest.mark.parametrize(("route", "visibility"), MUSIC_CASES)
def test_music_routes_for_a_stranger_and_nobody(client, music_world, route, visibility):
    method, rule = route
    body, expected = MUSIC_ROUTES[route]
    if isinstance(expected, dict):
        expected = expected[visibility]
    url = rule.replace("<int:track_id>", str(music_world["track"]["id"])).replace(
        "<int:playlist_id>", str(music_world["playlists"].get(visibility, 0))
    )
    before = music_snapshot(client, music_world)
    assert client.open(url, method=method, json=body).status_code == 401  # no token
    res = client.open(url, method=method, headers=music_world["stranger"].headers, json=body)
    assert res.status_code == expected, (route, res.status_code, res.get_json())
    if expected >= 400:
        assert set(res.get_json()["error"]) == {"code", "message", "details"}
    assert music_snapshot(client, music_world) == before  # alice's track, playlists and music unchanged


def test_private_playlists_stay_private_in_lists(client, music_world):
    alice, stranger = music_world["alice"], music_world["stranger"]
    seen = client.get("/api/playlists", headers=stranger.headers, query_string={"user_id": alice.id}).get_json()
    assert [p["name"] for p in seen["items"]] == ["public"]
    assert client.get("/api/playlists", headers=stranger.headers).get_json()["items"] == []
    mine = client.get("/api/playlists", headers=alice.headers).get_json()["items"]
    assert sorted(p["name"] for p in mine) == ["private", "public"]
