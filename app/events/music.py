"""Music's server -> client events."""

from __future__ import annotations

from typing import ClassVar

from app.events.base import server_event
from app.schemas.music import ListeningEvent


@server_event
class Listening(ListeningEvent):
    """Someone who shares it (profile `share_listening`) started a track, or stopped (`track` null)."""

    EVENT: ClassVar[str] = "listening"
