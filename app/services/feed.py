"""The home feed: my posts, my friends' wall posts and my communities' posts, newest first.

Keyset-paged on the post id (ids grow with time). The query is a UNION ALL of two index
range scans, `posts(author_id, community_id, id)` for me and my friends and
`posts(community_id, id)` for my communities, over a window of ids below the cursor: the
window starts at 1,024 ids and grows four times each step until the page is full or the
first post is reached, so a reader with many sources reads a few index entries per source,
and one with few sources a handful of windows (docs/PERFORMANCE.md, "Social feed").
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, union_all

from app.extensions import db
from app.models.social import Block, CommunityMember, Post
from app.permissions import MEMBER_ROLES, banned_user_ids
from app.services.friends import friend_id_selects
from app.services.posts import posts_out

FIRST_WINDOW = 1024
GROWTH = 4


def sources(user_id: int) -> tuple[list[int], list[int], list[int]]:
    """Whose wall posts I read (me and my friends), the communities I belong to, and whose posts I skip
    (whom I blocked, and banned users).

    Read once per page (four index lookups) and bound into each window's query as lists.
    """
    banned = banned_user_ids()
    authors = [a for a in [user_id, *db.session.scalars(union_all(*friend_id_selects(user_id)))] if a not in banned]
    communities = list(
        db.session.scalars(
            select(CommunityMember.community_id).where(
                CommunityMember.user_id == user_id, CommunityMember.role.in_(MEMBER_ROLES)
            )
        )
    )
    blocked = list(db.session.scalars(select(Block.blocked_id).where(Block.blocker_id == user_id))) + banned
    return authors, communities, blocked


def window_query(authors: list[int], communities: list[int], blocked: list[int], low: int, high: int, limit: int):
    """The ids of my feed's posts with low <= id < high, newest first (at most `limit`)."""
    walls = select(Post.id).where(
        Post.author_id.in_(authors), Post.community_id.is_(None), Post.id >= low, Post.id < high
    )
    if not communities:
        return walls.order_by(Post.id.desc()).limit(limit)
    groups = select(Post.id).where(Post.community_id.in_(communities), Post.id >= low, Post.id < high)
    if blocked:
        groups = groups.where(Post.author_id.not_in(blocked))
    both = union_all(walls, groups).subquery()
    return select(both.c.id).order_by(both.c.id.desc()).limit(limit)


def feed_ids(user_id: int, limit: int, before: int | None) -> list[int]:
    """The ids of the next `limit` posts of my feed below `before` (newest first)."""
    top = db.session.scalar(select(func.max(Post.id)))
    if top is None:
        return []
    high = min(before, top + 1) if before is not None else top + 1
    authors, communities, blocked = sources(user_id)
    found: list[int] = []
    window = FIRST_WINDOW
    while high > 0 and len(found) < limit:
        low = max(0, high - window)
        found += db.session.scalars(window_query(authors, communities, blocked, low, high, limit - len(found)))
        high, window = low, window * GROWTH
    return found


def home_feed(user_id: int, limit: int, before: int | None) -> tuple[list[dict[str, Any]], int | None]:
    """My home feed page: posts as the contract shows them and the cursor of the next page."""
    ids = feed_ids(user_id, limit + 1, before)
    more = len(ids) > limit
    ids = ids[:limit]
    posts = {p.id: p for p in db.session.scalars(select(Post).where(Post.id.in_(ids)))} if ids else {}
    items = posts_out([posts[i] for i in ids if i in posts], user_id)
    return items, (ids[-1] if more else None)
