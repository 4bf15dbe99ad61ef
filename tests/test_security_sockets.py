"""Socket events are limited per connection and per user, by cost; frames are bounded in depth.

A flood of any event is answered `rate_limited` in the ack after its bucket empties, while another user's
events keep being answered (their buckets are their own). The latency a bystander sees during a flood is
measured by bench/socket_flood.py (docs/SECURITY.md), not asserted here.
"""

from __future__ import annotations

import time

import pytest

from app.extensions import socketio
from app.sockets.events import CLIENT_EVENTS, EVENT_LIMITS, HANDLERS, Limit, socket_event
from tests.chat_helpers import direct, send


def _flood(sock, event, payload, n):
    acks = [sock.emit(event, payload, callback=True) for _ in range(n)]
    limited = [a for a in acks if not a["ok"] and a["error"]["code"] == "rate_limited"]
    return acks, limited


@pytest.fixture
def pair(client, make_user, socket_client):
    alice, bob = make_user(), make_user()
    chat = direct(client, alice, bob)
    message = send(client, alice, chat["id"], "first")
    return alice, bob, chat, message, socket_client(alice), socket_client(bob)


FLOODS = {
    "typing": (lambda chat, msg: {"chat_id": chat["id"], "typing": True}, 40),
    "chat:sync": (lambda chat, msg: {"chat_id": chat["id"], "after_seq": 0, "limit": 200}, 100),
    "chat:read": (lambda chat, msg: {"chat_id": chat["id"], "seq": 1}, 60),
    "message:edit": (lambda chat, msg: {"message_id": msg["id"], "body": "edited"}, 60),
    "message:delete": (lambda chat, msg: {"message_id": msg["id"]}, 60),
    "ping": (lambda chat, msg: {}, 40),
}


@pytest.mark.parametrize("event", sorted(FLOODS))
def test_a_flood_of_each_event_is_limited_and_a_bystander_is_still_served(pair, event):
    _alice, _bob, chat, message, alice_sock, bob_sock = pair
    make_payload, n = FLOODS[event]
    acks, limited = _flood(alice_sock, event, make_payload(chat, message), n)
    assert limited, f"{n} {event} frames in a row were all served"
    assert limited[0]["error"]["details"]["retry_after"] >= 1
    served = len(acks) - len(limited)
    assert served < n
    # Bob's buckets are his own: his events are answered normally during Alice's flood.
    assert bob_sock.emit("ping", {}, callback=True)["ok"] is True
    assert bob_sock.emit("typing", {"chat_id": chat["id"], "typing": True}, callback=True)["ok"] is True
    assert alice_sock.is_connected()


def test_sync_is_charged_by_its_size(pair):
    _alice, _bob, chat, _message, alice_sock, _ = pair
    start = time.monotonic()
    _, limited_big = _flood(alice_sock, "chat:sync", {"chat_id": chat["id"], "after_seq": 0, "limit": 200}, 70)
    refilled = (time.monotonic() - start) * 20 / 5  # the bucket refills 20 tokens a second
    served_big = 70 - len(limited_big)
    assert served_big <= 60 + refilled + 1  # a 200-message page costs 5 of the 300-token bucket


def test_message_send_flood_is_limited(client, make_user, socket_client):
    alice, bob = make_user(), make_user()
    chat = direct(client, alice, bob)
    sock = socket_client(alice)
    acks = [
        sock.emit("message:send", {"chat_id": chat["id"], "body": "x", "client_id": f"f{i}"}, callback=True)
        for i in range(260)
    ]
    assert any(not a["ok"] and a["error"]["code"] == "rate_limited" for a in acks)


def test_per_user_limit_spans_the_users_sockets(pair, socket_client):
    alice, _bob, chat, _message, alice_sock, _ = pair
    _flood(alice_sock, "typing", {"chat_id": chat["id"], "typing": True}, 20)
    second = socket_client(alice)
    ack = second.emit("typing", {"chat_id": chat["id"], "typing": True}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "rate_limited"


@pytest.fixture
def costly_event(app):
    """A test event with no per-event limit and a cost of 10: only the connection and user budgets apply."""

    @socket_event("test:costly", cost=10, limit=None)
    def costly(conn, payload):
        return {}

    @socket_event("test:new")
    def new(conn, payload):
        return {}

    yield
    for name in ("test:costly", "test:new"):
        CLIENT_EVENTS.pop(name, None)
        EVENT_LIMITS.pop(name, None)
        HANDLERS.pop(name, None)


def test_per_connection_budget_limits_one_socket_not_the_others(costly_event, make_user, socket_client):
    alice = make_user()
    first, second = socket_client(alice), socket_client(alice)
    _, limited = _flood(first, "test:costly", {}, 40)
    assert len(limited) >= 9  # 300 tokens / 10 each: 30 served
    assert second.emit("test:costly", {}, callback=True)["ok"] is True


def test_a_new_event_gets_the_default_limit(costly_event, make_user, socket_client):
    sock = socket_client(make_user())
    _, limited = _flood(sock, "test:new", {}, 30)
    assert limited
    assert EVENT_LIMITS["test:new"] == (1, Limit(rate=5, burst=20))


def test_every_event_declares_a_limit_or_says_who_limits_it():
    for name, (cost, limit) in EVENT_LIMITS.items():
        assert cost, name
        assert limit is not None or name == "message:send", name  # message:send: MESSAGE_RATE in its service


def test_deeply_nested_frame_gets_an_error_ack(make_user, socket_client):
    sock = socket_client(make_user())
    deep = "[" * 5000 + "]" * 5000
    socketio.server._handle_eio_message(sock.eio_sid, f'27["ping",{deep}]')
    ack = sock.acks["args"][0] if sock.acks else None
    assert ack is not None, "no ack for a deeply nested frame"
    assert ack["ok"] is False and ack["error"]["code"] == "validation_error"
    assert sock.is_connected()
    assert sock.emit("ping", {}, callback=True)["ok"] is True


def test_moderately_nested_frame_is_refused_before_validation(make_user, socket_client):
    sock = socket_client(make_user())
    payload: dict = {}
    inner = payload
    for _ in range(50):
        inner["a"] = {}
        inner = inner["a"]
    ack = sock.emit("ping", payload, callback=True)
    assert ack["ok"] is False and ack["error"]["details"]["limit_depth"] == 16
