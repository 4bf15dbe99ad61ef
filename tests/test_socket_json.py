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


def _upstream(*args, **kwargs):
    """The same packet as python-socketio's own Packet class builds and encodes it (with our codec)."""
    return packet.Packet(*args, **kwargs)


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((packet.EVENT,), {"data": ["message:new", {"body": "привет", "sender": {"id": 3, "avatar": None}}]}),
        ((packet.EVENT,), {"data": ["chat:read", {"seq": 5}], "namespace": "/"}),
        ((packet.EVENT,), {"data": ["ping", 1], "namespace": "/admin", "id": 12}),
        ((packet.ACK,), {"data": [{"message": {"id": 9, "body": "ok"}}], "namespace": "/", "id": 41}),
        ((packet.CONNECT,), {"data": {"sid": "abc"}, "namespace": "/"}),
        ((packet.CONNECT_ERROR,), {"data": {"message": "Unauthorized", "data": {"code": "unauthorized"}}}),
        ((packet.DISCONNECT,), {"namespace": "/"}),
        ((packet.EVENT,), {"data": ["x", {1: "integer keys go to the standard library"}]}),
    ],
)
def test_server_packets_go_out_exactly_as_upstream_encodes_them(args, kwargs):
    """The packet class the server sends with (one JSON dump at construction, no walk for bytes) puts
    the same text on the wire as python-socketio's own, for events, acks, connects and errors alike."""
    ours = frames.FramePacket(*args, **kwargs)
    assert ours.encode() == _upstream(*args, **kwargs).encode()
    assert ours.packet_type == _upstream(*args, **kwargs).packet_type


def test_bytes_in_a_payload_still_go_out_as_binary_attachments():
    data = ["file", {"name": "фото.png", "blob": b"\x89PNG\x00"}]
    ours = frames.FramePacket(packet.EVENT, data=data, namespace="/")
    assert ours.packet_type == packet.BINARY_EVENT
    assert ours.encode() == _upstream(packet.EVENT, data=data, namespace="/").encode()
    assert ours.encode()[1] == b"\x89PNG\x00"
    ack = frames.FramePacket(packet.ACK, data=[b"\x01"], id=3)
    assert ack.packet_type == packet.BINARY_ACK and ack.encode() == ['61-3[{"_placeholder":true,"num":0}]', b"\x01"]


def test_a_received_packet_decodes_as_upstream_does():
    text = '2/admin,7["message:send",{"chat_id":1,"body":"привет"}]'
    ours, theirs = frames.FramePacket(encoded_packet=text), _upstream(encoded_packet=text)
    assert (ours.packet_type, ours.namespace, ours.id, ours.data) == (
        theirs.packet_type, theirs.namespace, theirs.id, theirs.data,
    )  # fmt: skip
    assert ours.data == ["message:send", {"chat_id": 1, "body": "привет"}]


def test_the_server_sends_with_frame_packets(app):
    from app.extensions import socketio

    assert socketio.server.packet_class is frames.FramePacket
    assert isinstance(socketio.server.packet_class.json, frames.FrameJSON)
