"""People and friends: friend requests, friends lists, blocks, reports, the home feed (thin handlers)."""

from __future__ import annotations

from flask import g

from app.api.base import ApiBlueprint
from app.schemas.social import (
    BlockPage,
    FeedQuery,
    FriendPage,
    FriendRequestPage,
    FriendshipOut,
    FriendsQuery,
    PostPage,
    ReportIn,
    ReportOut,
    RequestsQuery,
    SocialPageQuery,
)
from app.services import feed, friends, reports

bp = ApiBlueprint("social", __name__, tag="social", url_prefix="/api")


@bp.route_spec("/friends/<int:user_id>", "POST", response=FriendshipOut, status=201, errors=(401, 403, 404, 422))
def ask_friend(user_id: int):
    """Ask to be friends; if they already asked me, we are friends at once (200 when nothing changed)."""
    result, changed = friends.ask(g.user.id, user_id)
    return result, (201 if changed else 200)


@bp.route_spec("/friends/<int:user_id>", "DELETE", status=204, errors=(401, 404))
def remove_friend(user_id: int):
    """Cancel my request, turn down theirs, or unfriend."""
    friends.remove(g.user.id, user_id)


@bp.route_spec("/friends", "GET", query=FriendsQuery, response=FriendPage, errors=(401, 403, 404, 422))
def list_friends(query: FriendsQuery):
    """Friends (mine by default, or user_id's) as user briefs with `online`; q filters by name."""
    items, next_cursor = friends.list_friends(g.user.id, query.user_id, query.q, query.limit, query.before)
    return {"items": items, "next": next_cursor}


@bp.route_spec("/friends/requests", "GET", query=RequestsQuery, response=FriendRequestPage, errors=(401, 422))
def list_requests(query: RequestsQuery):
    """Pending friend requests to me (incoming) or from me (outgoing)."""
    items, next_cursor = friends.list_requests(g.user.id, query.direction, query.limit, query.before)
    return {"items": items, "next": next_cursor}


@bp.route_spec("/users/<int:user_id>/block", "POST", status=204, errors=(401, 404, 422))
def block(user_id: int):
    """Block a user: no messages, friend requests, comments or wall for them; a friendship ends."""
    friends.block(g.user.id, user_id)


@bp.route_spec("/users/<int:user_id>/block", "DELETE", status=204, errors=(401, 404))
def unblock(user_id: int):
    """Lift my block."""
    friends.unblock(g.user.id, user_id)


@bp.route_spec("/blocks", "GET", query=SocialPageQuery, response=BlockPage, errors=(401, 422))
def list_blocks(query: SocialPageQuery):
    """The people I blocked."""
    items, next_cursor = friends.list_blocks(g.user.id, query.limit, query.before)
    return {"items": items, "next": next_cursor}


@bp.route_spec("/feed", "GET", query=FeedQuery, response=PostPage, errors=(401, 422))
def home_feed(query: FeedQuery):
    """My home feed: my posts, my friends' and my communities', newest first (`before` = `next`)."""
    items, next_cursor = feed.home_feed(g.user.id, query.limit, query.before)
    return {"items": items, "next": next_cursor}


@bp.route_spec("/reports", "POST", body=ReportIn, response=ReportOut, status=201, errors=(401, 403, 404, 422))
def report(body: ReportIn):
    """Report a post, a comment or a user I can see (200 with my earlier report of the same thing)."""
    result, created = reports.create_report(g.user.id, body.target_type, body.target_id, body.reason, body.details)
    return result, (201 if created else 200)
