"""Chat and message schemas: REST bodies, socket payloads and server events.

Ids in bodies and payloads are strict integers (a string or a boolean is a validation
error, not a silent conversion); query strings use the lax PageQuery.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, model_validator

from app.schemas.common import Model
from app.schemas.music import TrackOut
from app.schemas.users import UserBrief

Id = Annotated[StrictInt, Field(ge=1, le=2**53)]
Seq = Annotated[StrictInt, Field(ge=0, le=2**53)]
# The configured MESSAGE_MAX_LENGTH is enforced by the service; this bound only caps the work.
Body = Annotated[StrictStr, Field(max_length=100_000)]


# ----- input -----


class ChatCreateIn(Model):
    """`{type: "group", name, description?, member_ids}` or `{type: "direct", user_id}`."""

    type: Literal["group", "direct"]
    name: StrictStr | None = Field(None, max_length=100)
    description: StrictStr = Field("", max_length=2000)
    member_ids: list[Id] = Field(default_factory=list, max_length=500)
    user_id: Id | None = None

    @model_validator(mode="after")
    def _shape(self) -> ChatCreateIn:
        if self.type == "group" and not self.name:
            raise ValueError("a group needs a name")
        if self.type == "direct" and self.user_id is None:
            raise ValueError("a direct chat needs user_id")
        return self


class ChatPatchIn(Model):
    name: StrictStr | None = Field(None, min_length=1, max_length=100)
    description: StrictStr | None = Field(None, max_length=2000)


class MemberAddIn(Model):
    user_id: Id


class MemberRoleIn(Model):
    role: Literal["admin", "member"]


class ReadIn(Model):
    seq: Seq


class ChatReadIn(Model):
    chat_id: Id
    seq: Seq


class MessageSendIn(Model):
    chat_id: Id
    body: Body = ""
    client_id: StrictStr | None = Field(None, min_length=1, max_length=64)
    reply_to: Id | None = None
    attachment_id: Id | None = None
    track_id: Id | None = None  # music: the track plays inline in the message


class MessageEditIn(Model):
    body: Body


class MessageEditEvent(Model):
    message_id: Id
    body: Body


class MessageRef(Model):
    message_id: Id


class SyncIn(Model):
    chat_id: Id
    after_seq: Seq
    limit: StrictInt = Field(100, ge=1, le=200)


class TypingIn(Model):
    chat_id: Id
    typing: StrictBool


class SearchQuery(Model):
    q: str = Field(..., min_length=1, max_length=100)
    limit: int = Field(20, ge=1, le=50)


# ----- output (also the server events' schemas) -----


class Out(BaseModel):
    """Output schemas refuse unknown keys, so the event-schema test catches drift."""

    model_config = ConfigDict(extra="forbid")


class AttachmentOut(Out):
    id: int
    kind: Literal["image", "audio"]
    content_type: str
    size: int
    name: str
    url: str


class SystemOut(Out):
    """What a service message records: who (`actor`) did what (`action`) to whom (`target`)."""

    action: Literal["created", "added", "removed", "left", "renamed", "promoted", "demoted"]
    actor: UserBrief
    target: UserBrief | None = Field(description="added, removed, promoted, demoted: the member concerned")
    name: str | None = Field(description="created, renamed: the group's name then")
    role: Literal["owner", "admin", "member"] | None = Field(description="promoted, demoted: the new role")


class MessageOut(Out):
    """A message. `kind` "service" is a group's own history (body empty, `system` says what happened):
    it takes a seq like any message, never counts as unread, and cannot be edited or deleted."""

    id: int
    chat_id: int
    seq: int
    sender: UserBrief
    body: str
    client_id: str | None
    reply_to: int | None
    attachment: AttachmentOut | None
    track: TrackOut | None = None  # music: a shared track, played inline
    created_at: str
    edited_at: str | None
    deleted: bool
    kind: Literal["text", "service"] = "text"
    system: SystemOut | None = None


class MemberOut(Out):
    user: UserBrief
    role: Literal["owner", "admin", "member"]
    last_read_seq: int
    joined_at: str


class PeerOut(UserBrief):
    """The other member of a direct or order chat, in chat lists: with presence."""

    online: bool | None = None


class OrderOut(Out):
    """An order chat's order, as the viewer sees it: what its head shows and the buttons it offers."""

    request_id: int
    title: str
    status: Literal["open", "active", "completed", "cancelled", "declined", "deleted"]
    price: int | None = Field(description="the master's accepted offer's price, else the service's")
    budget: int | None
    customer: UserBrief
    executor: UserBrief = Field(description="the master of this order chat")
    reviewed: bool
    my_side: Literal["customer", "master"]
    current: bool = Field(description="false once the customer refused this executor: no action is offered then")
    actions: list[Literal["complete", "refuse_executor", "cancel", "review"]] = Field(
        description="what I may do now: POST /api/requests/{request_id}/complete, /refuse-executor, /cancel, /review"
    )


class ChatOut(Out):
    """A chat; `members` in full views and events, `last_message`/`unread`/`role` for the viewer."""

    id: int
    type: Literal["direct", "group", "order"]
    name: str
    description: str
    created_by: int | None
    created_at: str
    last_seq: int
    last_message_at: str | None
    request_id: int | None = Field(None, description="order chats: the request this order chat belongs to")
    message_count: int | None = Field(None, description="GET /api/chats/{id}: messages held, deleted ones not counted")
    members: list[MemberOut] | None = None
    peer: PeerOut | None = None
    last_message: MessageOut | None = None
    unread: int = 0
    last_read_seq: int = 0
    role: Literal["owner", "admin", "member"] | None = None
    order: OrderOut | None = Field(None, description="order chats, with a viewer: the order, live (chat:updated)")


class ChatPage(Out):
    items: list[ChatOut]
    next: int | None


class MessagePage(Out):
    items: list[MessageOut]
    next: int | None


class MemberEvent(Out):
    chat_id: int
    user_id: int
    role: Literal["owner", "admin", "member"]
    by: int | None = Field(None, description="who did it (added, removed, changed the role); the user on leaving")


class ReadEvent(Out):
    chat_id: int
    user_id: int
    seq: int


class TypingEvent(Out):
    chat_id: int
    user_id: int
    typing: bool


class PresenceEvent(Out):
    user_id: int
    online: bool


class SyncOut(Out):
    """`chat:sync`'s ack: the messages after `after_seq`, in order, and whether more remain."""

    ok: Literal[True]
    messages: list[MessageOut]
    has_more: bool


class MessageAck(Out):
    """`message:send` and `message:edit`'s ack: the stored message."""

    ok: Literal[True]
    message: MessageOut


class ReadAck(Out):
    """`chat:read`'s ack: my read mark now."""

    ok: Literal[True]
    seq: int


class PingAck(Out):
    """`ping`'s ack: who the server thinks I am."""

    ok: Literal[True]
    user_id: int


class SearchOut(Out):
    chats: list[ChatOut]
    users: list[UserBrief]
    messages: list[MessageOut]
