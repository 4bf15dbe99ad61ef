"""Flask CLI commands (`flask --app wsgi:app <command>`)."""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path

import bcrypt
import click
from flask import Flask, current_app
from flask.cli import with_appcontext


def register(app: Flask) -> None:
    """Attach the project's CLI commands to the app."""
    app.cli.add_command(seed_users)
    from app.services.market_seed import seed_market_command

    app.cli.add_command(seed_market_command)
    from app.demo import demo_command

    app.cli.add_command(demo_command)
    from app.admin_cli import admin_cli

    app.cli.add_command(admin_cli)
    from app.backup import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    from app.services.social_seed import seed_social_command

    app.cli.add_command(seed_social_command)


@click.command("seed-users")
@click.option("--count", "-n", type=int, required=True, help="How many users to create.")
@click.option("--room-size", "-r", type=int, default=10, show_default=True, help="Members per group chat (0: none).")
@click.option("--out", "-o", type=click.Path(dir_okay=False), required=True, help="JSON file for the load tester.")
@click.option("--prefix", default=None, help="Username prefix (default: lt<random>, so runs never collide).")
@click.option("--password", default="loadtest-password", show_default=True, help="Everyone's password.")
@click.option("--token-ttl", type=int, default=6 * 3600, show_default=True, help="Access token lifetime, s.")
@with_appcontext
def seed_users(count: int, room_size: int, out: str, prefix: str | None, password: str, token_ttl: int) -> None:
    """Bulk-create COUNT users in group chats of ROOM_SIZE, with access tokens, for the load tester."""
    if count < 1 or count > 200_000:
        raise click.BadParameter("count must be between 1 and 200000", param_hint="--count")
    started = time.monotonic()
    seed = bulk_seed(count, room_size, prefix or f"lt{secrets.token_hex(3)}", password, token_ttl)
    Path(out).write_text(json.dumps(seed))
    took = time.monotonic() - started
    click.echo(f"seeded {len(seed['users'])} users in {len(seed['chats'])} chats in {took:.1f} s -> {out}")


def bulk_seed(count: int, room_size: int, prefix: str, password: str, token_ttl: int) -> dict:
    """Insert users, login sessions and group chats with executemany; return the load tester's seed dict.

    The password is hashed once (bcrypt at the configured cost) and shared by every user;
    access tokens are minted for one fresh login session per user.
    """
    from sqlalchemy import insert, select

    from app.db import write_tx
    from app.extensions import db
    from app.models import AuthSession, User
    from app.models.base import utcnow
    from app.security import make_access_token

    rounds = current_app.config["BCRYPT_ROUNDS"]
    password_hash = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode("ascii")
    now = utcnow()
    tag = f"seed:{prefix}"
    rows = [
        {
            "email": f"{prefix}_{i}@loadtest.invalid",
            "username": f"{prefix}_{i}",
            "username_lower": f"{prefix}_{i}".lower(),
            "password_hash": password_hash,
            "display_name": f"{prefix}_{i}",
            "created_at": now,
            "password_changed_at": now,
        }
        for i in range(count)
    ]
    with write_tx() as session:
        session.execute(insert(User), rows)
        users = session.execute(
            select(User.id, User.username).where(User.username_lower.like(f"{prefix.lower()}\\_%", escape="\\"))
        ).all()
        user_ids = [uid for uid, _ in sorted(users)]
        session.execute(
            insert(AuthSession),
            [{"user_id": uid, "user_agent": tag, "created_at": now, "last_used_at": now} for uid in user_ids],
        )
        sessions = dict(
            session.execute(select(AuthSession.user_id, AuthSession.id).where(AuthSession.user_agent == tag)).all()
        )
        chats = _seed_chats(session, user_ids, room_size, prefix, now) if room_size > 1 else []
    db.session.remove()

    names = dict(users)
    chat_of = {uid: chat["id"] for chat in chats for uid in chat["member_ids"]}
    saved_ttl = current_app.config["ACCESS_TOKEN_TTL"]
    current_app.config["ACCESS_TOKEN_TTL"] = token_ttl
    try:
        seeded = [
            {
                "id": uid,
                "username": names[uid],
                "token": make_access_token(uid, sessions[uid]),
                "chat_id": chat_of.get(uid),
            }
            for uid in user_ids
        ]
    finally:
        current_app.config["ACCESS_TOKEN_TTL"] = saved_ttl
    return {
        "prefix": prefix,
        "password": password,
        "room_size": room_size,
        "token_expires_at": int(time.time()) + token_ttl,
        "users": seeded,
        "chats": chats,
    }


def _seed_chats(session, user_ids: list[int], room_size: int, prefix: str, now) -> list[dict]:
    """Group chats of `room_size` consecutive users (the last may be smaller); [] without the messenger."""
    try:
        from app.models.chat import Chat, ChatMember
    except ImportError:
        current_app.logger.warning("no messenger models (app.models.chat): users seeded without chats")
        return []
    from sqlalchemy import insert, select

    groups = [user_ids[i : i + room_size] for i in range(0, len(user_ids), room_size)]
    names = [f"{prefix} room {n}" for n in range(len(groups))]
    chat_cols = {c.name for c in Chat.__table__.columns}
    chat_rows = []
    for name, members in zip(names, groups, strict=True):
        row = {"type": "group", "name": name}
        for col, value in (
            ("created_by", members[0]),
            ("owner_id", members[0]),
            ("created_at", now),
            ("updated_at", now),
            ("last_activity_at", now),
        ):
            if col in chat_cols:
                row[col] = value
        chat_rows.append(row)
    session.execute(insert(Chat), chat_rows)
    ids = dict(session.execute(select(Chat.name, Chat.id).where(Chat.name.like(f"{prefix} room %"))).all())
    member_cols = {c.name for c in ChatMember.__table__.columns}
    member_rows = []
    chats = []
    for name, members in zip(names, groups, strict=True):
        chat_id = ids[name]
        chats.append({"id": chat_id, "member_ids": members})
        for n, uid in enumerate(members):
            row = {"chat_id": chat_id, "user_id": uid, "role": "owner" if n == 0 else "member"}
            if "joined_at" in member_cols:
                row["joined_at"] = now
            member_rows.append(row)
    session.execute(insert(ChatMember), member_rows)
    return chats
