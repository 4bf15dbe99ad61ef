"""Notification kinds: one payload model per kind, a registry that every domain extends.

A stored notification and the `notification` event look alike on the wire:
`{id, kind, payload, created_at, read_at}`. Each kind declares its payload once:

    @notification_kind
    class OfferAccepted(NotificationPayload):
        KIND: ClassVar[str] = "offer:accepted"
        request_id: int
        ...

and `services.notifications.notify(user_ids, OfferAccepted(...))` stores and pushes it, so a
payload that does not match its kind can neither be stored nor sent. The marketplace's kinds
live in app/events/market.py, the messenger's in messenger.py; a new domain declares its own
kinds in its events module (imported by app/events/__init__.py) before `seal()` runs.

`seal()` (called once by app/events/__init__.py after every domain module is imported) builds
`NotificationOut`, a union discriminated on `kind`, the `notification` server event and the
REST page from the registry; kinds declared after that are refused.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, TypeVar, Union

from pydantic import BaseModel, ConfigDict, Field, RootModel, create_model

from app.events.base import server_event

NOTIFICATION_KINDS: dict[str, type[NotificationPayload]] = {}
_SEALED: dict[str, Any] = {}

P = TypeVar("P", bound="type[NotificationPayload]")


class NotificationPayload(BaseModel):
    """Base of every kind's payload: unknown keys are refused, `KIND` names the kind."""

    model_config = ConfigDict(extra="forbid")
    KIND: ClassVar[str] = ""


def notification_kind(cls: P) -> P:
    """Class decorator: register a payload model under its `KIND` (once, before seal())."""
    kind = cls.__dict__.get("KIND")
    if not isinstance(kind, str) or not kind:
        raise TypeError(f"{cls.__name__} needs a `KIND: ClassVar[str]` naming the notification kind")
    if _SEALED:
        raise TypeError(f"notification kind {kind!r} declared after the registry was sealed")
    if kind in NOTIFICATION_KINDS and NOTIFICATION_KINDS[kind] is not cls:
        raise TypeError(f"notification kind {kind!r} is declared twice")
    NOTIFICATION_KINDS[kind] = cls
    return cls


class NotificationBase(BaseModel):
    """The fields every stored notification has, whatever its kind."""

    model_config = ConfigDict(extra="forbid")

    id: int
    created_at: str
    read_at: str | None = None


def _camel(kind: str) -> str:
    return "".join(part.capitalize() for part in kind.replace(":", "_").replace("-", "_").split("_"))


def seal() -> None:
    """Build NotificationOut (a union on `kind`), the `notification` event and NotificationPage."""
    if _SEALED:
        return
    variants = tuple(
        create_model(
            f"{_camel(kind)}Notification",
            __base__=NotificationBase,
            __doc__=f"A `{kind}` notification: {(payload.__doc__ or '').strip()}",
            kind=(Literal[kind], ...),  # type: ignore[valid-type]
            payload=(payload, ...),
        )
        for kind, payload in sorted(NOTIFICATION_KINDS.items())
    )
    union = Annotated[Union[variants], Field(discriminator="kind")]  # noqa: UP007  (a runtime tuple)

    class NotificationOut(RootModel[union]):  # type: ignore[valid-type]
        """A stored notification (also the `notification` event): `payload` is the model of its `kind`."""

    @server_event
    class NotificationNew(NotificationOut):
        """A notification stored for me (the bell); `kind` says what `payload` holds."""

        EVENT: ClassVar[str] = "notification"

    class NotificationPage(BaseModel):
        """GET /api/notifications: newest first, with the unread count."""

        items: list[NotificationOut]
        next: int | None
        unread: int

    _SEALED.update(NotificationOut=NotificationOut, NotificationNew=NotificationNew, NotificationPage=NotificationPage)


def __getattr__(name: str) -> Any:
    """NotificationOut, NotificationNew and NotificationPage exist once the registry is sealed."""
    if name in ("NotificationOut", "NotificationNew", "NotificationPage"):
        if not _SEALED:
            raise ImportError(f"{name} is built by app.events.notifications.seal(); import app.events first")
        return _SEALED[name]
    raise AttributeError(name)


__all__ = ["NOTIFICATION_KINDS", "NotificationBase", "NotificationPayload", "notification_kind", "seal"]
