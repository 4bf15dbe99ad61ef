"""Socket.IO packets are encoded with orjson and decoded with one reused decoder (app/sockets/frames.py):
what a client receives and what a handler gets are the same JSON values as with the standard library."""

from __future__ import annotations

import json

import pytest
from socketio import packet

from app.sockets import frames

CODEC = packet.Packet.json  # installed when app.sockets.frames is imported


def _roundtrip_event(data):
    """A server event as python-socketio encodes it, decoded as a client would."""
    encoded = packet.Packet(packet.EVENT, data=["message:new", data], namespace="/").encode()
    assert encoded.startswith("2[")
    return json.loads(encoded[1:])[1]


@pytest.mark.parametrize(
    "data",
    [
        {"body": "привет, мастер! 🔧 ё", "id": 7, "seq": 2**62, "price": 1500.5, "tags": [], "reply_to": None},
        {"nested": {"sender": {"display_name": "Анна «Мастер»", "avatar": None}}, "ok": True},
        {"quote": '"\\\n\t\u2028'},
    ],
)
def test_every_value_reaches_the_client_as_the_standard_library_would_send_it(data):
    assert isinstance(CODEC, frames.FrameJSON)
    assert _roundtrip_event(data) == json.loads(json.dumps(data))


def test_text_goes_out_as_utf8_not_escapes():
    out = CODEC.dumps(["message:new", {"body": "привет"}], separators=(",", ":"))
    assert out == '["message:new",{"body":"привет"}]'


@pytest.mark.parametrize(
    "data",
    [{1: "integer keys"}, {"big": 2**70}, {"lone": "\ud800"}],
)
def test_what_orjson_refuses_is_encoded_by_the_standard_library(data):
    out = CODEC.dumps(data, separators=(",", ":"))
    assert json.loads(out) == json.loads(json.dumps(data))


def test_decoding_keeps_exact_integers_and_engineios_guard_against_huge_ones():
    assert CODEC.loads('["x",{"id":123456789012345678901234567890}]') == ["x", {"id": 123456789012345678901234567890}]
    with pytest.raises(ValueError, match="too large"):
        CODEC.loads('["x",{"id":' + "9" * 101 + "}]")


def test_a_frame_nested_too_deeply_still_names_its_event():
    deep = '["message:send",' + "[" * 5000 + "]" * 5000 + "]"
    assert CODEC.loads(deep) == ["message:send", frames.TOO_DEEP]
    with pytest.raises(ValueError, match="nested too deeply"):
        CODEC.loads("[" * 5000 + "]" * 5000)


def test_the_message_queue_s_bytes_decode_as_before():
    """python-socketio's Redis manager decodes what it reads from the channel (bytes) with the same
    module: a message published by one worker reaches the sockets of the other."""
    published = CODEC.dumps({"method": "emit", "event": "message:new", "data": {"body": "через кластер"}})
    assert CODEC.loads(published.encode()) == CODEC.loads(published) == json.loads(published)
    assert CODEC.loads(bytearray(b'{"n": 1}')) == {"n": 1}
