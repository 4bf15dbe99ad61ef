"""The base of every server -> client event, its registry, and the one way to emit it.

A server event is a pydantic model whose fields are the payload and whose `EVENT` class
variable is the event's name on the wire, declared once:

    @server_event
    class MessageNew(MessageOut):
        EVENT: ClassVar[str] = "message:new"

`emit_now` / `emit_after_commit` take the model class and a payload, validate the payload
against the model (an undeclared event or a payload that fails its model raises, it never
reaches a socket) and send it to users' private rooms. The AsyncAPI document and the
client's event list are generated from `SERVER_EVENTS`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel

from app.db import on_commit
from app.extensions import socketio
from app.metrics import delivered

SERVER_EVENTS: dict[str, type[BaseModel]] = {}

E = TypeVar("E", bound=type[BaseModel])


def server_event(cls: E) -> E:
    """Class decorator: register a payload model under its `EVENT` class variable (once)."""
    name = cls.__dict__.get("EVENT")
    if not isinstance(name, str) or not name:
        raise TypeError(f"{cls.__name__} needs an `EVENT: ClassVar[str]` naming the event")
    if name in SERVER_EVENTS and SERVER_EVENTS[name] is not cls:
        raise TypeError(f"server event {name!r} is declared twice ({SERVER_EVENTS[name].__name__}, {cls.__name__})")
    if not cls.__pydantic_complete__:
        # Forward references of the payload's own module (schemas use postponed annotations).
        namespace: dict[str, Any] = {}
        for base in reversed(cls.__mro__):
            namespace.update(vars(sys.modules[base.__module__]))
        cls.model_rebuild(_types_namespace=namespace)
    SERVER_EVENTS[name] = cls
    return cls


def event_name(event: type[BaseModel]) -> str:
    """The wire name of a declared event model; TypeError when it was never declared."""
    name: Any = getattr(event, "EVENT", None)
    if not isinstance(name, str) or SERVER_EVENTS.get(name) is not event:
        raise TypeError(f"{event!r} is not a declared server event")
    return name


def user_room(user_id: int) -> str:
    """Name of a user's private room."""
    return f"user:{user_id}"


def checked(event: type[BaseModel], payload: Mapping[str, Any] | BaseModel) -> tuple[str, Any]:
    """Validate a payload against its event model; return (wire name, JSON-ready payload)."""
    name = event_name(event)
    if isinstance(payload, BaseModel):
        if not isinstance(payload, event):
            payload = event.model_validate(payload.model_dump())
        return name, payload.model_dump(mode="json")
    # A dict is validated (ValidationError on any drift) and sent as it is: no second dump.
    event.__pydantic_validator__.validate_python(payload)
    return name, payload


def emit_to_rooms(event: type[BaseModel], payload: Mapping[str, Any] | BaseModel, rooms: Iterable[str]) -> None:
    """Emit a declared event to Socket.IO rooms now (no transaction involved)."""
    targets = list(dict.fromkeys(rooms))
    if not targets:
        return
    name, data = checked(event, payload)
    socketio.emit(name, data, to=targets)
    delivered(name, len(targets))


def emit_now(event: type[BaseModel], payload: Mapping[str, Any] | BaseModel, user_ids: Iterable[int]) -> None:
    """Emit a declared event to every socket of every user in user_ids, now."""
    emit_to_rooms(event, payload, (user_room(uid) for uid in set(user_ids)))


def emit_after_commit(event: type[BaseModel], payload: Mapping[str, Any] | BaseModel, user_ids: Iterable[int]) -> None:
    """Validate now, emit when the current transaction commits (nothing is sent on rollback)."""
    name, data = checked(event, payload)
    ids = list(user_ids)

    def _send() -> None:
        rooms = [user_room(uid) for uid in set(ids)]
        if rooms:
            socketio.emit(name, data, to=rooms)
            delivered(name, len(rooms))

    on_commit(_send)


__all__ = [
    "SERVER_EVENTS",
    "ClassVar",
    "checked",
    "emit_after_commit",
    "emit_now",
    "emit_to_rooms",
    "event_name",
    "server_event",
    "user_room",
]
