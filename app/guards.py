"""WSGI guards that run before Flask and Socket.IO see a request (docs/SECURITY.md, "Transport").

Engine.IO's long-polling POST trusted Content-Length: a length over SOCKET_MAX_FRAME made it close
the session and wait on a queue nothing reads, so the request (and its greenlet) hung forever, body
or no body. The guard answers such requests itself, in the contract's error shape.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from typing import Any

from app.errors import error_body

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _refuse(start_response: Callable[..., Any], status: str, code: str, message: str, details: dict) -> list[bytes]:
    body = json.dumps(error_body(code, message, details)).encode()
    start_response(
        status,
        [("Content-Type", "application/json"), ("Content-Length", str(len(body))), ("Connection", "close")],
    )
    return [body]


def polling_guard(wsgi_app: WSGIApp, max_frame: int, path: str = "/socket.io") -> WSGIApp:
    """WSGI middleware: a Socket.IO POST must declare a Content-Length of at most `max_frame` bytes.

    Missing, malformed or chunked lengths get 400 `length_required`, too long 413 `payload_too_large`;
    neither reaches Engine.IO. An accepted body is read here, within the server's read timeout
    (HTTP_SOCKET_TIMEOUT in wsgi.py), and handed on in memory; one that stops short (the client went
    away or stalled) gets 400 `incomplete_body` without reaching Engine.IO either, which logged a
    traceback for each one (5,000 stalled POSTs closing at once made a gevent worker late by seconds).
    """

    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO", "").startswith(path):
            raw = (environ.get("CONTENT_LENGTH") or "").strip()
            if not raw.isdigit() or "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
                return _refuse(
                    start_response,
                    "400 Bad Request",
                    "length_required",
                    "Socket.IO POST requests need a Content-Length.",
                    {},
                )
            if int(raw) > max_frame:
                return _refuse(
                    start_response,
                    "413 Request Entity Too Large",
                    "payload_too_large",
                    f"Socket.IO frames are limited to {max_frame} bytes.",
                    {"limit": max_frame},
                )
            length = int(raw)
            try:
                body = environ["wsgi.input"].read(length) if length else b""
            except (OSError, ValueError):  # a timeout, a reset, or gevent's "unexpected end of file"
                body = b""
            if len(body) != length:
                return _refuse(
                    start_response, "400 Bad Request", "incomplete_body", "The request body stopped short.", {}
                )
            environ["wsgi.input"] = io.BytesIO(body)
        return wsgi_app(environ, start_response)

    return middleware
