"""Who is online: a user is online from their first socket until their last one closes.

Kept behind one interface so that several workers can share it through Redis.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Protocol

from flask import current_app


class Presence(Protocol):
    def connect(self, user_id: int, sid: str) -> bool:
        """Record a socket; True when this made the user online."""

    def disconnect(self, user_id: int, sid: str) -> bool:
        """Forget a socket; True when this made the user offline."""

    def is_online(self, user_id: int) -> bool:
        """Whether the user has at least one socket."""

    def online_among(self, user_ids: Iterable[int]) -> set[int]:
        """The subset of user_ids that are online."""

    def sids(self, user_id: int) -> set[str]:
        """This process's sockets of a user."""


class MemoryPresence:
    """Presence for one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sids: dict[int, set[str]] = {}

    def connect(self, user_id: int, sid: str) -> bool:
        with self._lock:
            sids = self._sids.setdefault(user_id, set())
            first = not sids
            sids.add(sid)
            return first

    def disconnect(self, user_id: int, sid: str) -> bool:
        with self._lock:
            sids = self._sids.get(user_id)
            if not sids or sid not in sids:
                return False
            sids.discard(sid)
            if not sids:
                del self._sids[user_id]
                return True
            return False

    def is_online(self, user_id: int) -> bool:
        return user_id in self._sids

    def online_among(self, user_ids: Iterable[int]) -> set[int]:
        return {uid for uid in user_ids if uid in self._sids}

    def sids(self, user_id: int) -> set[str]:
        return set(self._sids.get(user_id, ()))


def presence() -> Presence:
    """The app's presence registry."""
    return current_app.extensions["masterchat.presence"]
