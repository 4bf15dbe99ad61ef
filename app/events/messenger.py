"""The messenger's server -> client events: messages, chats, members, reads, typing, presence."""

from __future__ import annotations

from typing import ClassVar, Literal

from app.events.base import server_event
from app.events.notifications import NotificationPayload, notification_kind
from app.schemas.chats import ChatOut, MemberEvent, MessageOut, PresenceEvent, ReadEvent, TypingEvent
from app.schemas.users import UserBrief


@server_event
class MessageNew(MessageOut):
    """A message stored in one of my chats (my own included, matched to its optimistic copy by client_id)."""

    EVENT: ClassVar[str] = "message:new"


@server_event
class MessageUpdated(MessageOut):
    """A message of one of my chats was edited."""

    EVENT: ClassVar[str] = "message:updated"


@server_event
class MessageDeleted(MessageOut):
    """A message of one of my chats was deleted (body emptied, deleted true)."""

    EVENT: ClassVar[str] = "message:deleted"


@server_event
class Typing(TypingEvent):
    """Someone in one of my chats started or stopped typing."""

    EVENT: ClassVar[str] = "typing"


@server_event
class ChatRead(ReadEvent):
    """A member of one of my chats read up to seq."""

    EVENT: ClassVar[str] = "chat:read"


@server_event
class Presence(PresenceEvent):
    """Someone I share a chat with came online or went offline."""

    EVENT: ClassVar[str] = "presence"


@server_event
class ChatCreated(ChatOut):
    """A chat I am now a member of (created, or I was added)."""

    EVENT: ClassVar[str] = "chat:created"


@server_event
class ChatUpdated(ChatOut):
    """One of my chats was renamed or re-described."""

    EVENT: ClassVar[str] = "chat:updated"


@server_event
class ChatDeleted(ChatOut):
    """One of my chats was deleted."""

    EVENT: ClassVar[str] = "chat:deleted"


@server_event
class MemberAdded(MemberEvent):
    """Someone joined one of my chats."""

    EVENT: ClassVar[str] = "chat:member_added"


@server_event
class MemberRemoved(MemberEvent):
    """Someone left or was removed from one of my chats (me included)."""

    EVENT: ClassVar[str] = "chat:member_removed"


@server_event
class MemberUpdated(MemberEvent):
    """A member's role changed in one of my chats."""

    EVENT: ClassVar[str] = "chat:member_updated"


@notification_kind
class ChatAdded(NotificationPayload):
    """someone put me in a chat (`by`, null when nobody in particular)."""

    KIND: ClassVar[str] = "chat:added"
    chat_id: int
    type: Literal["direct", "group", "order"]
    name: str
    by: UserBrief | None
