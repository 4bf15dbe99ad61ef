"""Server -> client events about the connection itself: catch up after a fault, move to another worker."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from app.events.base import server_event


@server_event
class Resync(BaseModel):
    """Live events may have been missed: sync each chat (`chat:sync` from the last seq held contiguously).

    `reason`: `queue` (this worker's message-queue listener was away from Redis and is back), `publish`
    (events published while Redis was away had to be dropped).
    """

    model_config = ConfigDict(extra="forbid")
    EVENT: ClassVar[str] = "resync"
    reason: Literal["queue", "publish"]


@server_event
class ServerDraining(BaseModel):
    """This worker is shutting down: the socket closes right after; reconnect (to another worker)
    after `reconnect_after_ms` plus a random wait of up to `reconnect_within_ms`, then sync as after
    any reconnect. The first part lets a restarted worker come back before its clients do, so the
    workers that stayed do not take them all at once (docs/RELIABILITY.md, "Reconnect storms")."""

    model_config = ConfigDict(extra="forbid")
    EVENT: ClassVar[str] = "server:draining"
    reconnect_within_ms: int
    reconnect_after_ms: int = 0
