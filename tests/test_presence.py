"""Presence: online at the first socket, offline after the last; in memory and shared through Redis."""

import pytest

from app.presence import MemoryPresence, RedisPresence


@pytest.fixture(params=["memory", "redis"])
def make_store(request):
    if request.param == "memory":
        shared = MemoryPresence()
        return lambda worker: shared
    url = request.getfixturevalue("redis_url")
    return lambda worker: RedisPresence(url, worker)


def test_online_from_first_socket_until_last(make_store):
    a, b = make_store("w1"), make_store("w2")
    assert a.connect(7, "s1", session_id=70) is True  # first tab: goes online
    assert b.connect(7, "s2", session_id=71) is False  # second tab, other worker: already online
    assert a.is_online(7) and b.is_online(7)
    assert a.online_among([7, 8]) == {7}
    assert a.disconnect(7, "s1", session_id=70) is False  # one tab left
    assert b.is_online(7)
    assert b.disconnect(7, "s2", session_id=71) is True  # last tab: offline
    assert not a.is_online(7)


def test_session_sockets_are_known_across_workers(make_store):
    a, b = make_store("w1"), make_store("w2")
    a.connect(9, "x1", session_id=90)
    b.connect(9, "x2", session_id=90)
    b.connect(9, "x3", session_id=91)
    assert a.session_sids(90) == {"x1", "x2"}
    a.disconnect(9, "x1", session_id=90)
    assert b.session_sids(90) == {"x2"}


def test_worker_restart_clears_its_stale_sockets(redis_url):
    crashed = RedisPresence(redis_url, "w-crash")
    crashed.connect(11, "dead-sid")
    assert crashed.is_online(11)
    restarted = RedisPresence(redis_url, "w-crash")
    assert restarted.forget_worker() == 1
    assert not restarted.is_online(11)
