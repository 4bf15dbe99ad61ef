"""Run blocking CPU work (bcrypt, image decoding) off the event loop, whatever the async mode."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

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
