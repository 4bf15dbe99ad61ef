"""The marketplace's server -> client events and its notification kinds."""

from __future__ import annotations

from typing import ClassVar

from app.events.base import server_event
from app.events.notifications import NotificationPayload, notification_kind
from app.schemas.market import OfferOut, RequestOut, ReviewOut


@server_event
class RequestUpdated(RequestOut):
    """A request I am part of changed (status, offers_count...): to its customer and its masters."""

    EVENT: ClassVar[str] = "request:updated"


# ---- notification kinds (the bell) ----------------------------------------------------------


@notification_kind
class RequestNew(NotificationPayload):
    """a request in one of my categories, or sent straight to me (`direct`)."""

    KIND: ClassVar[str] = "request:new"
    request: RequestOut
    direct: bool


@notification_kind
class OfferNew(NotificationPayload):
    """a master answered my request."""

    KIND: ClassVar[str] = "offer:new"
    offer: OfferOut
    request_id: int
    title: str


@notification_kind
class OfferAccepted(NotificationPayload):
    """the customer accepted my offer; `chat_id` is the order chat."""

    KIND: ClassVar[str] = "offer:accepted"
    request_id: int
    title: str
    offer_id: int
    chat_id: int


@notification_kind
class OfferRejected(NotificationPayload):
    """the customer rejected my offer (`reason` when another offer was accepted)."""

    KIND: ClassVar[str] = "offer:rejected"
    request_id: int
    title: str
    offer_id: int
    reason: str | None = None


@notification_kind
class RequestStatus(NotificationPayload):
    """a request I am part of changed status; `by` is who moved it, `chat_id` its order chat."""

    KIND: ClassVar[str] = "request:status"
    request_id: int
    title: str
    status: str
    by: int
    chat_id: int | None


@notification_kind
class ReviewNew(NotificationPayload):
    """my customer reviewed an order I completed."""

    KIND: ClassVar[str] = "review:new"
    review: ReviewOut
    title: str
