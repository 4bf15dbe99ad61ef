"""Run blocking CPU work (bcrypt, image decoding) off the event loop, and wake tasks cheaply, in any async mode."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from flask import current_app, has_app_context

T = TypeVar("T")


def run_blocking(fn: Callable[..., T], *args: Any) -> T:
    """Call fn(*args) in a native thread under eventlet/gevent so other greenlets keep running.

    bcrypt and Pillow release the GIL, so a 250 ms hash no longer freezes every socket.
    Under the threading mode (tests) it simply calls fn.
    """
    mode = current_app.config.get("ASYNC_MODE") if has_app_context() else None
    if mode == "eventlet":
        from eventlet import tpool

        return tpool.execute(fn, *args)
    if mode == "gevent":
        import gevent

        return gevent.get_hub().threadpool.apply(fn, args)
    return fn(*args)


class Signal(Protocol):
    """What waiting tasks use of threading.Event: set, wait, is_set."""

    def set(self) -> None:
        """Wake the waiters."""

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until set (or `timeout` seconds); whether it was set."""

    def is_set(self) -> bool:
        """Whether set() was called."""


class _EventletSignal:
    """threading.Event's set/wait/is_set on eventlet's own Event, for greenthreads of one hub.

    Under eventlet's monkey patching threading.Event stays the standard library's: a Condition over a
    green lock, a new waiter lock per wait, and a timer for each notify. One per message:send (the
    group commit's hand-over) was 2.8 % of an eventlet worker at 10,000 users (docs/PERFORMANCE.md,
    "Sixth session on issue 17"); eventlet's Event parks the waiter and wakes it with one timer.
    """

    __slots__ = ("_event",)

    def __init__(self) -> None:
        from eventlet.event import Event

        self._event = Event()

    def set(self) -> None:
        """Wake the waiters; setting it again does nothing (as threading.Event)."""
        if not self._event.ready():
            self._event.send(True)

    def is_set(self) -> bool:
        """Whether set() was called."""
        return self._event.ready()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until set (or `timeout` seconds); whether it was set."""
        if not self._event.ready():
            self._event.wait(timeout)
        return self._event.ready()


def _eventlet_patched() -> bool:
    patcher = sys.modules.get("eventlet.patcher")
    return patcher is not None and bool(patcher.is_monkey_patched("thread"))


def new_signal() -> Signal:
    """A one-shot wake-up between tasks of this process: threading.Event, or eventlet's own under eventlet.

    (gevent's monkey patching already makes threading.Event its own light Event.)
    """
    if _eventlet_patched():
        return _EventletSignal()
    return threading.Event()
