"""Friends and blocks: ask, accept, turn down, cancel, unfriend; the profile's friendship; blocking rules."""

from __future__ import annotations

from tests.chat_helpers import direct, events
from tests.conftest import assert_error
from tests.social_helpers import befriend, post


def _state(client, viewer, other) -> dict:
    return client.get(f"/api/users/{other.id}", headers=viewer.headers).get_json()


def test_ask_then_accept_makes_friends_and_both_hear_it(client, make_user, socket_client):
    ann, bob = make_user(), make_user()
    ann_sock, bob_sock = socket_client(ann), socket_client(bob)
    res = client.post(f"/api/friends/{bob.id}", headers=ann.headers)
    assert res.status_code == 201 and res.get_json() == {"user_id": bob.id, "friendship": "outgoing"}
    assert _state(client, bob, ann)["friendship"] == "incoming"
    assert _state(client, ann, bob)["friendship"] == "outgoing"
    incoming = client.get("/api/friends/requests?direction=incoming", headers=bob.headers).get_json()["items"]
    assert [r["user"]["id"] for r in incoming] == [ann.id]
    outgoing = client.get("/api/friends/requests?direction=outgoing", headers=ann.headers).get_json()["items"]
    assert [r["user"]["id"] for r in outgoing] == [bob.id]
    bob_heard = events(bob_sock)
    assert ("friendship", {"user_id": ann.id, "friendship": "incoming"}) in bob_heard
    notes = [p for n, p in bob_heard if n == "notification"]
    assert notes and notes[0]["kind"] == "friend:request" and notes[0]["payload"]["user"]["id"] == ann.id

    res = client.post(f"/api/friends/{ann.id}", headers=bob.headers)
    assert res.status_code == 201 and res.get_json()["friendship"] == "friends"
    ann_heard = events(ann_sock)
    assert ("friendship", {"user_id": bob.id, "friendship": "friends"}) in ann_heard
    assert [p["kind"] for n, p in ann_heard if n == "notification"] == ["friend:accepted"]
    profile = _state(client, ann, bob)
    assert profile["friendship"] == "friends" and profile["friends_count"] == 1
    friends = client.get("/api/friends", headers=ann.headers).get_json()["items"]
    assert [(f["id"], f["online"]) for f in friends] == [(bob.id, True)]
    # asking again changes nothing
    again = client.post(f"/api/friends/{bob.id}", headers=ann.headers)
    assert again.status_code == 200 and again.get_json()["friendship"] == "friends"


def test_turn_down_cancel_and_unfriend(client, make_user):
    ann, bob, cid = make_user(), make_user(), make_user()
    client.post(f"/api/friends/{bob.id}", headers=ann.headers)
    assert client.delete(f"/api/friends/{ann.id}", headers=bob.headers).status_code == 204  # turned down
    assert _state(client, ann, bob)["friendship"] == "none"
    client.post(f"/api/friends/{cid.id}", headers=ann.headers)
    assert client.delete(f"/api/friends/{cid.id}", headers=ann.headers).status_code == 204  # cancelled
    assert client.get("/api/friends/requests?direction=incoming", headers=cid.headers).get_json()["items"] == []
    befriend(client, ann, bob)
    assert client.delete(f"/api/friends/{bob.id}", headers=ann.headers).status_code == 204  # unfriended
    assert client.get("/api/friends", headers=bob.headers).get_json()["items"] == []
    assert_error(client.delete(f"/api/friends/{bob.id}", headers=ann.headers), 404)


def test_mutual_friends_and_friends_of_another(client, make_user):
    ann, bob, cid, dan = make_user(), make_user(), make_user(), make_user()
    befriend(client, ann, cid)
    befriend(client, bob, cid)
    befriend(client, bob, dan)
    profile = _state(client, ann, bob)
    assert profile["mutual_friends"] == 1 and profile["friends_count"] == 2 and profile["friendship"] == "none"
    theirs = client.get(f"/api/friends?user_id={bob.id}", headers=ann.headers).get_json()["items"]
    assert {f["id"] for f in theirs} == {cid.id, dan.id}


def test_bad_asks(client, make_user):
    ann = make_user()
    assert_error(client.post(f"/api/friends/{ann.id}", headers=ann.headers), 422)
    assert_error(client.post("/api/friends/999999", headers=ann.headers), 404)
    assert_error(client.post(f"/api/friends/{ann.id}"), 401)
    assert_error(client.get("/api/friends/requests?direction=sideways", headers=ann.headers), 422)


def test_block_ends_friendship_and_closes_everything(client, make_user, socket_client):
    ann, bob = make_user(), make_user()
    befriend(client, ann, bob)
    wall_post = post(client, ann, "my wall")
    chat = direct(client, ann, bob)
    bob_sock = socket_client(bob)
    assert client.post(f"/api/users/{bob.id}/block", headers=ann.headers).status_code == 204
    assert ("friendship", {"user_id": ann.id, "friendship": "blocked"}) in events(bob_sock)
    assert client.get("/api/friends", headers=ann.headers).get_json()["items"] == []
    assert _state(client, ann, bob)["friendship"] == "blocked" and _state(client, ann, bob)["blocked_by_me"]
    # bob cannot ask, message, comment, or see the wall
    assert_error(client.post(f"/api/friends/{ann.id}", headers=bob.headers), 403)
    res = client.post(
        "/api/messages", headers=bob.headers, json={"chat_id": chat["id"], "body": "hi", "client_id": "b1"}
    )
    assert_error(res, 403)
    ack = bob_sock.emit("message:send", {"chat_id": chat["id"], "body": "hi", "client_id": "b2"}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
    assert_error(client.get(f"/api/users/{ann.id}/posts", headers=bob.headers), 403)
    assert_error(client.get(f"/api/posts/{wall_post['id']}", headers=bob.headers), 403)
    assert_error(client.post(f"/api/posts/{wall_post['id']}/comments", headers=bob.headers, json={"body": "x"}), 403)
    assert_error(client.get(f"/api/friends?user_id={ann.id}", headers=bob.headers), 403)
    # ann can still write to bob (she chose to block, not to be silenced)
    ok = client.post(
        "/api/messages", headers=ann.headers, json={"chat_id": chat["id"], "body": "bye", "client_id": "a1"}
    )
    assert ok.status_code == 201
    assert [b["user"]["id"] for b in client.get("/api/blocks", headers=ann.headers).get_json()["items"]] == [bob.id]
    # unblock: bob may message again, but they are no longer friends
    assert client.delete(f"/api/users/{bob.id}/block", headers=ann.headers).status_code == 204
    res = client.post(
        "/api/messages", headers=bob.headers, json={"chat_id": chat["id"], "body": "hi", "client_id": "b3"}
    )
    assert res.status_code == 201
    assert _state(client, bob, ann)["friendship"] == "none"
    assert_error(client.delete(f"/api/users/{bob.id}/block", headers=ann.headers), 404)


def test_blocking_does_not_touch_group_chats(client, make_user):
    from tests.chat_helpers import group

    ann, bob = make_user(), make_user()
    g = group(client, ann, [bob])
    client.post(f"/api/users/{bob.id}/block", headers=ann.headers)
    res = client.post("/api/messages", headers=bob.headers, json={"chat_id": g["id"], "body": "hi", "client_id": "g1"})
    assert res.status_code == 201


def test_directory_lists_everyone_newest_first_and_finds_words_in_any_order(client, make_user):
    ann = make_user("annp")
    client.patch("/api/users/me", headers=ann.headers, json={"display_name": "Ann Petrova", "city": "Казань"})
    olga = make_user("olgap")
    client.patch("/api/users/me", headers=olga.headers, json={"display_name": "Ольга Петрова"})
    bob = make_user("bobby")
    everyone = client.get("/api/users?limit=2", headers=bob.headers).get_json()
    assert [u["id"] for u in everyone["items"]] == [bob.id, olga.id] and everyone["next"] == olga.id
    rest = client.get(f"/api/users?limit=2&before={everyone['next']}", headers=bob.headers).get_json()
    assert [u["id"] for u in rest["items"]] == [ann.id]
    found = client.get("/api/users?q=Petrova Ann", headers=bob.headers).get_json()["items"]
    assert [u["id"] for u in found] == [ann.id]
    assert [u["id"] for u in client.get("/api/users?q=петрова", headers=bob.headers).get_json()["items"]] == [olga.id]
    by_city = client.get("/api/users?city=казань", headers=bob.headers).get_json()["items"]
    assert [u["id"] for u in by_city] == [ann.id]
    assert client.get("/api/users?q=ann&city=Москва", headers=bob.headers).get_json()["items"] == []


def test_friends_see_each_others_presence_strangers_do_not(client, make_user, socket_client):
    ann, bob, stranger = make_user(), make_user(), make_user()
    befriend(client, ann, bob)
    bob_sock = socket_client(bob)
    assert client.get(f"/api/users/{bob.id}", headers=ann.headers).get_json()["online"] is True
    assert client.get(f"/api/users/{bob.id}", headers=stranger.headers).get_json()["online"] is None  # not told
    ann_sock = socket_client(ann)
    assert ("presence", {"user_id": ann.id, "online": True}) in events(bob_sock)
    stranger_sock = socket_client(stranger)
    ann_sock.disconnect()
    assert ("presence", {"user_id": ann.id, "online": False}) in events(bob_sock)
    assert not [e for e in events(stranger_sock) if e[0] == "presence"]
