"""A thin layer over Flask blueprints: each route declares its schemas once.

`@bp.route_spec(...)` parses and validates the JSON body and the query string with
pydantic, checks the bearer token when `auth=True`, serialises the result, and records
the route so that /api/openapi.json is generated from the very same schemas.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from pydantic import BaseModel

from app.auth import authenticate_caller
from app.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType, ValidationError
from app.models import User
from app.schemas.common import validate

JSON_BODY_LIMIT = 256 * 1024  # JSON bodies; uploads have their own limits


@dataclass
class RouteSpec:
    rule: str
    method: str
    summary: str
    tag: str
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    auth: bool
    multipart: dict[str, str] = field(default_factory=dict)
    errors: tuple[int, ...] = ()


ROUTES: list[RouteSpec] = []


def current_user() -> User:
    """The signed-in caller's `User` row, for the routes that need more than `g.user.id`."""
    return g.user.load()


def read_json() -> Any:
    """The request's JSON body, or a 400/413/415 in the contract's shape."""
    if request.content_length is not None and request.content_length > JSON_BODY_LIMIT:
        raise PayloadTooLarge(f"JSON bodies are limited to {JSON_BODY_LIMIT} bytes.")
    if not request.mimetype or request.mimetype != "application/json":
        if not request.get_data(cache=True):
            return {}
        raise UnsupportedMediaType("Send JSON with Content-Type: application/json.")
    raw = request.get_data(cache=True)
    if len(raw) > JSON_BODY_LIMIT:
        raise PayloadTooLarge(f"JSON bodies are limited to {JSON_BODY_LIMIT} bytes.")
    if not raw:
        return {}
    try:
        # Parsed here rather than by request.get_json(): `null` is valid JSON (then refused as "not an
        # object"), and a deeply nested array raises RecursionError, which Flask would turn into a 500.
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise BadRequest("Malformed JSON body.", code="invalid_json") from None


def uploaded_file(choose: str, kind: str) -> Any:
    """The request's multipart field `file`, or the contract's 422 naming that field (`required`):
    `choose` is the sentence for the user ("Choose an image."), `kind` what to send ("image")."""
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError.field("file", "required", choose, summary=f"Send the {kind} as multipart field 'file'.")
    return upload


def chunked_input_terminated(wsgi_app: Callable[..., Any]) -> Callable[..., Any]:
    """WSGI middleware: let Werkzeug read chunked request bodies under eventlet.

    Werkzeug reads a body without Content-Length only when the server sets `wsgi.input_terminated`;
    gevent and Werkzeug's own server do, eventlet does not (its input does decode the chunks), so a
    chunked JSON body looked empty there. Werkzeug still applies MAX_CONTENT_LENGTH while reading.
    """

    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            environ.setdefault("wsgi.input_terminated", True)
        return wsgi_app(environ, start_response)

    return middleware


def no_websocket_compression(wsgi_app: Callable[..., Any]) -> Callable[..., Any]:
    """WSGI middleware: never negotiate permessage-deflate on the Socket.IO websocket.

    Browsers offer it on every websocket and eventlet accepts it, which makes the server
    deflate every frame to every receiver in pure-Python-driven zlib calls and keep a
    compressor per socket. Chat frames are small JSON: the CPU and the per-socket memory cost
    far more than the bytes saved. Dropping the offer makes the server answer without it.
    """

    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return wsgi_app(environ, start_response)

    return middleware


def _serialise(result: Any, status: int) -> Response:
    if isinstance(result, Response):
        return result
    if result is None:
        return Response(status=204)
    if isinstance(result, tuple):
        result, status = result
    if isinstance(result, BaseModel):
        result = result.model_dump(mode="json")
    response = jsonify(result)
    response.status_code = status
    return response


class ApiBlueprint(Blueprint):
    """A Blueprint whose routes carry their schemas."""

    def __init__(self, name: str, import_name: str, tag: str, **kwargs: Any):
        super().__init__(name, import_name, **kwargs)
        self.tag = tag

    def route_spec(
        self,
        rule: str,
        method: str = "GET",
        *,
        summary: str = "",
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        status: int = 200,
        auth: bool = True,
        multipart: dict[str, str] | None = None,
        errors: tuple[int, ...] = (),
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register a route; the view gets `body=` and `query=` models as keyword arguments."""
        prefix = self.url_prefix or ""

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            ROUTES.append(
                RouteSpec(
                    rule=prefix + rule,
                    method=method,
                    summary=summary or (view.__doc__ or "").strip().split("\n")[0],
                    tag=self.tag,
                    body=body,
                    query=query,
                    response=response,
                    status=status,
                    auth=auth,
                    multipart=multipart or {},
                    errors=errors,
                )
            )

            @functools.wraps(view)
            def wrapper(**path_args: Any) -> Response:
                if auth:
                    g.user = authenticate_caller()
                    g.session_id = g.user.session_id
                kwargs = dict(path_args)
                if body is not None:
                    kwargs["body"] = validate(body, read_json())
                if query is not None:
                    kwargs["query"] = validate(query, request.args.to_dict())
                return _serialise(view(**kwargs), status)

            self.add_url_rule(rule, view.__name__, wrapper, methods=[method])
            return wrapper

        return decorator
