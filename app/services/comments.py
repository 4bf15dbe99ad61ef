"""Comments on posts: oldest first, one level of replies, counted exactly in `posts.comments_count`.

A reply to a reply is filed under the same top-level comment (one level, as walls show it).
The post's author hears `post:comment` in the bell; the sockets watching the post hear
`comment:new` / `comment:deleted` and the post's new `comments_count` (`post:updated`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select

from app.db import on_commit, write_tx
from app.errors import Forbidden, ValidationError
from app.events import emit_to_rooms
from app.events.social import CommentDeleted, CommentNew, PostComment, post_room
from app.extensions import db
from app.models import User
from app.models.social import Comment, Post
from app.permissions import ADMIN_ROLES, access_comment, access_post, banned_user_ids, is_blocked
from app.services.notifications import notify
from app.services.posts import bump_counter, close_reports
from app.shapes.social import comment_out
from app.shapes.users import brief


def list_comments(user_id: int, post_id: int, limit: int, after: int | None) -> tuple[list[dict[str, Any]], int | None]:
    """Comments of a post I may see, oldest first, paged by `after` (the last id seen)."""
    access_post(user_id, post_id)
    stmt = (
        select(Comment, User)
        .join(User, User.id == Comment.author_id)
        .where(Comment.post_id == post_id)
        .order_by(Comment.id)
        .limit(limit + 1)
    )
    if after is not None:
        stmt = stmt.where(Comment.id > after)
    banned = banned_user_ids()
    if banned:  # a banned user's comments are hidden until the ban is lifted
        stmt = stmt.where(Comment.author_id.not_in(banned))
    rows = db.session.execute(stmt).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return [comment_out(c, u) for c, u in rows], (rows[-1][0].id if more else None)


def add_comment(user_id: int, post_id: int, body: str, reply_to: int | None) -> dict[str, Any]:
    """Comment on a post I may see (Forbidden if its author blocked me); `comment:new` to its watchers."""
    with write_tx() as session:
        post, _role = access_post(user_id, post_id)
        if is_blocked(post.author_id, user_id):
            raise Forbidden("The author does not accept your comments.", {"reason": "blocked"})
        if reply_to is not None:
            target = session.get(Comment, reply_to)
            if target is None or target.post_id != post_id:
                raise ValidationError("reply_to must be a comment of this post.", {"fields": {"reply_to": "bad"}})
            reply_to = target.reply_to or target.id
        comment = Comment(post_id=post_id, author_id=user_id, body=body, reply_to=reply_to)
        session.add(comment)
        session.flush()
        author = session.get(User, user_id)
        out = comment_out(comment, author)
        on_commit(lambda: emit_to_rooms(CommentNew, out, [post_room(post_id)]))
        if post.author_id != user_id:
            notify(
                [post.author_id],
                PostComment(post_id=post_id, comment_id=comment.id, user=brief(author), body=body[:200]),
            )
        bump_counter(post, "comments_count", 1)  # last: the post row stays locked only until the commit
        return out


def delete_comment(user_id: int, comment_id: int) -> None:
    """Delete a comment (and its replies): its author, the post's author or the community's admins."""
    with write_tx():
        comment, post, role = access_comment(user_id, comment_id)
        if user_id not in (comment.author_id, post.author_id) and role not in ADMIN_ROLES:
            raise Forbidden("You cannot delete this comment.", {"reason": "not_allowed"})
        remove_comment(comment, post)


def remove_comment(comment: Comment, post: Post) -> None:
    """Inside a write transaction: delete a comment and its replies, recount, `comment:deleted` after the commit.

    The caller checks who may (see delete_comment; site admins from the reports queue)."""
    comment_id = comment.id
    replies = list(db.session.scalars(select(Comment.id).where(Comment.reply_to == comment_id)))
    gone = [comment_id, *replies]
    close_reports("comment", gone)
    db.session.execute(delete(Comment).where(Comment.reply_to == comment_id))
    db.session.execute(delete(Comment).where(Comment.id == comment_id))
    db.session.expunge(comment)
    bump_counter(post, "comments_count", -len(gone))
    post_id = post.id
    on_commit(
        lambda: [emit_to_rooms(CommentDeleted, {"id": cid, "post_id": post_id}, [post_room(post_id)]) for cid in gone]
    )


def comments_total(post_id: int) -> int:
    """How many comments a post has, counted (tests compare it with the kept counter)."""
    return db.session.scalar(select(func.count()).select_from(Comment).where(Comment.post_id == post_id))
