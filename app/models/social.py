"""The social network: friendships, blocks, posts (images, likes, comments), communities, reports.

Friendship is one row per pair (`user_low` < `user_high`): a request and the friendship it becomes
are the same row, so two people asking each other at once collide on the primary key and the
second ask turns into an accept (docs/PERFORMANCE.md, "Social feed").
Counters kept in `posts` (likes, comments) move in the same transaction as the row they count.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

FRIEND_STATUSES = ("pending", "friends")
COMMUNITY_ROLES = ("owner", "admin", "member", "pending")
VISIBILITIES = ("open", "closed")
REPORT_TARGETS = ("post", "comment", "user")
REPORT_STATUSES = ("open", "resolved", "dismissed")


class Friendship(db.Model):
    """A pair of users: `pending` (requested_by asked the other) or `friends`."""

    __tablename__ = "friendships"
    __table_args__ = (
        CheckConstraint("user_low < user_high", name="ck_friendships_ordered"),
        Index("ix_friendships_high", "user_high", "status", "user_low"),
        Index("ix_friendships_low", "user_low", "status", "user_high"),
    )

    user_low: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    user_high: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(8))
    requested_by: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Block(db.Model):
    """`blocker_id` blocked `blocked_id`."""

    __tablename__ = "blocks"
    __table_args__ = (Index("ix_blocks_blocked", "blocked_id", "blocker_id"),)

    blocker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    blocked_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Community(db.Model):
    """A community: a wall, members with roles, open or closed, optionally a linked group chat."""

    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_lower: Mapped[str] = mapped_column(String(100), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(8), default="open")
    members_can_post: Mapped[bool] = mapped_column(Boolean, default=True)
    avatar: Mapped[str | None] = mapped_column(String(64), nullable=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    chat_id: Mapped[int | None] = mapped_column(ForeignKey("chats.id", ondelete="SET NULL"), nullable=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CommunityMember(db.Model):
    """A user's place in a community: owner, admin, member, or pending (asked to join a closed one)."""

    __tablename__ = "community_members"
    __table_args__ = (Index("ix_community_members_user", "user_id", "role", "community_id"),)

    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(8))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Post(db.Model):
    """A post on its author's wall (community_id null) or on a community's wall.

    Ids grow with time, so the feed and the walls are keyset-paged on the id alone.
    """

    __tablename__ = "posts"
    __table_args__ = (
        # A user's wall and the feed's friends part: (author, wall) then newest first.
        Index("ix_posts_author_wall", "author_id", "community_id", "id"),
        # A community's wall, and both halves of the feed's window scan (community_id IS NULL for the
        # walls, IN my communities for the rest): author_id in the index makes the scan index-only.
        Index("ix_posts_community", "community_id", "id", "author_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), nullable=True)
    body: Mapped[str] = mapped_column(Text, default="")
    # No foreign key (plain ADD COLUMN in 0017): deleting a track clears it here (services/music.py).
    track_id: Mapped[int | None] = mapped_column(nullable=True)
    likes_count: Mapped[int] = mapped_column(default=0)
    comments_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PostImage(db.Model):
    """An image uploaded for a post (post_id null until the post is written)."""

    __tablename__ = "post_images"
    __table_args__ = (Index("ix_post_images_post", "post_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), nullable=True)
    position: Mapped[int] = mapped_column(default=0)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PostLike(db.Model):
    """One like by one user on one post."""

    __tablename__ = "post_likes"
    __table_args__ = (Index("ix_post_likes_user", "user_id"),)

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Comment(db.Model):
    """A comment on a post; `reply_to` is a top-level comment of the same post (one level of replies)."""

    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_post", "post_id", "id"), Index("ix_comments_reply_to", "reply_to"))

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reply_to: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), nullable=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Report(db.Model):
    """Someone reported a post, a comment or a user; moderators work through the open ones."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("reporter_id", "target_type", "target_id", name="uq_reports_reporter_target"),
        Index("ix_reports_status", "status", "id"),
        Index("ix_reports_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    target_type: Mapped[str] = mapped_column(String(8))
    target_id: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(String(32))
    details: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
