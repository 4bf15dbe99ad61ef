"""Posts, walls, likes and comments (thin handlers)."""

from __future__ import annotations

from flask import current_app, g

from app.api.base import ApiBlueprint, uploaded_file
from app.schemas.social import (
    CommentIn,
    CommentOut,
    CommentPage,
    CommentsQuery,
    ImageOut,
    LikeOut,
    PhotoList,
    PostIn,
    PostOut,
    PostPage,
    PostPatchIn,
    SocialPageQuery,
)
from app.services import comments, posts

bp = ApiBlueprint("social_posts", __name__, tag="posts", url_prefix="/api")


@bp.route_spec(
    "/posts/images",
    "POST",
    response=ImageOut,
    status=201,
    multipart={"file": "an image (JPEG, PNG, WebP, GIF)"},
    errors=(401, 413, 415, 422),
)
def upload_image():
    """Upload an image for a post I am about to write: checked by content, re-encoded, with its size."""
    upload = uploaded_file("Choose an image.", "image")
    return posts.upload_image(g.user.id, upload.stream, current_app.config["ATTACHMENT_MAX_BYTES"])


@bp.route_spec("/posts", "POST", body=PostIn, response=PostOut, status=201, errors=(401, 403, 404, 422))
def create_post(body: PostIn):
    """Write a post on my wall, or on a community's wall (its admins; members where it allows)."""
    return posts.create_post(g.user.id, body.body, body.image_ids, body.community_id, body.track_id)


@bp.route_spec("/posts/<int:post_id>", "GET", response=PostOut, errors=(401, 403, 404))
def get_post(post_id: int):
    """One post."""
    return posts.get_post(g.user.id, post_id)


@bp.route_spec("/posts/<int:post_id>", "PATCH", body=PostPatchIn, response=PostOut, errors=(401, 403, 404, 422))
def edit_post(post_id: int, body: PostPatchIn):
    """The author edits the text."""
    return posts.edit_post(g.user.id, post_id, body.body)


@bp.route_spec("/posts/<int:post_id>", "DELETE", status=204, errors=(401, 403, 404))
def delete_post(post_id: int):
    """The author, or the community's admins, delete a post."""
    posts.delete_post(g.user.id, post_id)


@bp.route_spec("/users/<int:user_id>/posts", "GET", query=SocialPageQuery, response=PostPage, errors=(401, 403, 404))
def user_wall(user_id: int, query: SocialPageQuery):
    """A user's wall, newest first."""
    items, next_cursor = posts.user_wall(g.user.id, user_id, query.limit, query.before)
    return {"items": items, "next": next_cursor}


@bp.route_spec("/users/<int:user_id>/photos", "GET", response=PhotoList, errors=(401, 403, 404))
def user_photos(user_id: int):
    """The latest images of a user's wall posts (a master's portfolio on their card)."""
    return {"items": posts.latest_photos(g.user.id, user_id)}


@bp.route_spec(
    "/communities/<int:community_id>/posts", "GET", query=SocialPageQuery, response=PostPage, errors=(401, 403, 404)
)
def community_wall(community_id: int, query: SocialPageQuery):
    """A community's wall, newest first (a closed one's: members only)."""
    items, next_cursor = posts.community_wall(g.user.id, community_id, query.limit, query.before)
    return {"items": items, "next": next_cursor}


@bp.route_spec("/posts/<int:post_id>/like", "POST", response=LikeOut, errors=(401, 403, 404))
def like(post_id: int):
    """Like a post (once per person)."""
    return posts.set_like(g.user.id, post_id, True)


@bp.route_spec("/posts/<int:post_id>/like", "DELETE", response=LikeOut, errors=(401, 403, 404))
def unlike(post_id: int):
    """Take my like back."""
    return posts.set_like(g.user.id, post_id, False)


@bp.route_spec(
    "/posts/<int:post_id>/comments", "GET", query=CommentsQuery, response=CommentPage, errors=(401, 403, 404)
)
def list_comments(post_id: int, query: CommentsQuery):
    """A post's comments, oldest first (`after` = `next`)."""
    items, next_cursor = comments.list_comments(g.user.id, post_id, query.limit, query.after)
    return {"items": items, "next": next_cursor}


@bp.route_spec(
    "/posts/<int:post_id>/comments",
    "POST",
    body=CommentIn,
    response=CommentOut,
    status=201,
    errors=(401, 403, 404, 422),
)
def add_comment(post_id: int, body: CommentIn):
    """Comment on a post, or reply to a comment (one level)."""
    return comments.add_comment(g.user.id, post_id, body.body, body.reply_to)


@bp.route_spec("/comments/<int:comment_id>", "DELETE", status=204, errors=(401, 403, 404))
def delete_comment(comment_id: int):
    """The comment's author, the post's author or the community's admins delete a comment (with its replies)."""
    comments.delete_comment(g.user.id, comment_id)
