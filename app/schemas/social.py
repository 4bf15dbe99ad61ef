"""Social schemas: friends, blocks, posts, comments, the feed, communities, reports and their events."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from app.schemas.common import Model
from app.schemas.music import TrackOut
from app.schemas.users import UserBrief, UserOut

Id = Annotated[StrictInt, Field(ge=1, le=2**53)]
Cursor = Annotated[int, Field(ge=0, le=2**53)]
FriendshipState = Literal["none", "outgoing", "incoming", "friends", "blocked"]
Role = Literal["owner", "admin", "member", "pending"]
MAX_POST_IMAGES = 10


# ----- input -----


class SocialPageQuery(Model):
    """limit (1..200, default 50) and `before`: the `next` of the previous page."""

    limit: int = Field(50, ge=1, le=200)
    before: Cursor | None = None


class FriendsQuery(SocialPageQuery):
    user_id: Cursor | None = None
    q: str = Field("", max_length=100)


class RequestsQuery(SocialPageQuery):
    direction: Literal["incoming", "outgoing"] = "incoming"


class FeedQuery(Model):
    limit: int = Field(20, ge=1, le=100)
    before: Cursor | None = None


class PostIn(Model):
    body: StrictStr = Field("", max_length=10_000)
    image_ids: list[Id] = Field(default_factory=list, max_length=MAX_POST_IMAGES)
    community_id: Id | None = None
    track_id: Id | None = None  # music: the track plays inline in the post


class PostPatchIn(Model):
    body: StrictStr = Field(max_length=10_000)


class CommentIn(Model):
    body: StrictStr = Field(min_length=1, max_length=4000)
    reply_to: Id | None = None


class CommentsQuery(Model):
    limit: int = Field(50, ge=1, le=200)
    after: Cursor | None = None


class CommunityIn(Model):
    name: StrictStr = Field(min_length=1, max_length=100)
    description: StrictStr = Field("", max_length=4000)
    visibility: Literal["open", "closed"] = "open"
    members_can_post: StrictBool = True


class CommunityPatchIn(Model):
    name: StrictStr | None = Field(None, min_length=1, max_length=100)
    description: StrictStr | None = Field(None, max_length=4000)
    visibility: Literal["open", "closed"] | None = None
    members_can_post: StrictBool | None = None


class CommunitiesQuery(SocialPageQuery):
    q: str = Field("", max_length=100)
    mine: bool = False
    user_id: Cursor | None = None  # a person's communities (closed ones only if I am in them too)


class MembersQuery(SocialPageQuery):
    role: Role | None = None


class MemberRoleIn(Model):
    role: Literal["admin", "member"]


class ReportIn(Model):
    target_type: Literal["post", "comment", "user"]
    target_id: Id
    reason: Literal["spam", "abuse", "violence", "nudity", "fraud", "other"]
    details: StrictStr = Field("", max_length=2000)


class PostsWatchIn(Model):
    """posts:watch: the posts on my screen (at most 100); replaces the previous set."""

    post_ids: list[Id] = Field(max_length=100)


class PostLikeIn(Model):
    """post:like: like (`like`: true, the default) or unlike a post I may see; the same as
    POST/DELETE /api/posts/{id}/like, without a request's HTTP and token check per like."""

    post_id: Id
    like: StrictBool = True


class DirectoryQuery(Model):
    """The people directory: no q lists everyone newest first (`before`); q matches words in any order."""

    q: str = Field("", max_length=100)
    city: str = Field("", max_length=64)
    limit: int = Field(50, ge=1, le=200)
    before: Cursor | None = None
    after: Cursor | None = None


# ----- output -----


class FriendshipOut(BaseModel):
    user_id: int
    friendship: FriendshipState


class FriendOut(UserBrief):
    online: bool


class FriendPage(BaseModel):
    items: list[FriendOut]
    next: int | None


class FriendRequestOut(BaseModel):
    user: UserBrief
    direction: Literal["incoming", "outgoing"]
    created_at: str


class FriendRequestPage(BaseModel):
    items: list[FriendRequestOut]
    next: int | None


class BlockOut(BaseModel):
    user: UserBrief
    created_at: str


class BlockPage(BaseModel):
    items: list[BlockOut]
    next: int | None


class ProfileOut(UserOut):
    """A profile with the viewer's friendship, the person's friend count and the friends we share."""

    friendship: FriendshipState
    blocked_by_me: bool
    friends_count: int
    mutual_friends: int


class ImageOut(BaseModel):
    id: int
    url: str
    width: int
    height: int


class CommunityBrief(BaseModel):
    id: int
    name: str
    avatar_url: str | None


class PostOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    author: UserBrief
    community: CommunityBrief | None
    body: str
    images: list[ImageOut]
    track: TrackOut | None = None  # music: a shared track, played inline
    likes: int
    liked: bool | None
    comments_count: int
    created_at: str
    edited_at: str | None


class PhotoOut(ImageOut):
    post_id: int


class PhotoList(BaseModel):
    items: list[PhotoOut]


class PostPage(BaseModel):
    items: list[PostOut]
    next: int | None


class LikeOut(BaseModel):
    likes: int
    liked: bool


class LikeAck(LikeOut):
    """post:like's acknowledgement: the post's like count after mine, and whether I like it."""

    model_config = ConfigDict(extra="forbid")
    ok: Literal[True]


class CommentOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    post_id: int
    author: UserBrief
    body: str
    reply_to: int | None
    created_at: str


class CommentPage(BaseModel):
    items: list[CommentOut]
    next: int | None


class CommunityOut(CommunityBrief):
    description: str
    visibility: Literal["open", "closed"]
    members_can_post: bool
    owner_id: int | None
    chat_id: int | None
    members_count: int
    role: Role | None
    created_at: str


class CommunityPage(BaseModel):
    items: list[CommunityOut]
    next: int | None


class RoleOut(BaseModel):
    role: Role | None


class MemberOut(BaseModel):
    user: UserBrief
    role: Role
    joined_at: str


class MemberPage(BaseModel):
    items: list[MemberOut]
    next: int | None


class ReportOut(BaseModel):
    id: int
    target_type: str
    target_id: int
    reason: str
    status: str
    created_at: str


class CommunityChatOut(BaseModel):
    community_id: int
    chat_id: int


# ----- events -----


class PostRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int


class CommentRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    post_id: int


class FriendshipEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: int
    friendship: FriendshipState
