"""The social network's server -> client events: posts, comments, friendships.

`post:new` goes to the online friends of its author (or the members of its community);
`post:updated`, `post:deleted`, `comment:new` and `comment:deleted` go to the sockets watching
the post (room `post:<id>`, joined with the `posts:watch` client event after an access check).
"""

from __future__ import annotations

from typing import ClassVar

from app.events.base import server_event
from app.events.notifications import NotificationPayload, notification_kind
from app.schemas.social import CommentOut, CommentRef, CommunityBrief, FriendshipEvent, PostOut, PostRef
from app.schemas.users import UserBrief

# The per-worker hook (app.realtime.run_everywhere) that re-checks watched post rooms after access is
# taken away (app/sockets/social.py: recheck_watches).
REWATCH = "social:rewatch"


def post_room(post_id: int) -> str:
    """Name of the room of the sockets watching a post."""
    return f"post:{post_id}"


@server_event
class PostNew(PostOut):
    """A new post on the wall of a friend (or mine) or of one of my communities."""

    EVENT: ClassVar[str] = "post:new"


@server_event
class PostUpdated(PostOut):
    """A post I watch changed: body, likes, comments_count (`liked` is null: each client keeps its own)."""

    EVENT: ClassVar[str] = "post:updated"


@server_event
class PostDeleted(PostRef):
    """A post I watch was deleted."""

    EVENT: ClassVar[str] = "post:deleted"


@server_event
class CommentNew(CommentOut):
    """A comment on a post I watch."""

    EVENT: ClassVar[str] = "comment:new"


@server_event
class CommentDeleted(CommentRef):
    """A comment on a post I watch was deleted."""

    EVENT: ClassVar[str] = "comment:deleted"


@server_event
class Friendship(FriendshipEvent):
    """My friendship with `user_id` changed (to both people, each from their own side)."""

    EVENT: ClassVar[str] = "friendship"


# ----- notification kinds (the bell) -----


@notification_kind
class FriendRequest(NotificationPayload):
    """`user` asked to be my friend."""

    KIND: ClassVar[str] = "friend:request"
    user: UserBrief


@notification_kind
class FriendAccepted(NotificationPayload):
    """`user` accepted my friend request (or asked me back)."""

    KIND: ClassVar[str] = "friend:accepted"
    user: UserBrief


@notification_kind
class PostComment(NotificationPayload):
    """`user` commented on my post (`body`: the first 200 characters)."""

    KIND: ClassVar[str] = "post:comment"
    post_id: int
    comment_id: int
    user: UserBrief
    body: str


@notification_kind
class CommunityRequest(NotificationPayload):
    """`user` asks to join a closed community I administer."""

    KIND: ClassVar[str] = "community:request"
    community: CommunityBrief
    user: UserBrief


@notification_kind
class CommunityApproved(NotificationPayload):
    """My request to join a closed community was approved."""

    KIND: ClassVar[str] = "community:approved"
    community: CommunityBrief
