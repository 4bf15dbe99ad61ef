"""Bad input on every messenger event: an error ack in the contract's shape, the connection stays up,
nothing is stored and nobody hears anything."""

import pytest

from app.extensions import db
from app.models.chat import Message
from tests.chat_helpers import events, group

JUNK = [None, [], [1, 2], "string", 42, True, {}, {"chat_id": None}]

EVENT_CASES = {
    "message:send": [
        {"chat_id": "abc", "body": "x", "client_id": "a"},
        {"chat_id": True, "body": "x", "client_id": "a"},
        {"chat_id": 1.5, "body": "x", "client_id": "a"},
        {"chat_id": "CHAT", "body": 5, "client_id": "a"},
        {"chat_id": "CHAT", "body": ["x"], "client_id": "a"},
        {"chat_id": "CHAT", "body": "", "client_id": "a"},
        {"chat_id": "CHAT", "body": "   ", "client_id": "a"},
        {"chat_id": "CHAT", "body": "TOO_LONG", "client_id": "a"},
        {"chat_id": "CHAT", "body": "x", "client_id": 7},
        {"chat_id": "CHAT", "body": "x", "client_id": "c" * 65},
        {"chat_id": "CHAT", "body": "x", "client_id": "a", "reply_to": "nope"},
        {"chat_id": "CHAT", "body": "x", "client_id": "a", "reply_to": 999999},
        {"chat_id": "CHAT", "body": "x", "client_id": "a", "attachment_id": 999999},
        {"chat_id": 999999, "body": "x", "client_id": "a"},
        {"chat_id": -1, "body": "x", "client_id": "a"},
    ],
    "message:edit": [
        {"message_id": "MESSAGE"},
        {"message_id": "MESSAGE", "body": ""},
        {"message_id": "MESSAGE", "body": "TOO_LONG"},
        {"message_id": "x", "body": "y"},
        {"message_id": 999999, "body": "y"},
    ],
    "message:delete": [{"message_id": "x"}, {"message_id": 999999}, {"message_id": [1]}],
    "chat:sync": [
        {"chat_id": "CHAT"},
        {"chat_id": "CHAT", "after_seq": -1},
        {"chat_id": "CHAT", "after_seq": "0"},
        {"chat_id": "CHAT", "after_seq": 0, "limit": 0},
        {"chat_id": "CHAT", "after_seq": 0, "limit": 10_000},
        {"chat_id": 999999, "after_seq": 0},
    ],
    "chat:read": [{"chat_id": "CHAT"}, {"chat_id": "CHAT", "seq": "1"}, {"chat_id": 999999, "seq": 1}],
    "typing": [{"chat_id": "CHAT"}, {"chat_id": "CHAT", "typing": "yes"}, {"chat_id": 999999, "typing": True}],
}


@pytest.fixture
def setup(client, make_user, socket_client, app):
    alice, bob = make_user(), make_user()
    g = group(client, alice, [bob])
    msg = client.post(
        "/api/messages", headers=alice.headers, json={"chat_id": g["id"], "body": "keep", "client_id": "k"}
    ).get_json()
    sa, sb = socket_client(alice), socket_client(bob)
    return {"sa": sa, "sb": sb, "chat_id": g["id"], "message_id": msg["id"], "limit": app.config["MESSAGE_MAX_LENGTH"]}


def fill(payload, s):
    if not isinstance(payload, dict):
        return payload
    table = {"CHAT": s["chat_id"], "MESSAGE": s["message_id"], "TOO_LONG": "x" * (s["limit"] + 1)}
    return {k: table.get(v, v) if isinstance(v, str) else v for k, v in payload.items()}


def stored(app):
    with app.app_context():
        return [(m.seq, m.body, m.edited_at, m.deleted_at) for m in db.session.query(Message).order_by(Message.id)]


CASES = [(e, p) for e, ps in EVENT_CASES.items() for p in ps] + [(e, j) for e in EVENT_CASES for j in JUNK]


@pytest.mark.parametrize(("event", "payload"), CASES, ids=[f"{e}-{i}" for i, (e, _) in enumerate(CASES)])
def test_bad_input_gets_error_ack_and_changes_nothing(app, setup, event, payload):
    sa, sb = setup["sa"], setup["sb"]
    events(sa), events(sb)
    before = stored(app)
    ack = sa.emit(event, fill(payload, setup), callback=True)
    assert ack["ok"] is False, ack
    assert set(ack["error"]) == {"code", "message", "details"}
    assert ack["error"]["code"] in ("validation_error", "not_found", "forbidden")
    assert stored(app) == before
    assert events(sb) == [] and events(sa) == []
    assert sa.is_connected()
    assert sa.emit("ping", {}, callback=True)["ok"] is True


def test_rest_send_junk_bodies(client, setup, make_user):
    user = make_user()
    for body in ([], "x", 5, None):
        res = client.post("/api/messages", headers=user.headers, json=body)
        assert res.status_code in (400, 422) and "error" in res.get_json()
