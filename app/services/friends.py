"""Friends and blocks: ask, accept, turn down, cancel, unfriend; block and unblock.

One row per pair (app/models/social.py): asking inserts it as `pending`, and an ask by the
person who was asked turns it into `friends`. Two people asking each other at the same moment
race for the same primary key; the loser retries and finds the other's request, so they end
as friends once. Every change sends `friendship` to both people after the commit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, or_, select, union_all
from sqlalchemy.exc import IntegrityError

from app.db import write_tx
from app.errors import Forbidden, NotFound, ValidationError
from app.events import emit_after_commit
from app.events.social import REWATCH, FriendAccepted, FriendRequest
from app.events.social import Friendship as FriendshipEvent
from app.extensions import db
from app.models import User
from app.models.base import isoformat, utcnow
from app.models.social import Block, Friendship
from app.permissions import access_person, is_blocked, listed
from app.presence import presence
from app.realtime import run_everywhere_after_commit
from app.services.notifications import notify
from app.shapes.users import brief


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _row(a: int, b: int) -> Friendship | None:
    low, high = _pair(a, b)
    return db.session.get(Friendship, (low, high), populate_existing=True)


def state(viewer_id: int, other_id: int, row: Friendship | None = None, blocked: bool | None = None) -> str:
    """The friendship as `viewer_id` sees it: none, outgoing, incoming, friends or blocked."""
    if viewer_id == other_id:
        return "none"
    if blocked is None:
        blocked = is_blocked(viewer_id, other_id) or is_blocked(other_id, viewer_id)
    if blocked:
        return "blocked"
    row = row if row is not None else _row(viewer_id, other_id)
    if row is None:
        return "none"
    if row.status == "friends":
        return "friends"
    return "outgoing" if row.requested_by == viewer_id else "incoming"


def _announce(a: int, b: int, a_state: str, b_state: str) -> None:
    emit_after_commit(FriendshipEvent, {"user_id": b, "friendship": a_state}, [a])
    emit_after_commit(FriendshipEvent, {"user_id": a, "friendship": b_state}, [b])


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def ask(user_id: int, other_id: int) -> tuple[dict[str, Any], bool]:
    """Ask to be friends (accepting at once if they asked me); returns ({user_id, friendship}, changed).

    ValidationError for myself, NotFound for nobody, Forbidden when either blocked the other.
    """
    if user_id == other_id:
        raise ValidationError("You cannot befriend yourself.", {"fields": {"user_id": "yourself"}})
    for attempt in range(3):
        try:
            return _ask(user_id, other_id)
        except IntegrityError:
            # They asked me at the same moment (same pair, same primary key): look again.
            db.session.rollback()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _ask(user_id: int, other_id: int) -> tuple[dict[str, Any], bool]:
    with write_tx() as session:
        me = _user(user_id)
        access_person(user_id, other_id)  # a banned person is nobody to ask (or to accept) while banned
        if is_blocked(other_id, user_id):
            raise Forbidden("This person does not accept friend requests from you.", {"reason": "blocked"})
        if is_blocked(user_id, other_id):
            raise Forbidden("Unblock this person first.", {"reason": "you_blocked"})
        row = _row(user_id, other_id)
        if row is not None and (row.status == "friends" or row.requested_by == user_id):
            return {"user_id": other_id, "friendship": state(user_id, other_id, row, False)}, False
        if row is None:
            low, high = _pair(user_id, other_id)
            session.add(Friendship(user_low=low, user_high=high, status="pending", requested_by=user_id))
            session.flush()
            _announce(user_id, other_id, "outgoing", "incoming")
            notify([other_id], FriendRequest(user=brief(me)))
            return {"user_id": other_id, "friendship": "outgoing"}, True
        row.status, row.accepted_at = "friends", utcnow()
        _announce(user_id, other_id, "friends", "friends")
        notify([other_id], FriendAccepted(user=brief(me)))
        return {"user_id": other_id, "friendship": "friends"}, True


def remove(user_id: int, other_id: int) -> None:
    """Cancel my request, turn down theirs, or unfriend; NotFound when there is nothing between us."""
    with write_tx() as session:
        _user(other_id)
        row = _row(user_id, other_id)
        if row is None:
            raise NotFound("There is no friendship or request between you.", code="no_friendship")
        session.delete(row)
        _announce(user_id, other_id, "none", "none")


def friend_id_selects(user_id: int) -> list[Any]:
    """Two SELECTs of a user's friends' ids (`friend_id`): the user is the low or the high id of the pair."""
    f = Friendship.__table__.c
    return [
        select(f.user_high.label("friend_id")).where(f.user_low == user_id, f.status == "friends"),
        select(f.user_low.label("friend_id")).where(f.user_high == user_id, f.status == "friends"),
    ]


def friend_ids_query(user_id: int) -> Any:
    """A SELECT of the ids of a user's friends (two index lookups, UNION ALL)."""
    return union_all(*friend_id_selects(user_id))


def friend_ids(user_id: int) -> list[int]:
    """The ids of a user's friends."""
    return list(db.session.scalars(friend_ids_query(user_id)))


def friends_count(user_id: int) -> int:
    """How many friends a user has, counted as their friends list shows them (banned and deleted accounts left out)."""
    ids = friend_ids_query(user_id).subquery()
    return db.session.scalar(
        select(func.count()).select_from(ids).join(User, User.id == ids.c.friend_id).where(listed())
    )


def mutual_count(a: int, b: int) -> int:
    """How many friends two users share (banned and deleted accounts left out, as in the lists)."""
    if a == b:
        return 0
    mine = friend_ids_query(a).subquery()
    theirs = friend_ids_query(b).subquery()
    return db.session.scalar(
        select(func.count())
        .select_from(mine)
        .join(theirs, theirs.c.friend_id == mine.c.friend_id)
        .join(User, User.id == mine.c.friend_id)
        .where(listed())
    )


def list_friends(
    viewer_id: int, user_id: int | None, q: str, limit: int, before: int | None
) -> tuple[list[dict[str, Any]], int | None]:
    """Friends of a user (mine by default) as briefs with `online`, by id descending, banned and deleted
    accounts left out; Forbidden if they blocked me, NotFound for nobody or a banned person."""
    owner = user_id or viewer_id
    access_person(viewer_id, owner)
    if owner != viewer_id and is_blocked(owner, viewer_id):
        raise Forbidden("This person's page is closed to you.", {"reason": "blocked"})
    ids = friend_ids_query(owner).subquery()
    stmt = select(User).join(ids, ids.c.friend_id == User.id).where(listed()).order_by(User.id.desc()).limit(limit + 1)
    if before is not None:
        stmt = stmt.where(User.id < before)
    for word in q.lower().split():
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                User.username_lower.like(pattern, escape="\\"), func.lower(User.display_name).like(pattern, escape="\\")
            )
        )
    users = list(db.session.scalars(stmt))
    more = len(users) > limit
    users = users[:limit]
    online = presence().online_among(u.id for u in users)
    items = [{**brief(u), "online": u.id in online} for u in users]
    return items, (users[-1].id if more else None)


def list_requests(
    user_id: int, direction: str, limit: int, before: int | None
) -> tuple[list[dict[str, Any]], int | None]:
    """Pending requests to me (`incoming`) or from me (`outgoing`), newest first (banned and deleted accounts left out);
    the cursor is the other's id."""
    f = Friendship
    other = f.user_low + f.user_high - user_id  # the other person of the pair
    cond = f.requested_by != user_id if direction == "incoming" else f.requested_by == user_id
    stmt = (
        select(f, User)
        .join(User, User.id == other)
        .where(or_(f.user_low == user_id, f.user_high == user_id), f.status == "pending", cond, listed())
        .order_by(User.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        stmt = stmt.where(User.id < before)
    rows = db.session.execute(stmt).all()
    more = len(rows) > limit
    rows = rows[:limit]
    items = [{"user": brief(u), "direction": direction, "created_at": isoformat(r.created_at)} for r, u in rows]
    return items, (rows[-1][1].id if more else None)


def block(user_id: int, other_id: int) -> None:
    """Block a user: they cannot message me, ask to be my friend, comment on my posts or see my wall;
    a friendship or request between us ends."""
    if user_id == other_id:
        raise ValidationError("You cannot block yourself.", {"fields": {"user_id": "yourself"}})
    with write_tx() as session:
        _user(other_id)
        if is_blocked(user_id, other_id):
            return
        session.add(Block(blocker_id=user_id, blocked_id=other_id))
        row = _row(user_id, other_id)
        if row is not None:
            session.delete(row)
        _announce(user_id, other_id, "blocked", "blocked")
        # Their sockets stop hearing my wall's posts now, on every worker (not at their next posts:watch).
        run_everywhere_after_commit(REWATCH, {"user_ids": [other_id]})


def unblock(user_id: int, other_id: int) -> None:
    """Lift my block; NotFound if I had not blocked them."""
    with write_tx():
        _user(other_id)
        gone = db.session.execute(
            delete(Block).where(Block.blocker_id == user_id, Block.blocked_id == other_id)
        ).rowcount
        if not gone:
            raise NotFound("You have not blocked this person.", code="not_blocked")
        theirs = is_blocked(other_id, user_id)
        _announce(user_id, other_id, "blocked" if theirs else "none", "blocked" if theirs else "none")


def list_blocks(user_id: int, limit: int, before: int | None) -> tuple[list[dict[str, Any]], int | None]:
    """The people I blocked, by id descending."""
    stmt = (
        select(Block, User)
        .join(User, User.id == Block.blocked_id)
        .where(Block.blocker_id == user_id)
        .order_by(User.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        stmt = stmt.where(User.id < before)
    rows = db.session.execute(stmt).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return [{"user": brief(u), "created_at": isoformat(b.created_at)} for b, u in rows], (
        rows[-1][1].id if more else None
    )


def social_profile(viewer_id: int, user_id: int) -> dict[str, Any]:
    """What a profile adds for its viewer: friendship, blocked_by_me, friends_count, mutual_friends."""
    mine = is_blocked(viewer_id, user_id)
    return {
        "friendship": state(viewer_id, user_id, blocked=mine or is_blocked(user_id, viewer_id)),
        "blocked_by_me": mine,
        "friends_count": friends_count(user_id),
        "mutual_friends": mutual_count(viewer_id, user_id),
    }
