"""Frames that cannot be decoded still get an error ack (docs/SECURITY.md, "Socket events").

A frame nested thousands deep made python-socketio's json.loads raise RecursionError before any
handler ran: no ack, a traceback in the log. Its packet decoder now reads the event's name from the
front of such a frame and hands the handler TOO_DEEP instead of the payload; socket_event answers it
with `validation_error` under the packet's own ack id (and charges it like any event). Frames nested
less deeply but past MAX_FRAME_DEPTH are refused by socket_event after decoding.
"""

from __future__ import annotations

import json
import re
from typing import Any

from socketio import packet

_EVENT_NAME = re.compile(r'\s*\[\s*"((?:[^"\\]|\\.){1,200})"')


class TooDeep:
    """Stands in for a payload that was nested too deeply to decode."""

    def __repr__(self) -> str:
        return "TOO_DEEP"


TOO_DEEP = TooDeep()


class FrameJSON:
    """The packet decoder's json module, with RecursionError turned into [event name, TOO_DEEP]."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def dumps(self, *args: Any, **kwargs: Any) -> str:
        """As the wrapped module."""
        return self.inner.dumps(*args, **kwargs)

    def loads(self, text: Any, *args: Any, **kwargs: Any) -> Any:
        """As the wrapped module, except that a too deeply nested event becomes [its name, TOO_DEEP]."""
        try:
            return self.inner.loads(text, *args, **kwargs)
        except RecursionError:
            match = _EVENT_NAME.match(text) if isinstance(text, str) else None
            if match is None:
                raise ValueError("frame nested too deeply") from None
            return [json.loads(f'"{match.group(1)}"'), TOO_DEEP]


def install() -> None:
    """Wrap python-socketio's packet decoder (once per process)."""
    if not isinstance(packet.Packet.json, FrameJSON):
        packet.Packet.json = FrameJSON(packet.Packet.json)


install()
