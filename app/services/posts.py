"""Posts and walls: images, write, edit, delete, read one or a wall; the shared serialiser of post lists.

A post lives on its author's wall (community_id null) or on a community's wall (its admins write
there; its members too where the community allows). `post:new` goes after the commit to the
online friends of the author, or to the online members of the community; edits and deletions go
to the sockets watching the post (`posts:watch`).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from PIL import Image
from sqlalchemy import bindparam, select, text, update
from sqlalchemy.orm.attributes import set_committed_value

from app.db import on_commit, write_tx
from app.errors import Forbidden, ValidationError
from app.events import emit_now, emit_to_rooms
from app.events.social import PostDeleted, PostNew, PostUpdated, post_room
from app.extensions import db, socketio
from app.group_commit import GroupCommit, GroupJob, each_alone
from app.models import User
from app.models.base import UTCDateTime, utcnow
from app.models.social import Comment, Community, CommunityMember, Post, PostImage, PostLike, Report
from app.permissions import (
    ADMIN_ROLES,
    MEMBER_ROLES,
    access_community,
    access_post,
    access_wall,
    banned_user_ids,
    check_posts_access,
    is_banned,
)
from app.presence import presence
from app.rawsql import Prepared
from app.services.friends import friend_ids
from app.services.uploads import read_limited, store_image, upload_dir
from app.shapes.music import tracks_by_id
from app.shapes.social import image_out, post_out

log = logging.getLogger("masterchat.social")

MAX_IMAGES = 10
IMAGE_KIND = "posts"


def posts_out(posts: Iterable[Post], viewer_id: int | None) -> list[dict[str, Any]]:
    """Posts as the contract shows them: authors, communities, images and my likes in four queries.

    `viewer_id` None leaves `liked` null (events sent to a room).
    """
    posts = list(posts)
    if not posts:
        return []
    ids = [p.id for p in posts]
    authors = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({p.author_id for p in posts})))}
    community_ids = {p.community_id for p in posts if p.community_id is not None}
    communities = (
        {c.id: c for c in db.session.scalars(select(Community).where(Community.id.in_(community_ids)))}
        if community_ids
        else {}
    )
    images: dict[int, list[PostImage]] = {}
    for image in db.session.scalars(
        select(PostImage).where(PostImage.post_id.in_(ids)).order_by(PostImage.post_id, PostImage.position)
    ):
        images.setdefault(image.post_id, []).append(image)  # type: ignore[arg-type]
    # Shared tracks in one query over the page (viewer None, like messages: the same object in events).
    tracks = tracks_by_id({p.track_id for p in posts if p.track_id}, None)
    liked: set[int] = set()
    if viewer_id is not None:
        liked = set(
            db.session.scalars(select(PostLike.post_id).where(PostLike.user_id == viewer_id, PostLike.post_id.in_(ids)))
        )
    return [
        post_out(
            p,
            authors[p.author_id],
            communities.get(p.community_id) if p.community_id is not None else None,
            images.get(p.id, []),
            (p.id in liked) if viewer_id is not None else None,
            tracks.get(p.track_id) if p.track_id else None,
        )
        for p in posts
    ]


def upload_image(user_id: int, stream: Any, max_bytes: int) -> dict[str, Any]:
    """Check, re-encode and store an image for a post I am about to write: `{id, url, width, height}`."""
    data = read_limited(stream, max_bytes)
    name, _content_type, _size = store_image(data, IMAGE_KIND, max_side=1600)
    with Image.open(upload_dir(IMAGE_KIND) / name) as img:
        width, height = img.size
    with write_tx() as session:
        image = PostImage(owner_id=user_id, stored_name=name, width=width, height=height)
        session.add(image)
        session.flush()
        return image_out(image)


def _check_body(body: str, has_images: bool) -> str:
    # has_images: anything else the post shows (images or a track), so an empty body is allowed
    if not body and not has_images:
        raise ValidationError("A post needs text or an image.", {"fields": {"body": "empty"}})
    return body


def _audience(post: Post) -> list[int]:
    """Who hears `post:new`: the community's members, or the author and their friends."""
    if post.community_id is not None:
        return list(
            db.session.scalars(
                select(CommunityMember.user_id).where(
                    CommunityMember.community_id == post.community_id, CommunityMember.role.in_(MEMBER_ROLES)
                )
            )
        )
    return [post.author_id, *friend_ids(post.author_id)]


def _announce_new(payload: dict[str, Any], audience: list[int]) -> None:
    """After the commit: `post:new` to the online part of the audience (presence is asked outside the tx)."""

    def _send() -> None:
        online = presence().online_among(audience)
        if online:
            emit_now(PostNew, payload, online)

    on_commit(_send)


def create_post(
    user_id: int, body: str, image_ids: list[int], community_id: int | None, track_id: int | None = None
) -> dict[str, Any]:
    """Write a post on my wall or a community's (with an optional track); ValidationError, Forbidden, NotFound."""
    image_ids = list(dict.fromkeys(image_ids))
    if len(image_ids) > MAX_IMAGES:
        raise ValidationError(f"At most {MAX_IMAGES} images.", {"fields": {"image_ids": f"max {MAX_IMAGES}"}})
    body = _check_body(body, bool(image_ids) or track_id is not None)
    with write_tx() as session:
        if community_id is not None:
            community, role = access_community(user_id, community_id, content=True)
            if not (role in ADMIN_ROLES or (role == "member" and community.members_can_post)):
                raise Forbidden("You cannot post on this community's wall.", {"reason": "cannot_post"})
        images = (
            list(session.scalars(select(PostImage).where(PostImage.id.in_(image_ids), PostImage.owner_id == user_id)))
            if image_ids
            else []
        )
        by_id = {i.id: i for i in images}
        if len(by_id) != len(image_ids) or any(i.post_id is not None for i in images):
            raise ValidationError("image_ids must be your own unused uploads.", {"fields": {"image_ids": "bad"}})
        if track_id is not None and not tracks_by_id([track_id], None):
            raise ValidationError("track_id must be an existing track.", {"fields": {"track_id": "bad"}})
        post = Post(author_id=user_id, community_id=community_id, body=body, track_id=track_id)
        session.add(post)
        session.flush()
        for position, image_id in enumerate(image_ids):
            by_id[image_id].post_id, by_id[image_id].position = post.id, position
        session.flush()
        out = posts_out([post], user_id)[0]
        _announce_new({**out, "liked": None}, _audience(post))
        return out


def get_post(user_id: int, post_id: int) -> dict[str, Any]:
    """One post I may see; NotFound/Forbidden."""
    post, _role = access_post(user_id, post_id)
    return posts_out([post], user_id)[0]


def announce_update(post: Post) -> None:
    """Queue `post:updated` (likes and comments_count current) to the sockets watching the post."""
    payload = posts_out([post], None)[0]
    on_commit(lambda: emit_to_rooms(PostUpdated, payload, [post_room(post.id)]))


def bump_counter(post: Post, column: str, delta: int) -> int:
    """Move `likes_count` or `comments_count` by delta and queue `post:updated`; returns the new value.

    Call it as the transaction's last statement: the UPDATE takes the post row's lock (PostgreSQL),
    which orders concurrent likes and comments so the counter stays exact, and the lock is then held
    only until the commit. The event's payload is read before the UPDATE, its counters taken from
    the UPDATE's RETURNING.
    """
    payload = posts_out([post], None)[0]
    likes, comments = db.session.execute(
        update(Post)
        .where(Post.id == post.id)
        .values({column: getattr(Post, column) + delta})
        .returning(Post.likes_count, Post.comments_count)
    ).one()
    set_committed_value(post, "likes_count", likes)
    set_committed_value(post, "comments_count", comments)
    payload.update(likes=likes, comments_count=comments)
    post_id = post.id
    on_commit(lambda: emit_to_rooms(PostUpdated, payload, [post_room(post_id)]))
    return likes if column == "likes_count" else comments


def edit_post(user_id: int, post_id: int, body: str) -> dict[str, Any]:
    """The author edits a post's text; `post:updated` to its watchers."""
    with write_tx():
        post, _role = access_post(user_id, post_id)
        if post.author_id != user_id:
            raise Forbidden("Only the author edits a post.", {"reason": "not_the_author"})
        has_images = post.track_id is not None or (
            db.session.scalar(select(PostImage.id).where(PostImage.post_id == post_id).limit(1)) is not None
        )
        post.body, post.edited_at = _check_body(body, has_images), utcnow()
        db.session.flush()
        announce_update(post)
        return posts_out([post], user_id)[0]


def delete_post(user_id: int, post_id: int) -> None:
    """Delete a post: its author, or the community's admins; `post:deleted` to its watchers."""
    with write_tx():
        post, role = access_post(user_id, post_id)
        if post.author_id != user_id and role not in ADMIN_ROLES:
            raise Forbidden("Only the author or the wall's owner deletes a post.", {"reason": "not_allowed"})
        remove_post(post)


def close_reports(target_type: str, target_ids: Any) -> None:
    """Resolve the open reports on content being deleted (SQLite may give its id to the next row)."""
    db.session.execute(
        update(Report)
        .where(Report.target_type == target_type, Report.target_id.in_(target_ids), Report.status == "open")
        .values(status="resolved", resolved_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def remove_post(post: Post) -> None:
    """Inside a write transaction: delete the post; after the commit `post:deleted` and its images go.

    The caller checks who may (the author, the wall's admins, or a site admin from the reports queue)."""
    post_id = post.id
    names = list(db.session.scalars(select(PostImage.stored_name).where(PostImage.post_id == post_id)))
    comment_ids = select(Comment.id).where(Comment.post_id == post_id).scalar_subquery()
    close_reports("post", [post_id])
    close_reports("comment", comment_ids)
    db.session.delete(post)
    on_commit(lambda: emit_to_rooms(PostDeleted, {"id": post_id}, [post_room(post_id)]))

    def _unlink() -> None:
        for name in names:
            (upload_dir(IMAGE_KIND) / name).unlink(missing_ok=True)

    on_commit(_unlink)


def _page(stmt: Any, limit: int, before: int | None, viewer_id: int) -> tuple[list[dict[str, Any]], int | None]:
    if before is not None:
        stmt = stmt.where(Post.id < before)
    posts = list(db.session.scalars(stmt.order_by(Post.id.desc()).limit(limit + 1)))
    more = len(posts) > limit
    posts = posts[:limit]
    return posts_out(posts, viewer_id), (posts[-1].id if more else None)


def user_wall(viewer_id: int, owner_id: int, limit: int, before: int | None) -> tuple[list[dict[str, Any]], int | None]:
    """A user's wall, newest first; Forbidden if they blocked me."""
    access_wall(viewer_id, owner_id)
    if is_banned(owner_id):  # a banned user's posts are hidden until the ban is lifted
        return [], None
    stmt = select(Post).where(Post.author_id == owner_id, Post.community_id.is_(None))
    return _page(stmt, limit, before, viewer_id)


def community_wall(
    viewer_id: int, community_id: int, limit: int, before: int | None
) -> tuple[list[dict[str, Any]], int | None]:
    """A community's wall, newest first; Forbidden for outsiders of a closed community."""
    access_community(viewer_id, community_id, content=True)
    stmt = select(Post).where(Post.community_id == community_id)
    banned = banned_user_ids()
    if banned:
        stmt = stmt.where(Post.author_id.not_in(banned))
    return _page(stmt, limit, before, viewer_id)


def latest_photos(viewer_id: int, owner_id: int, limit: int = 12) -> list[dict[str, Any]]:
    """The latest images of a user's wall posts (a master's portfolio); Forbidden if they blocked me."""
    access_wall(viewer_id, owner_id)
    if is_banned(owner_id):
        return []
    rows = db.session.scalars(
        select(PostImage)
        .join(Post, Post.id == PostImage.post_id)
        .where(Post.author_id == owner_id, Post.community_id.is_(None))
        .order_by(Post.id.desc(), PostImage.position)
        .limit(limit)
    )
    return [{**image_out(i), "post_id": i.post_id} for i in rows]


# ----- likes: the hot path of a like storm (docs/PERFORMANCE.md, "Like storm") -----
# Statements, none through the ORM: per like the access check (one Core query) and the like row
# (INSERT ... ON CONFLICT DO NOTHING, or DELETE); per post of a group commit one counter update
# (UPDATE ... RETURNING, the last statements, so the post row's lock is held only until the commit);
# and `post:updated` coalesced after it.

_LIKES = PostLike.__table__
_POSTS = Post.__table__
# A group's likes of one post in one statement, the likers as one parameter (an array on PostgreSQL,
# a JSON list on SQLite, which has no arrays: each dialect's statement with its encoder); RETURNING
# says which rows were new (a second like of mine is no row). SQLAlchemy does not cache its dialects'
# INSERT ... ON CONFLICT constructs (`inherit_cache = False`): written with `pg_insert(...)`, the
# statement was compiled again for every group (a like storm's profile on PostgreSQL: 5 % of the worker
# in the compiler and the insertmanyvalues batch). On SQLite, `WHERE true` tells the parser that
# ON CONFLICT belongs to the INSERT, not to a join of the SELECT.
_LIKE_INSERT_MANY: dict[str, tuple[Prepared, Any]] = {
    "postgresql": (
        Prepared(
            text(
                "INSERT INTO post_likes (post_id, user_id, created_at)"
                " SELECT :p_post, liker, :p_now FROM unnest(CAST(:p_users AS INTEGER[])) AS liker"
                " ON CONFLICT DO NOTHING RETURNING user_id"
            ).bindparams(bindparam("p_now", type_=UTCDateTime()))
        ),
        list,
    ),
    "sqlite": (
        Prepared(
            text(
                "INSERT INTO post_likes (post_id, user_id, created_at)"
                " SELECT :p_post, value, :p_now FROM json_each(:p_users) WHERE true"
                " ON CONFLICT DO NOTHING RETURNING user_id"
            ).bindparams(bindparam("p_now", type_=UTCDateTime()))
        ),
        json.dumps,
    ),
}
_LIKES_BUMP = Prepared(
    _POSTS.update()
    .where(_POSTS.c.id == bindparam("p_post"))
    .values(likes_count=_POSTS.c.likes_count + bindparam("p_delta"))
    .returning(_POSTS.c.likes_count)
)
_LIKES_NOW = Prepared(select(_POSTS.c.likes_count).where(_POSTS.c.id == bindparam("p_post")))


@dataclass(slots=True)
class _Like(GroupJob):
    """One like or unlike waiting for its transaction (app/group_commit.py)."""

    user_id: int
    post_id: int
    like: bool


def _write_likes(jobs: list[_Like]) -> None:
    """Inside a write transaction: check every like, write or remove the like rows, move each post's
    counter once.

    A like refused by a check (no such post, a closed community, a block) gets its error and the others
    go on. Per post of the group: one access query (plus one for the viewers' blocks or roles), one
    INSERT ... ON CONFLICT DO NOTHING RETURNING for the likes and one DELETE ... RETURNING for the
    unlikes, then the counter by the net change in one `UPDATE ... RETURNING`, as the last statements,
    so the post row's lock is held only until the commit. The like rows and the counter are one
    transaction, so a storm of likes is counted exactly. Posts are written in id order, so two
    workers' groups cannot deadlock each other. On PostgreSQL a like storm pays its round trips per
    group, not per like (docs/PERFORMANCE.md, "Like storm")."""
    conn = db.session.connection()
    verdict = check_posts_access((job.user_id, job.post_id) for job in jobs)
    for job in jobs:
        job.error = verdict[job.user_id, job.post_id]
    # The last word per (user, post) wins inside a group, as it would one after the other.
    final: dict[tuple[int, int], bool] = {}
    for job in jobs:
        if job.error is None:
            final[job.user_id, job.post_id] = job.like
    counts: dict[int, int] = {}
    now = utcnow()
    for post_id in sorted({p for _u, p in final}):
        likers = [u for (u, p), like in final.items() if p == post_id and like]
        leavers = [u for (u, p), like in final.items() if p == post_id and not like]
        delta = 0
        if likers:
            insert, encode = _LIKE_INSERT_MANY[conn.dialect.name]
            delta += len(insert.rows(conn, {"p_post": post_id, "p_users": encode(likers), "p_now": now}))
        if leavers:
            delta -= len(
                conn.execute(
                    _LIKES.delete()
                    .where(_LIKES.c.post_id == post_id, _LIKES.c.user_id.in_(leavers))
                    .returning(_LIKES.c.user_id)
                ).all()
            )
        if delta:
            counts[post_id] = _LIKES_BUMP.scalar(conn, {"p_post": post_id, "p_delta": delta})
            on_commit(lambda post_id=post_id: announce_counts(post_id))
        else:
            counts[post_id] = _LIKES_NOW.scalar(conn, {"p_post": post_id})
    for job in jobs:
        if job.error is None:
            job.result = {"likes": counts[job.post_id], "liked": job.like}


def _like_alone(job: _Like) -> dict[str, Any]:
    """One like in a transaction of its own."""
    with write_tx():
        _write_likes([job])
    if job.error is not None:
        raise job.error
    return job.result


def commit_likes(jobs: list[_Like]) -> None:
    """Write a group of likes in one transaction and set each one's answer or error.

    A like refused by a check gets its error and the others go on; anything else rolls the group back
    and each like then runs alone. One commit for the group: on PostgreSQL one WAL flush per group
    instead of one per like while the hot post's row lock is held."""
    try:
        with write_tx():
            _write_likes(jobs)
    except Exception:
        each_alone(jobs, _like_alone)


_like_commit: GroupCommit[_Like] = GroupCommit(commit_likes, "like")


def set_like(user_id: int, post_id: int, like: bool) -> dict[str, Any]:
    """Like or unlike a post I may see: `{likes, liked}`, answered after the commit that holds it.

    Concurrent likes of this process share one transaction (LIKE_GROUP_COMMIT, app/group_commit.py);
    watchers get the counts in at most one `post:updated` per post per COALESCE_WINDOW seconds (per
    worker). A like answered is a like kept: the commit waits for its WAL flush like every other write
    (synchronous_commit stays on; docs/PERFORMANCE.md, "Like storm")."""
    job = _Like(user_id=user_id, post_id=post_id, like=like)
    if current_app.config["LIKE_GROUP_COMMIT"]:
        return _like_commit.run(job)
    return _like_alone(job)


# ----- post:updated for counters, coalesced -----
COALESCE_WINDOW = 0.2  # seconds: at most one counter update per post per window (per worker)
_coalesce_lock = threading.Lock()
_due: set[int] = set()  # posts with a send scheduled
_last_sent: dict[int, float] = {}  # post -> monotonic time of its last counter update
_server: list[Any] = [None]  # the socket server the state above belongs to (tests make a new app each time)


def announce_counts(post_id: int) -> None:
    """After a commit that moved a post's counters: `post:updated` to its watchers, coalesced.

    The first change in a quiet window is sent at once; changes within COALESCE_WINDOW of the last send
    schedule one send at the window's end, which reads the counts then (the latest). A change committed
    after that read finds nothing scheduled and schedules the next one, so the last counts always go out.
    """
    now = time.monotonic()
    server = socketio.server
    with _coalesce_lock:
        if _server[0] is not server:
            _server[0] = server
            _due.clear()
            _last_sent.clear()
        if post_id in _due:
            return
        _due.add(post_id)
        delay = _last_sent.get(post_id, -COALESCE_WINDOW) + COALESCE_WINDOW - now
        if len(_last_sent) > 10_000:
            for pid in [p for p, at in _last_sent.items() if at < now - COALESCE_WINDOW and p not in _due]:
                del _last_sent[pid]
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if delay <= 0:
        _send_counts(app, server, post_id)
    else:
        socketio.start_background_task(_send_counts_later, app, server, post_id, delay)


def _send_counts_later(app: Any, server: Any, post_id: int, delay: float) -> None:
    socketio.sleep(delay)
    _send_counts(app, server, post_id)


def _send_counts(app: Any, server: Any, post_id: int) -> None:
    if socketio.server is not server:
        return  # that server is gone (a test's app): its watchers with it
    with _coalesce_lock:
        _due.discard(post_id)
        _last_sent[post_id] = time.monotonic()
    try:
        with app.app_context():  # its own session: the caller's transaction is over
            post = db.session.get(Post, post_id)
            if post is None:
                return
            payload = posts_out([post], None)[0]
        emit_to_rooms(PostUpdated, payload, [post_room(post_id)])
    except Exception:
        log.exception("post:updated for post %s failed", post_id)
