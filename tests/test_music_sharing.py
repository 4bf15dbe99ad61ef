"""Sharing music: a track sent in a chat (REST and socket) carries a playable track; "now listening" is heard
by chat partners only when the listener allows it in their profile."""

from __future__ import annotations

from tests.chat_helpers import direct, events, group, send
from tests.conftest import assert_error
from tests.music_helpers import track
from tests.social_helpers import befriend


def test_track_in_a_message_plays_inline(client, make_user, socket_client, audio_samples):
    alice, bob, eve = make_user(), make_user(), make_user()
    g = group(client, alice, [bob])
    t = track(client, bob, audio_samples["opus"])
    sb = socket_client(bob)
    msg = send(client, alice, g["id"], "", track_id=t["id"])  # a track alone is a message
    assert msg["body"] == "" and msg["track"]["id"] == t["id"] and msg["attachment"] is None
    assert msg["track"]["in_my_music"] is None  # the same payload goes to every member
    pushed = events(sb, "message:new")[0]["track"]
    assert pushed["title"] == t["title"] and pushed["stream_url"].startswith("/media/tracks/")
    assert client.get(pushed["stream_url"], headers={"Range": "bytes=0-9"}).status_code == 206
    history = client.get(f"/api/messages/{g['id']}", headers=bob.headers).get_json()["items"]
    assert history[-1]["track"]["id"] == t["id"]
    # over the socket too
    sa = socket_client(alice)
    ack = sa.emit(
        "message:send", {"chat_id": g["id"], "body": "listen", "client_id": "s1", "track_id": t["id"]}, callback=True
    )
    assert ack["ok"] and ack["message"]["track"]["id"] == t["id"]
    # a track that does not exist, or a bad id
    res = client.post("/api/messages", headers=alice.headers, json={"chat_id": g["id"], "track_id": 999999})
    assert_error(res, 422)
    assert_error(client.post("/api/messages", headers=alice.headers, json={"chat_id": g["id"], "track_id": "1"}), 422)
    # deleted message: no track; deleted track: the message stays, without it
    client.delete(f"/api/messages/{msg['id']}", headers=alice.headers)
    assert client.get(f"/api/messages/{g['id']}", headers=bob.headers).get_json()["items"][0]["track"] is None
    client.delete(f"/api/tracks/{t['id']}", headers=bob.headers)
    last = client.get(f"/api/messages/{g['id']}", headers=bob.headers).get_json()["items"][-1]
    assert last["body"] == "listen" and last["track"] is None
    # someone outside the chat cannot send into it with a track either
    assert_error(client.post("/api/messages", headers=eve.headers, json={"chat_id": g["id"], "track_id": 1}), 403)


def test_now_listening_only_when_shared_and_only_to_partners(client, make_user, socket_client, audio_samples):
    alice, bob, eve = make_user(), make_user(), make_user()
    direct(client, alice, bob)
    t = track(client, alice, audio_samples["mp3"])
    sa, sb, se = socket_client(alice), socket_client(bob), socket_client(eve)
    for s in (sb, se):
        events(s)
    ack = sa.emit("music:listening", {"track_id": t["id"]}, callback=True)
    assert ack == {"ok": True, "shared": False}  # off by default
    assert events(sb, "listening") == []

    me = client.patch("/api/users/me", headers=alice.headers, json={"share_listening": True}).get_json()
    assert me["share_listening"] is True
    assert "share_listening" not in client.get(f"/api/users/{alice.id}", headers=bob.headers).get_json()
    assert sa.emit("music:listening", {"track_id": t["id"]}, callback=True) == {"ok": True, "shared": True}
    heard = events(sb, "listening")
    assert len(heard) == 1 and heard[0]["user_id"] == alice.id and heard[0]["track"]["id"] == t["id"]
    assert heard[0]["user"]["username"] == alice.username
    assert events(se, "listening") == []  # no chat with alice
    assert events(sa, "listening") == []
    res = client.post("/api/music/listening", headers=alice.headers, json={"track_id": None})
    assert res.get_json() == {"ok": True, "shared": True}
    [stopped] = events(sb, "listening")
    assert stopped["user_id"] == alice.id and stopped["track"] is None
    assert sa.emit("music:listening", {"track_id": 999999}, callback=True)["error"]["code"] == "not_found"
    assert sa.emit("music:listening", {"track_id": "x"}, callback=True)["error"]["code"] == "validation_error"


def test_now_listening_is_rate_limited(client, make_user, audio_samples, app):
    alice = make_user()
    t = track(client, alice, audio_samples["mp3"])
    client.patch("/api/users/me", headers=alice.headers, json={"share_listening": True})
    codes = [
        client.post("/api/music/listening", headers=alice.headers, json={"track_id": t["id"]}).status_code
        for _ in range(15)
    ]
    assert codes[:10] == [200] * 10 and 429 in codes[10:]


def test_friends_hear_what_i_listen_to_without_sharing_a_chat(client, make_user, socket_client, audio_samples):
    alice, bob, eve = make_user(), make_user(), make_user()
    befriend(client, alice, bob)  # friends, no chat between them
    client.patch("/api/users/me", headers=alice.headers, json={"share_listening": True})
    t = track(client, alice, audio_samples["mp3"])
    sa, sb, se = socket_client(alice), socket_client(bob), socket_client(eve)
    for s in (sb, se):
        events(s)
    assert sa.emit("music:listening", {"track_id": t["id"]}, callback=True) == {"ok": True, "shared": True}
    [heard] = events(sb, "listening")
    assert heard["user_id"] == alice.id and heard["track"]["id"] == t["id"]
    assert events(se, "listening") == []  # neither a friend nor a chat partner
    client.delete(f"/api/friends/{bob.id}", headers=alice.headers)  # unfriended: no longer told
    events(sb)
    sa.emit("music:listening", {"track_id": None}, callback=True)
    assert events(sb, "listening") == []
