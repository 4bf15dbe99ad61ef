"""Social shapes: posts, their images, comments and communities as the contract shows them.

Services load what a batch of posts needs in a fixed number of queries and hand the rows here.
"""

from __future__ import annotations

from typing import Any

from app.models import User
from app.models.base import isoformat
from app.models.social import Comment, Community, Post, PostImage
from app.shapes.users import brief


def image_url(image: PostImage) -> str:
    """Public URL of a post image (random, never reused names, like avatars)."""
    return f"/media/posts/{image.stored_name}"


def image_out(image: PostImage) -> dict[str, Any]:
    """A post image: `{id, url, width, height}`."""
    return {"id": image.id, "url": image_url(image), "width": image.width, "height": image.height}


def community_avatar_url(community: Community) -> str | None:
    """Public URL of a community's avatar, or None."""
    return f"/media/avatars/{community.avatar}" if community.avatar else None


def community_brief(community: Community) -> dict[str, Any]:
    """The short form of a community inside a post: `{id, name, avatar_url}`."""
    return {"id": community.id, "name": community.name, "avatar_url": community_avatar_url(community)}


def post_out(
    post: Post,
    author: User,
    community: Community | None,
    images: list[PostImage],
    liked: bool | None,
    track: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A post: `{id, author, community, body, images, track, likes, liked, comments_count, created_at, edited_at}`.

    `liked` is None in events sent to a room (each client keeps its own).
    """
    return {
        "id": post.id,
        "author": brief(author),
        "community": community_brief(community) if community is not None else None,
        "body": post.body,
        "images": [image_out(i) for i in images],
        "track": track,
        "likes": post.likes_count,
        "liked": liked,
        "comments_count": post.comments_count,
        "created_at": isoformat(post.created_at),
        "edited_at": isoformat(post.edited_at),
    }


def comment_out(comment: Comment, author: User) -> dict[str, Any]:
    """A comment: `{id, post_id, author, body, reply_to, created_at}`."""
    return {
        "id": comment.id,
        "post_id": comment.post_id,
        "author": brief(author),
        "body": comment.body,
        "reply_to": comment.reply_to,
        "created_at": isoformat(comment.created_at),
    }


def community_out(community: Community, members_count: int, role: str | None) -> dict[str, Any]:
    """A community with its member count and the viewer's role."""
    return {
        **community_brief(community),
        "description": community.description,
        "visibility": community.visibility,
        "members_can_post": community.members_can_post,
        "owner_id": community.owner_id,
        "chat_id": community.chat_id if role in ("owner", "admin", "member") else None,
        "members_count": members_count,
        "role": role,
        "created_at": isoformat(community.created_at),
    }
