"""`flask admin ...`: site administration from the command line (the same service as /api/admin).

    flask --app wsgi:app admin create ADMIN --email admin@example.com   # asks for the password
    flask --app wsgi:app admin ban USER --reason "spam"
    flask --app wsgi:app admin unban USER
    flask --app wsgi:app admin revoke-sessions USER
    flask --app wsgi:app admin delete-user USER --yes
    flask --app wsgi:app admin audit
    flask --app wsgi:app admin reports [--status all]
    flask --app wsgi:app admin report REPORT_ID dismiss|delete|ban [--reason "spam"]

USER is an id, a username or an email. Every action is written to the audit log with the actor
"cli:<os user>"; a running server closes the affected sockets within 2 s (app/services/admin.py).
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from typing import Any

import click
from flask.cli import AppGroup

from app.errors import DomainError

admin_cli = AppGroup("admin", help="Site administration: admins, bans, sessions, account deletion, audit log.")


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


def _run(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except DomainError as err:
        raise click.ClickException(err.message) from None


@admin_cli.command("create")
@click.argument("username")
@click.option("--email", help="Email of a new account (not needed to promote an existing user).")
@click.option("--password", help="Password of a new account (asked for when missing).")
def create(username: str, email: str | None, password: str | None) -> None:
    """Make USERNAME a site administrator, creating the account if needed."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import User
    from app.services import admin

    exists = db.session.scalar(select(User.id).where(User.username_lower == username.lower())) is not None
    if not exists and not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user, created = _run(lambda: admin.create_admin(username, email, password, _actor()))
    click.echo(f"{'created' if created else 'promoted'} site admin {user.username} (id {user.id})")


@admin_cli.command("ban")
@click.argument("user")
@click.option("--reason", default="", help="Why (shown to the admins and to the user at login).")
def ban(user: str, reason: str) -> None:
    """Ban USER: sessions revoked, sockets closed, login refused, master card hidden."""
    from app.services import admin

    out = _run(lambda: admin.ban(_actor(), None, admin.find_user(user).id, reason))
    click.echo(f"banned {out['username']} (id {out['id']}); their sockets close within 2 s")


@admin_cli.command("unban")
@click.argument("user")
def unban(user: str) -> None:
    """Lift USER's ban."""
    from app.services import admin

    out = _run(lambda: admin.unban(_actor(), None, admin.find_user(user).id))
    click.echo(f"unbanned {out['username']} (id {out['id']})")


@admin_cli.command("revoke-sessions")
@click.argument("user")
def revoke_sessions(user: str) -> None:
    """End every login session of USER (they must log in again)."""
    from app.services import admin

    target = _run(lambda: admin.find_user(user))
    count = _run(lambda: admin.revoke_sessions(_actor(), None, target.id))
    click.echo(f"revoked {count} session(s) of {target.username} (id {target.id})")


@admin_cli.command("delete-user")
@click.argument("user")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete_user(user: str, yes: bool) -> None:
    """Delete USER's account: personal data wiped, messages kept as "deleted account"."""
    from app.services import admin

    target = _run(lambda: admin.find_user(user))
    if not yes:
        click.confirm(f"Delete {target.username} (id {target.id})? This cannot be undone", abort=True)
    _run(lambda: admin.delete_user(_actor(), None, target.id))
    click.echo(f"deleted account {target.id}")


@admin_cli.command("audit")
@click.option("--limit", default=20, show_default=True)
def audit(limit: int) -> None:
    """Print the newest entries of the audit log."""
    from app.services import admin

    items, _ = admin.audit_log(limit, None)
    for item in items:
        details = " ".join(f"{k}={v}" for k, v in item["details"].items())
        click.echo(f"{item['created_at']}  {item['actor']:<24} {item['action']:<16} user={item['target_id']} {details}")


STATUSES = click.Choice(["open", "resolved", "dismissed", "all"])


@admin_cli.command("reports")
@click.option("--status", type=STATUSES, default="open", show_default=True)
@click.option("--limit", default=20, show_default=True)
def reports(status: str, limit: int) -> None:
    """Print the reports queue, newest first: what was reported, its author and the reporter."""
    from app.services import moderation

    items, _ = moderation.list_queue(None if status == "all" else status, limit, None)
    if not items:
        click.echo("no reports")
    for item in items:
        author = item["author"]["username"] if item["author"] else "-"
        reporter = item["reporter"]["username"] if item["reporter"] else "-"
        text = (item["content"]["text"] if item["content"] else "(gone)").replace("\n", " ")[:70]
        click.echo(
            f"#{item['id']:<5} {item['status']:<9} {item['target_type']:<7} {item['target_id']:<6} "
            f"by {author:<16} reported by {reporter:<16} {item['reason']:<10} {text}"
        )


@admin_cli.command("report")
@click.argument("report_id", type=int)
@click.argument("action", type=click.Choice(["dismiss", "delete", "ban"]))
@click.option("--reason", default="", help="The ban's reason (ban only).")
def report(report_id: int, action: str, reason: str) -> None:
    """Act on report REPORT_ID: dismiss it, delete the reported content, or ban its author."""
    from app.services import moderation

    out = _run(lambda: moderation.act(_actor(), None, report_id, action, reason))
    click.echo(f"report #{out['id']}: {action} done (status {out['status']})")
