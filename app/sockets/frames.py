"""Frames that cannot be decoded still get an error ack (docs/SECURITY.md, "Socket events").

A frame nested thousands deep made python-socketio's json.loads raise RecursionError before any
handler ran: no ack, a traceback in the log. Its packet decoder now turns that error into a call
of the internal event BAD_FRAME_EVENT with the packet's own ack id, answered below with
`validation_error`. Frames nested less deeply but past MAX_FRAME_DEPTH are refused by socket_event.
"""

from __future__ import annotations

from typing import Any

from flask import request
from socketio import packet

from app.errors import ValidationError
from app.extensions import socketio
from app.sockets.events import MAX_FRAME_DEPTH, charge, error_ack, get_connection

BAD_FRAME_EVENT = "__bad_frame__"


class FrameJSON:
    """The packet decoder's json module, with RecursionError turned into a BAD_FRAME_EVENT call."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def dumps(self, *args: Any, **kwargs: Any) -> str:
        """As the wrapped module."""
        return self.inner.dumps(*args, **kwargs)

    def loads(self, *args: Any, **kwargs: Any) -> Any:
        """As the wrapped module, except that a too deeply nested document becomes [BAD_FRAME_EVENT, reason]."""
        try:
            return self.inner.loads(*args, **kwargs)
        except RecursionError:
            return [BAD_FRAME_EVENT, "too_deep"]


if not isinstance(packet.Packet.json, FrameJSON):
    packet.Packet.json = FrameJSON(packet.Packet.json)


@socketio.on(BAD_FRAME_EVENT)
def bad_frame(*_args: Any) -> dict[str, Any]:
    """The ack of an undecodable frame: `validation_error` (limited like any event)."""
    try:
        conn = get_connection(request.sid)  # type: ignore[attr-defined]
        if conn is not None:
            charge(conn, "frame", 1, None)
        raise ValidationError("The payload is nested too deeply.", {"limit_depth": MAX_FRAME_DEPTH})
    except Exception as err:  # DomainError: RateLimited or ValidationError
        return error_ack(err)  # type: ignore[arg-type]
