"""Presence: online at the first socket, offline after the last; in memory and shared through Redis.

Through Redis it heals: a quick reconnect shows no offline, a Redis restart is repaired by the
next heartbeat, a dead worker's users go offline, and Redis being away degrades to what this
worker knows instead of failing.
"""

import threading
import time

import pytest

from app.presence import MemoryPresence, RedisPresence
from app.redis_client import breaker
from tests.conftest import free_port


@pytest.fixture
def make_store(redis_url):
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    made: list[RedisPresence] = []

    def make(worker: str, **options) -> RedisPresence:
        store = RedisPresence(redis_url, worker, **{"grace": 0.3, **options})
        made.append(store)
        return store

    yield make
    breaker.ok()


def _beat(*stores: RedisPresence) -> None:
    for store in stores:
        store.heartbeat()
    for store in stores:
        store.heartbeat()  # now each knows the others are alive


def test_memory_online_from_first_socket_until_last():
    store = MemoryPresence()
    assert store.connect(7, "s1", session_id=70) is True
    assert store.connect(7, "s2", session_id=71) is False
    assert store.online_among([7, 8]) == {7}
    assert store.disconnect(7, "s1", session_id=70) is False
    assert store.disconnect(7, "s2", session_id=71) is True
    assert not store.is_online(7)


def test_online_across_workers_until_the_last_socket_and_its_grace(make_store):
    a, b = make_store("w1"), make_store("w2")
    _beat(a, b)
    assert a.connect(7, "s1", session_id=70) is True  # first tab: goes online
    assert b.connect(7, "s2", session_id=71) is False  # second tab, other worker: already online
    assert a.is_online(7) and b.is_online(7)
    assert a.online_among([7, 8]) == {7}
    assert a.disconnect(7, "s1", session_id=70) is False  # one tab left
    assert b.disconnect(7, "s2", session_id=71) is False  # offline is announced after the grace
    assert a.is_online(7), "still shown online during the grace"
    assert a.due_offline() == []
    time.sleep(0.4)
    assert a.due_offline() + b.due_offline() == [7]
    assert not a.is_online(7) and not b.is_online(7)


def test_a_reconnect_within_the_grace_causes_no_offline_and_no_online(make_store):
    a, b = make_store("w1"), make_store("w2")
    _beat(a, b)
    assert a.connect(5, "s1") is True
    a.disconnect(5, "s1")
    assert b.connect(5, "s2") is False, "a reconnect (to another worker) is not a new 'online'"
    time.sleep(0.4)
    assert a.due_offline() == [] and b.is_online(5)


def test_session_sockets_are_known_by_their_worker(make_store):
    a, b = make_store("w1"), make_store("w2")
    a.connect(9, "x1", session_id=90)
    b.connect(9, "x2", session_id=90)
    assert a.session_sids(90) == {"x1"} and b.session_sids(90) == {"x2"}
    assert a.local_sessions() == {90}
    a.disconnect(9, "x1", session_id=90)
    assert a.session_sids(90) == set() and a.local_sessions() == set()


def test_a_redis_restart_is_repaired_by_the_next_heartbeat(make_store, redis_url):
    import redis

    a, b = make_store("w1"), make_store("w2")
    _beat(a, b)
    a.connect(11, "s1")
    b.connect(12, "s2")
    redis.Redis.from_url(redis_url).flushdb()  # what a restart without persistence leaves
    assert not b.is_online(11)
    _beat(a, b)
    assert b.online_among([11, 12]) == {11, 12} and a.online_among([11, 12]) == {11, 12}


def test_a_dead_workers_users_go_offline_unless_online_elsewhere(make_store, redis_url):
    import redis

    dead, live = make_store("w-dead"), make_store("w-live")
    _beat(dead, live)
    dead.connect(21, "s1")
    dead.connect(22, "s2")
    live.connect(22, "s3")
    redis.Redis.from_url(redis_url).delete("mc:masterchat:alive:w-dead")  # its heartbeat expired
    assert live.heartbeat() == ["w-dead"]
    assert live.due_offline() == [21]
    assert live.online_among([21, 22]) == {22}


def test_a_restarted_worker_clears_what_it_left_behind(make_store):
    crashed = make_store("w-crash")
    crashed.connect(11, "dead-sid")
    assert crashed.is_online(11)
    restarted = make_store("w-crash")
    assert restarted.forget_worker() == 1
    assert restarted.due_offline() == [11]


def test_redis_away_degrades_to_this_workers_sockets(make_store):
    store = RedisPresence(f"redis://127.0.0.1:{free_port()}/0", "w-alone")
    assert store.connect(31, "s1") is True
    assert store.online_among([31, 32]) == {31}
    assert store.is_online(31) and not store.is_online(32)
    assert store.disconnect(31, "s1") is True  # offline at once: nobody else can announce it
    with pytest.raises(Exception):  # noqa: B017 (whatever redis-py raises: the upkeep loop logs it)
        store.heartbeat()


def test_a_direct_chat_opened_while_the_peer_connects_gets_the_peers_presence(app, client, make_user, socket_client):
    """Issue 12, item 6: the peer's connect checked its token, then the chat was created and its
    creator read "offline", then the peer's presence was recorded: the creator must hear `presence`."""
    alice, bob = make_user(), make_user()
    alice_socket = socket_client(alice)
    store = app.extensions["masterchat.presence"]
    real_connect = store.connect
    seen: list[bool] = []

    def connect_after_the_chat(user_id, sid, session_id=None):
        if user_id == bob.id and not seen:

            def alice_opens_the_chat() -> None:  # another thread: its own app context and database session
                res = client.post("/api/chats", json={"type": "direct", "user_id": bob.id}, headers=alice.headers)
                assert res.status_code == 201, res.get_json()
                seen.append(client.get(f"/api/users/{bob.id}", headers=alice.headers).get_json()["online"])

            other = threading.Thread(target=alice_opens_the_chat)
            other.start()
            other.join(10)
        return real_connect(user_id, sid, session_id)

    store.connect = connect_after_the_chat
    try:
        socket_client(bob)
    finally:
        store.connect = real_connect
    assert seen == [False], "the creator's read raced the peer's connect"
    heard = [e["args"][0] for e in alice_socket.get_received() if e["name"] == "presence"]
    assert {"user_id": bob.id, "online": True} in heard, heard


def test_a_session_revoked_behind_the_queues_back_is_closed_by_the_database_check(app, make_user, socket_client):
    """Logout's message to the other workers can be lost (Redis away): each worker's check finds the
    revocation in the database and closes its own sockets of that session."""
    from datetime import timedelta

    from sqlalchemy import update

    from app.extensions import db
    from app.models import AuthSession
    from app.models.base import utcnow
    from app.upkeep import close_revoked

    ann, bob = make_user(), make_user()
    ann_socket, bob_socket = socket_client(ann), socket_client(bob)
    since = utcnow() - timedelta(seconds=1)
    with app.app_context():
        ann_session = app.extensions["masterchat.presence"].local_sessions()
        db.session.execute(update(AuthSession).where(AuthSession.user_id == ann.id).values(revoked_at=utcnow()))
        db.session.commit()
        assert ann_socket.is_connected()
        close_revoked(since)
    assert ann_session and not ann_socket.is_connected()
    assert bob_socket.is_connected(), "only the revoked session's sockets"


def test_logout_in_one_process_announces_offline_without_a_database_error(
    app, client, make_user, socket_client, caplog
):
    """One process (no Redis): logout closes the session's socket from inside the logout's commit; the
    disconnect's presence query must not run in that finished transaction. Bob hears Ann go offline and
    the log holds no error."""
    import logging

    ann, bob = make_user(), make_user()
    res = client.post("/api/chats", json={"type": "direct", "user_id": bob.id}, headers=ann.headers)
    assert res.status_code == 201, res.get_json()
    ann_socket, bob_socket = socket_client(ann), socket_client(bob)
    bob_socket.get_received()
    with caplog.at_level(logging.WARNING):
        res = client.post("/api/auth/logout", json={"refresh_token": ann.refresh_token}, headers=ann.headers)
        assert res.status_code in (200, 204), res.get_data(as_text=True)
    assert not ann_socket.is_connected()
    heard = [e["args"][0] for e in bob_socket.get_received() if e["name"] == "presence"]
    assert {"user_id": ann.id, "online": False} in heard, heard
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [(r.name, r.getMessage(), r.exc_text) for r in errors]
