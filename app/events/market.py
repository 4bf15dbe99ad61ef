"""The marketplace's and the bell's server -> client events."""

from __future__ import annotations

from typing import ClassVar

from app.events.base import server_event
from app.schemas.market import NotificationOut, RequestOut


@server_event
class NotificationNew(NotificationOut):
    """A notification stored for me (the bell); `kind` says what `payload` holds."""

    EVENT: ClassVar[str] = "notification"


@server_event
class RequestUpdated(RequestOut):
    """A request I am part of changed (status, offers_count...): to its customer and its masters."""

    EVENT: ClassVar[str] = "request:updated"
