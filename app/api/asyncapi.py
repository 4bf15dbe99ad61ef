"""The AsyncAPI 3 document of the Socket.IO interface, generated from the models that validate it.

Server -> client events come from `app.events.SERVER_EVENTS` (the models `emit_*` validates
every payload against), client -> server events from `app.sockets.events.CLIENT_EVENTS` and
their acknowledgements from `CLIENT_ACKS` (the schemas each handler's payload is validated
with). Nothing here is written by hand per event: a new event appears in the document as soon
as it is declared.

Each Socket.IO event is a channel whose address is the event's name. The application is the
server: it `send`s server events and `receive`s client events, answering each with a reply
(the acknowledgement: the event's own ack on success, `ErrorAck` on failure).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from app.events import SERVER_EVENTS
from app.schemas.common import ErrorAck
from app.sockets.events import CLIENT_ACKS, CLIENT_EVENTS

_CHANNEL_TEXT = (
    "One Socket.IO event: `out` is what the server emits under this name, `in` what a client emits "
    "(answered with `ack`, or `error` when it fails)."
)


def _key(event: str) -> str:
    """A component key for an event name (AsyncAPI keys allow letters, digits, '.', '-', '_')."""
    return re.sub(r"[^\w.\-]", ".", event)


def _asyncapi_schema(node: Any) -> Any:
    """pydantic's JSON schema as an AsyncAPI Schema Object: `discriminator` is a property name there."""
    if isinstance(node, dict):
        out = {k: _asyncapi_schema(v) for k, v in node.items()}
        if isinstance(out.get("discriminator"), dict):
            out["discriminator"] = out["discriminator"]["propertyName"]
        return out
    if isinstance(node, list):
        return [_asyncapi_schema(v) for v in node]
    return node


def _summary(model: type[BaseModel] | None, fallback: str) -> str:
    doc = (model.__doc__ or "").strip() if model is not None else ""
    return doc.split("\n")[0] if doc else fallback


def build_asyncapi(public_url: str) -> dict[str, Any]:
    """Assemble the AsyncAPI 3.0.0 document from SERVER_EVENTS, CLIENT_EVENTS and CLIENT_ACKS."""
    models: set[type[BaseModel]] = {ErrorAck, *SERVER_EVENTS.values(), *CLIENT_ACKS.values()}
    models.update(m for m in CLIENT_EVENTS.values() if m is not None)
    ordered = sorted(models, key=lambda m: (m.__name__, m.__module__))
    mode = {m: ("validation" if m in CLIENT_EVENTS.values() else "serialization") for m in ordered}
    keyed, top = models_json_schema([(m, mode[m]) for m in ordered], ref_template="#/components/schemas/{model}")

    def ref(model: type[BaseModel]) -> dict[str, Any]:
        return keyed[(model, mode[model])]

    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}

    def channel(name: str) -> dict[str, Any]:
        # One channel per event name; chat:read and typing go both ways and share theirs.
        return channels.setdefault(
            _key(name), {"address": name, "title": name, "description": _CHANNEL_TEXT, "messages": {}}
        )

    for name, model in sorted(SERVER_EVENTS.items()):
        key = _key(name)
        messages[f"out.{key}"] = {
            "name": name,
            "title": name,
            "summary": _summary(model, name),
            "contentType": "application/json",
            "payload": ref(model),
        }
        channel(name)["messages"]["out"] = {"$ref": f"#/components/messages/out.{key}"}
        operations[f"send.{key}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{key}"},
            "summary": _summary(model, name),
            "messages": [{"$ref": f"#/channels/{key}/messages/out"}],
        }

    messages["ErrorAck"] = {
        "name": "ack",
        "title": "failed acknowledgement",
        "summary": "Any client event's answer when it fails: {ok: false, error: {code, message, details}}.",
        "contentType": "application/json",
        "payload": ref(ErrorAck),
    }
    for name, schema in sorted(CLIENT_EVENTS.items()):
        key = _key(name)
        ack = CLIENT_ACKS[name]
        messages[f"in.{key}"] = {
            "name": name,
            "title": name,
            "summary": f"A client -> server event ({name}).",
            "contentType": "application/json",
            "payload": ref(schema) if schema is not None else {},
        }
        messages[f"in.{key}.ack"] = {
            "name": "ack",
            "title": f"{name} acknowledgement",
            "summary": _summary(ack, f"{name}'s acknowledgement"),
            "contentType": "application/json",
            "payload": ref(ack),
        }
        channel(name)["messages"].update(
            {
                "in": {"$ref": f"#/components/messages/in.{key}"},
                "ack": {"$ref": f"#/components/messages/in.{key}.ack"},
                "error": {"$ref": "#/components/messages/ErrorAck"},
            }
        )
        operations[f"receive.{key}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{key}"},
            "summary": f"The server accepts `{name}` and acknowledges it.",
            "messages": [{"$ref": f"#/channels/{key}/messages/in"}],
            "reply": {
                "channel": {"$ref": f"#/channels/{key}"},
                "messages": [
                    {"$ref": f"#/channels/{key}/messages/ack"},
                    {"$ref": f"#/channels/{key}/messages/error"},
                ],
            },
        }

    url = urlsplit(public_url)
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Masterchat real-time API",
            "version": "1.0.0",
            "description": (
                "Socket.IO events of Masterchat. Connect with "
                '`io(url, {auth: {token: ACCESS_TOKEN}, transports: ["websocket"]})`; each channel is one '
                "event, its address the event's name. Every client event takes an acknowledgement callback. "
                "REST: /api/openapi.json."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "masterchat": {
                "host": url.netloc or "localhost",
                "protocol": "wss" if url.scheme == "https" else "ws",
                "pathname": "/socket.io/",
                "description": "Socket.IO (Engine.IO v4) over a websocket; the access token goes in connect's `auth`.",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": _asyncapi_schema(top.get("$defs", {})),
            "messages": messages,
        },
    }
