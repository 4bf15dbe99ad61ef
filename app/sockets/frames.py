"""Frames that cannot be decoded still get an error ack (docs/SECURITY.md, "Socket events").

A frame nested thousands deep made python-socketio's json.loads raise RecursionError before any
handler ran: no ack, a traceback in the log. Its packet decoder now reads the event's name from the
front of such a frame and hands the handler TOO_DEEP instead of the payload; socket_event answers it
with `validation_error` under the packet's own ack id (and charges it like any event). Frames nested
less deeply but past MAX_FRAME_DEPTH are refused by socket_event after decoding.

The same wrapper encodes every Socket.IO packet with orjson, and decodes with one reused decoder: at
10,000 users and 1,700 msg/s the standard library's encoder and decoder (one `dumps` per emit and per
ack, one `loads` per received event, each building its encoder or decoder anew for the keyword
arguments python-socketio and engineio pass) were 4 % of the worker's CPU (docs/PERFORMANCE.md,
"Fifth session on issue 17"). Text goes out as UTF-8 instead of `\\uXXXX` escapes, which also makes
Cyrillic frames a third of the size. What orjson refuses (integer dict keys, integers past 64 bits,
lone surrogates) goes to the standard library as before. Decoding stays the standard library's:
orjson reads integers past 64 bits as floats, where engineio's guard refuses those past 100 digits.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from engineio import json as engineio_json
from socketio import packet

_EVENT_NAME = re.compile(r'\s*\[\s*"((?:[^"\\]|\\.){1,200})"')


class TooDeep:
    """Stands in for a payload that was nested too deeply to decode."""

    def __repr__(self) -> str:
        return "TOO_DEEP"


TOO_DEEP = TooDeep()
_COMPACT = (",", ":")
_ENGINEIO_DECODER = json.JSONDecoder(parse_int=engineio_json._safe_int)  # what engineio.json.loads builds


class FrameJSON:
    """The packet decoder's json module, with RecursionError turned into [event name, TOO_DEEP]."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def dumps(self, obj: Any, *args: Any, **kwargs: Any) -> str:
        """Compact JSON of `obj` (orjson; the wrapped module for what orjson refuses or other options)."""
        if not args and kwargs.get("separators", _COMPACT) == _COMPACT and kwargs.keys() <= {"separators"}:
            try:
                return orjson.dumps(obj).decode()
            except TypeError:  # orjson.JSONEncodeError: int keys, huge ints, unknown types
                pass
        return self.inner.dumps(obj, *args, **kwargs)

    def loads(self, text: Any, *args: Any, **kwargs: Any) -> Any:
        """As the wrapped module, except that a too deeply nested event becomes [its name, TOO_DEEP]."""
        if self.inner is engineio_json and type(text) is str and not args and not kwargs:
            # (bytes, from the Redis message queue's channel, go to the wrapped module, which takes them)
            # engineio.json.loads builds a JSONDecoder per call for its parse_int guard: one does for all.
            try:
                return _ENGINEIO_DECODER.decode(text)
            except RecursionError:
                return _too_deep(text)
        try:
            return self.inner.loads(text, *args, **kwargs)
        except RecursionError:
            return _too_deep(text)


def _too_deep(text: Any) -> list[Any]:
    """[the event's name, TOO_DEEP] for a frame too deeply nested to decode; ValueError without a name."""
    match = _EVENT_NAME.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError("frame nested too deeply") from None
    return [json.loads(f'"{match.group(1)}"'), TOO_DEEP]


class FramePacket(packet.Packet):
    """python-socketio's Packet, with its data's JSON made once, by orjson, when the packet is built.

    Upstream's constructor walks the data in Python looking for bytes (`data_is_binary`: a list and a
    reduce per dict and list, the whole tree even after a hit) and `encode()` then serialises it: the
    walk alone was 3.6 % of the worker at 10,000 users and 1,800 msg/s, twice per message:send (its
    ack and its `message:new`) (docs/PERFORMANCE.md, "Sixth session on issue 17"). orjson refuses
    bytes, so a dump that succeeds proves there are none; data it refuses (bytes, integer keys, huge
    integers) takes upstream's path unchanged, and so does a server given its own json module.
    Passed to socketio.Server as its `serializer` (app/__init__.py).
    """

    def __init__(
        self,
        packet_type: int = packet.EVENT,
        data: Any = None,
        namespace: str | None = None,
        id: int | None = None,  # upstream's name
        binary: bool | None = None,
        encoded_packet: Any = None,
    ) -> None:
        self.json_text: str | None = None
        if encoded_packet is None and data is not None and not binary and isinstance(self.json, FrameJSON):
            try:
                self.json_text = orjson.dumps(data).decode()
            except TypeError:  # orjson.JSONEncodeError: bytes inside, or what FrameJSON.dumps hands on
                pass
            else:
                binary = False
        super().__init__(packet_type, data, namespace, id, binary, encoded_packet)

    def encode(self) -> Any:
        """The packet as upstream encodes it, reusing the JSON made at construction."""
        if self.json_text is None or self.packet_type in (packet.BINARY_EVENT, packet.BINARY_ACK):
            return super().encode()
        head = str(self.packet_type)
        if self.namespace is not None and self.namespace != "/":
            head += self.namespace + ","
        if self.id is not None:
            head += str(self.id)
        return head + self.json_text


def install() -> None:
    """Wrap python-socketio's packet decoder (once per process)."""
    if not isinstance(packet.Packet.json, FrameJSON):
        packet.Packet.json = FrameJSON(packet.Packet.json)


install()
