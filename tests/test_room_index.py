"""app/room_index.py: python-socketio's rooms, indexed by socket, behave as python-socketio's own."""

from __future__ import annotations

import random

import pytest
from socketio.base_manager import BaseManager

from app import room_index


@pytest.fixture
def managers():
    """(python-socketio's own manager, the indexed one)."""
    room_index.index_rooms_by_socket()
    plain = type("Upstream", (BaseManager,), dict(room_index.UPSTREAM))()
    return plain, BaseManager()


def _state(manager, namespace="/"):
    return {room: dict(members) for room, members in manager.rooms.get(namespace, {}).items()}


@pytest.mark.parametrize("seed", range(5))
def test_random_joins_leaves_closes_and_disconnects_leave_the_same_rooms(managers, seed):
    plain, indexed = managers
    rnd = random.Random(seed)
    sids = [f"s{i}" for i in range(40)]
    rooms = [f"user:{i}" for i in range(10)] + [f"post:{i}" for i in range(5)]
    connected: list[str] = []
    for _ in range(2000):
        op = rnd.random()
        if op < 0.15 or not connected:
            sid = rnd.choice(sids)
            if sid in connected:
                continue
            for m in (plain, indexed):
                m.basic_enter_room(sid, "/", None, eio_sid="e" + sid)
                m.basic_enter_room(sid, "/", sid, eio_sid="e" + sid)
            connected.append(sid)
        elif op < 0.55:
            sid, room = rnd.choice(connected), rnd.choice(rooms)
            for m in (plain, indexed):
                m.basic_enter_room(sid, "/", room)
        elif op < 0.75:
            sid, room = rnd.choice(connected), rnd.choice(rooms)
            for m in (plain, indexed):
                m.basic_leave_room(sid, "/", room)
        elif op < 0.8:
            room = rnd.choice(rooms)
            for m in (plain, indexed):
                m.basic_close_room(room, "/")
        else:
            sid = rnd.choice(connected)
            for m in (plain, indexed):
                m.pending_disconnect.setdefault("/", []).append(sid)
                m.basic_disconnect(sid, "/")
            connected.remove(sid)
        assert _state(indexed) == _state(plain)
        probe = rnd.choice(sids)
        assert sorted(map(str, indexed.get_rooms(probe, "/"))) == sorted(map(str, plain.get_rooms(probe, "/")))
    assert indexed.pending_disconnect == plain.pending_disconnect


def test_a_disconnect_touches_only_its_sockets_rooms(managers):
    _, indexed = managers
    for i in range(3000):
        sid = f"s{i}"
        indexed.basic_enter_room(sid, "/", None, eio_sid="e" + sid)
        indexed.basic_enter_room(sid, "/", sid, eio_sid="e" + sid)
        indexed.basic_enter_room(sid, "/", f"user:{i}")

    class Counting(dict):
        reads = 0

        def items(self):
            Counting.reads += 1
            return super().items()

        def copy(self):
            Counting.reads += 1
            return super().copy()

    indexed.rooms["/"] = Counting(indexed.rooms["/"])
    indexed.basic_disconnect("s7", "/")
    assert Counting.reads == 0  # no scan of the namespace's 6,001 rooms
    assert "user:7" not in indexed.rooms["/"] and "s7" not in indexed.rooms["/"]
    assert indexed.get_rooms("s8", "/") == ["s8", "user:8"]
