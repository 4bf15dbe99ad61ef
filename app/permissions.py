"""Fetch-and-check helpers: every service that takes a chat, message or attachment id goes through here.

A chat that does not exist is NotFound; one the user is not a member of is Forbidden.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, select, union_all

from app.errors import Forbidden, NotFound
from app.extensions import db
from app.models import User
from app.models.chat import Attachment, Chat, ChatMember, Message
from app.models.music import Playlist, Track
from app.models.social import Block, Comment, Community, CommunityMember, Friendship, Post
from app.rawsql import Prepared

ADMIN_ROLES = ("owner", "admin")


def membership(chat_id: int, user_id: int) -> ChatMember | None:
    """The user's membership row in a chat, or None."""
    return db.session.execute(
        select(ChatMember).where(ChatMember.chat_id == chat_id, ChatMember.user_id == user_id)
    ).scalar_one_or_none()


def access_chat(user_id: int, chat_id: int) -> tuple[Chat, ChatMember]:
    """The chat and the caller's membership; NotFound if no such chat, Forbidden if not a member."""
    chat = db.session.get(Chat, chat_id, populate_existing=True)
    if chat is None:
        raise NotFound("No such chat.")
    member = membership(chat_id, user_id)
    if member is None:
        raise Forbidden("You are not a member of this chat.", {"reason": "not_a_member"})
    return chat, member


def access_group_admin(user_id: int, chat_id: int) -> tuple[Chat, ChatMember]:
    """A group chat the caller administers (owner or admin), or NotFound/Forbidden."""
    chat, member = access_chat(user_id, chat_id)
    if chat.type != "group":
        raise Forbidden("Only group chats are administered.", {"reason": "not_a_group"})
    if member.role not in ADMIN_ROLES:
        raise Forbidden("Only the group's owner and admins may do this.", {"reason": "not_an_admin"})
    return chat, member


def access_message(user_id: int, message_id: int) -> tuple[Message, Chat, ChatMember]:
    """A message in a chat the caller belongs to; NotFound/Forbidden otherwise."""
    message = db.session.get(Message, message_id, populate_existing=True)
    if message is None:
        raise NotFound("No such message.")
    chat, member = access_chat(user_id, message.chat_id)
    return message, chat, member


def access_attachment(user_id: int, attachment_id: int) -> Attachment:
    """An attachment the caller may read: their own upload, or one used in a chat they belong to."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound("No such attachment.")
    if attachment.owner_id == user_id:
        return attachment
    if attachment.chat_id is None or membership(attachment.chat_id, user_id) is None:
        raise Forbidden("You cannot see this attachment.", {"reason": "not_a_member"})
    return attachment


_MEMBER_IDS = Prepared(
    select(ChatMember.__table__.c.user_id).where(ChatMember.__table__.c.chat_id == bindparam("p_chat"))
)


def member_ids(chat_id: int) -> list[int]:
    """Everyone who hears a chat's events right now: its members (a prebuilt statement: the hot path)."""
    return _MEMBER_IDS.scalars(db.session.connection(), {"p_chat": chat_id})


def access_chat_members(user_id: int, chat_id: int) -> list[int]:
    """The members of a chat the caller belongs to, in one query (the hot path of sending and typing).

    NotFound if no such chat, Forbidden if the caller is not a member.
    """
    ids = member_ids(chat_id)
    if user_id in ids:
        return ids
    if db.session.get(Chat, chat_id) is None:
        raise NotFound("No such chat.")
    raise Forbidden("You are not a member of this chat.", {"reason": "not_a_member"})


# ----- the social network: blocks, walls, communities, posts (issue 14) -----------------------------


MEMBER_ROLES = ("owner", "admin", "member")  # pending is not a member yet

_BLOCKED = Prepared(
    select(Block.__table__.c.blocker_id).where(
        Block.__table__.c.blocker_id == bindparam("p_blocker"), Block.__table__.c.blocked_id == bindparam("p_blocked")
    )
)


def is_blocked(blocker_id: int, blocked_id: int) -> bool:
    """Whether `blocker_id` has blocked `blocked_id` (one primary-key lookup)."""
    return _BLOCKED.scalar(db.session.connection(), {"p_blocker": blocker_id, "p_blocked": blocked_id}) is not None


def blocked_either(a: int, b: int) -> bool:
    """Whether either of two users blocked the other."""
    return is_blocked(a, b) or is_blocked(b, a)


def can_see_wall(viewer_id: int, owner_id: int) -> bool:
    """A user's wall is seen by everyone except the people its owner blocked."""
    return viewer_id == owner_id or not is_blocked(owner_id, viewer_id)


def check_can_message(sender_id: int, chat_id: int, audience: list[int]) -> None:
    """Forbidden when the other member of a direct chat blocked the sender (the messenger's one hook).

    Cheap on the send path: only two-member chats look at blocks, and the chat's type is read only
    when a block exists.
    """
    if len(audience) != 2:
        return
    other = audience[0] if audience[1] == sender_id else audience[1]
    if other == sender_id or not is_blocked(other, sender_id):
        return
    if db.session.get(Chat, chat_id).type == "direct":
        raise Forbidden("This person does not accept your messages.", {"reason": "blocked"})


def community_role(community_id: int, user_id: int) -> str | None:
    """The user's role in a community (`owner`, `admin`, `member`, `pending`) or None."""
    return db.session.scalar(
        select(CommunityMember.role).where(
            CommunityMember.community_id == community_id, CommunityMember.user_id == user_id
        )
    )


def can_see_community(community: Community, role: str | None) -> bool:
    """An open community's wall and members are public; a closed one's only to its members."""
    return community.visibility == "open" or role in MEMBER_ROLES


def access_community(user_id: int, community_id: int, *, content: bool = False) -> tuple[Community, str | None]:
    """The community and the caller's role; NotFound if none. With `content`, Forbidden for an outsider
    of a closed community (its posts and members are for members only)."""
    community = db.session.get(Community, community_id, populate_existing=True)
    if community is None:
        raise NotFound("No such community.")
    role = community_role(community_id, user_id)
    if content and not can_see_community(community, role):
        raise Forbidden("Only members see this community's posts and members.", {"reason": "closed_community"})
    return community, role


def access_community_admin(user_id: int, community_id: int) -> tuple[Community, str]:
    """A community the caller administers (owner or admin); NotFound/Forbidden otherwise."""
    community, role = access_community(user_id, community_id)
    if role not in ADMIN_ROLES:
        raise Forbidden("Only the community's owner and admins may do this.", {"reason": "not_an_admin"})
    return community, role  # type: ignore[return-value]


def access_wall(viewer_id: int, owner_id: int) -> User:
    """The owner of a wall the viewer may see; NotFound if no such user, Forbidden if they blocked the viewer."""
    owner = db.session.get(User, owner_id)
    if owner is None:
        raise NotFound("No such user.")
    if not can_see_wall(viewer_id, owner_id):
        raise Forbidden("This person's wall is closed to you.", {"reason": "blocked"})
    return owner


# ----- bans: a moderator's ban hides the person and what they wrote from everyone else -----------------
# (the admin page's own list, app/services/admin.py, still shows them).


def not_banned(user: Any = User) -> ColumnElement[bool]:
    """SQL: the user (User or an alias of it) is not banned; the one spelling of a ban in a query."""
    return user.banned_at.is_(None)


def listed(user: Any = User) -> ColumnElement[bool]:
    """SQL: the user may appear in a list of people shown to others: not banned, not deleted.

    Every listing of people adds it to the User rows it shows, and every count of them: friends and
    friend requests (app/services/friends.py), community members (communities.py), the directory and
    search (users.py), the masters' catalogue (catalog.py). The admin page's list does not."""
    return and_(not_banned(user), user.deleted_at.is_(None))


def banned_user_ids() -> list[int]:
    """The ids of banned users: their posts and comments are hidden everywhere until they are unbanned."""
    return list(db.session.scalars(select(User.id).where(~not_banned())))


def is_banned(user_id: int) -> bool:
    """Whether this user is banned (their posts and comments are hidden)."""
    return db.session.scalar(select(User.id).where(User.id == user_id, ~not_banned())) is not None


def is_site_admin(user: Any) -> bool:
    """Whether this user (a User or None) is a site administrator: the role, not banned, not deleted."""
    return bool(getattr(user, "is_admin", False)) and user.banned_at is None and user.deleted_at is None


def access_person(viewer_id: int, user_id: int) -> User:
    """A person whose page (profile, friends) the viewer may open, or NotFound: no such user, or one who
    is banned while the viewer is neither them nor a site admin (a ban hides the person like their posts)."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    if user.banned_at is not None and viewer_id != user_id and not is_site_admin(db.session.get(User, viewer_id)):
        raise NotFound("No such user.")
    return user


def check_post_visible(viewer_id: int, post: Post) -> str | None:
    """Raise Forbidden unless the viewer may see the post; returns their role in its community (if any).

    A banned author's posts are NotFound until the ban is lifted."""
    if is_banned(post.author_id):
        raise NotFound("No such post.")
    if post.community_id is None:
        if not can_see_wall(viewer_id, post.author_id):
            raise Forbidden("This person's wall is closed to you.", {"reason": "blocked"})
        return None
    _community, role = access_community(viewer_id, post.community_id, content=True)
    return role


def access_post(viewer_id: int, post_id: int) -> tuple[Post, str | None]:
    """A post the viewer may see and their role in its community; NotFound/Forbidden otherwise."""
    post = db.session.get(Post, post_id, populate_existing=True)
    if post is None:
        raise NotFound("No such post.")
    return post, check_post_visible(viewer_id, post)


_POST_HEAD = Prepared(
    select(
        Post.__table__.c.author_id,
        Post.__table__.c.community_id,
        Community.__table__.c.visibility,
        User.__table__.c.banned_at,
    )
    .select_from(Post.__table__)
    .join(User.__table__, User.__table__.c.id == Post.__table__.c.author_id)
    .outerjoin(Community.__table__, Community.__table__.c.id == Post.__table__.c.community_id)
    .where(Post.__table__.c.id == bindparam("p_post"))
)


def check_posts_access(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], Exception | None]:
    """Whether each viewer may see (and like) each post, for many (viewer, post) pairs at once (a group of
    likes): the refusal (NotFound/Forbidden) or None per pair, by the rules of `check_post_visible`, in
    one query per post plus one for the viewers' blocks or roles there, instead of one per pair."""
    by_post: dict[int, set[int]] = {}
    for viewer_id, post_id in pairs:
        by_post.setdefault(post_id, set()).add(viewer_id)
    conn = db.session.connection()
    verdict: dict[tuple[int, int], Exception | None] = {}
    for post_id, viewers in by_post.items():
        rows = _POST_HEAD.rows(conn, {"p_post": post_id})
        if not rows or rows[0][3] is not None:  # no such post, or hidden while its author is banned
            for viewer_id in viewers:
                verdict[viewer_id, post_id] = NotFound("No such post.")
            continue
        author_id, community_id, visibility, _banned = rows[0]
        for viewer_id in viewers:
            verdict[viewer_id, post_id] = None
        if community_id is None:
            blockers = conn.execute(
                select(Block.__table__.c.blocked_id).where(
                    Block.__table__.c.blocker_id == author_id, Block.__table__.c.blocked_id.in_(viewers)
                )
            ).scalars()
            for viewer_id in blockers:
                if viewer_id != author_id:
                    verdict[viewer_id, post_id] = Forbidden(
                        "This person's wall is closed to you.", {"reason": "blocked"}
                    )
        elif visibility != "open":
            roles = dict(
                conn.execute(
                    select(CommunityMember.__table__.c.user_id, CommunityMember.__table__.c.role).where(
                        CommunityMember.__table__.c.community_id == community_id,
                        CommunityMember.__table__.c.user_id.in_(viewers),
                    )
                ).all()
            )
            for viewer_id in viewers:
                if roles.get(viewer_id) not in MEMBER_ROLES:
                    verdict[viewer_id, post_id] = Forbidden(
                        "Only members see this community's posts and members.", {"reason": "closed_community"}
                    )
    return verdict


def access_comment(viewer_id: int, comment_id: int) -> tuple[Comment, Post, str | None]:
    """A comment on a post the viewer may see; NotFound/Forbidden otherwise."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or is_banned(comment.author_id):
        raise NotFound("No such comment.")
    post, role = access_post(viewer_id, comment.post_id)
    return comment, post, role


def visible_post_ids(viewer_id: int, post_ids: list[int]) -> list[int]:
    """The ids among `post_ids` the viewer may see (posts:watch), in two queries."""
    if not post_ids:
        return []
    hidden = set(banned_user_ids())
    posts = [
        row
        for row in db.session.execute(select(Post.id, Post.author_id, Post.community_id).where(Post.id.in_(post_ids)))
        if row[1] not in hidden
    ]
    authors = {a for _, a, c in posts if c is None}
    blocked_me = set(
        db.session.scalars(select(Block.blocker_id).where(Block.blocked_id == viewer_id, Block.blocker_id.in_(authors)))
    )
    communities = {c for _, _, c in posts if c is not None}
    readable: set[int] = set()
    if communities:
        rows = db.session.execute(
            select(Community.id, Community.visibility, CommunityMember.role)
            .outerjoin(
                CommunityMember,
                (CommunityMember.community_id == Community.id) & (CommunityMember.user_id == viewer_id),
            )
            .where(Community.id.in_(communities))
        ).all()
        readable = {cid for cid, visibility, role in rows if visibility == "open" or role in MEMBER_ROLES}
    return [
        pid
        for pid, author, community in posts
        if (community is None and author not in blocked_me) or (community is not None and community in readable)
    ]


def require_site_admin(user: Any) -> Any:
    """The user, when they are a site administrator (not banned, not deleted); Forbidden otherwise."""
    if not is_site_admin(user):
        raise Forbidden("Site administrators only.", {"reason": "not_site_admin"})
    return user


_MINE = ChatMember.__table__.alias("presence_mine")
_THEIRS = ChatMember.__table__.alias("presence_theirs")


def presence_visible_to(viewer_id: int | None, user_ids: Iterable[int]) -> set[int]:
    """Those of `user_ids` whose online status `viewer_id` may see: themself, their chat partners and
    their friends.

    The one rule for presence, in REST (profiles, lists) as on the socket (whose `presence` events go to
    the same chat partners and friends, app/sockets/connection.py and app/sockets/social.py).
    """
    ids = set(user_ids)
    if viewer_id is None or not ids:
        return set()
    visible = {viewer_id} & ids
    others = ids - visible
    if others:
        rows = db.session.execute(
            select(_THEIRS.c.user_id)
            .distinct()
            .join(_MINE, _MINE.c.chat_id == _THEIRS.c.chat_id)
            .where(_MINE.c.user_id == viewer_id, _THEIRS.c.user_id.in_(others))
        ).scalars()
        visible.update(rows)
    rest = others - visible
    if rest:
        f = Friendship.__table__.c
        friends = db.session.execute(
            union_all(
                select(f.user_high).where(f.user_low == viewer_id, f.status == "friends", f.user_high.in_(rest)),
                select(f.user_low).where(f.user_high == viewer_id, f.status == "friends", f.user_low.in_(rest)),
            )
        ).scalars()
        visible.update(friends)
    return visible


def can_see_presence(viewer_id: int | None, user_id: int) -> bool:
    """Whether `viewer_id` may see if `user_id` is online (see presence_visible_to)."""
    return user_id in presence_visible_to(viewer_id, [user_id])


# ----- music (issue 15): tracks are seen by every signed-in user; playlists by their owner unless public -----


def access_track(user_id: int, track_id: int, edit: bool = False) -> Track:
    """A track (any signed-in user sees it); with edit=True only its uploader passes. NotFound/Forbidden."""
    track = db.session.get(Track, track_id)
    if track is None:
        raise NotFound("No such track.")
    if edit and track.uploader_id != user_id:
        raise Forbidden("Only the uploader may change or delete this track.", {"reason": "not_the_uploader"})
    return track


def access_playlist(user_id: int, playlist_id: int, edit: bool = False) -> Playlist:
    """A playlist the caller may see (theirs, or public); with edit=True only its owner passes.

    Another person's private playlist is NotFound, so its existence does not leak; a public one that
    someone else tries to change is Forbidden.
    """
    playlist = db.session.get(Playlist, playlist_id)
    if playlist is None or (playlist.owner_id != user_id and not playlist.public):
        raise NotFound("No such playlist.")
    if edit and playlist.owner_id != user_id:
        raise Forbidden("Only the owner may change this playlist.", {"reason": "not_the_owner"})
    return playlist
