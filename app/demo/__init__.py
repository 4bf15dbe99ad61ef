"""`flask demo` / `make demo`: a living demo, built through the same services as the app.

The demo is a list of **parts**, run in order, each adding its share to a shared `DemoContext`
(who was created, and which logins to print). The accounts, the marketplace and the messenger are
parts here; a new domain (the social network, music) adds its own part in its own module:

    from app.demo.parts import DemoContext, demo_part

    @demo_part("social", after="messenger")
    def social(ctx: DemoContext) -> None:
        ann = ctx.user("anna")  # the people of the accounts part
        ...

and is imported in `PART_MODULES` below. Every part writes through the services (sign-up, master
cards, requests, offers, orders, reviews, chats, messages), so the demo shows what the app really
does and breaks loudly when the app changes underneath it.
"""

from __future__ import annotations

import importlib
import time

import click
from flask.cli import with_appcontext

from app.demo.parts import DEMO_PASSWORD, PARTS, DemoContext, DemoPart, demo_part, order_parts

__all__ = ["DEMO_PASSWORD", "PARTS", "DemoContext", "DemoPart", "demo_part"]

# Modules that declare parts (imported before a run); add yours here.
PART_MODULES = ["app.demo.people", "app.demo.market", "app.demo.messenger", "app.demo.social", "app.demo.music"]


def load_parts() -> list[DemoPart]:
    """Import every module of PART_MODULES (registering their parts) and return the parts in order."""
    for module in PART_MODULES:
        importlib.import_module(module)
    return order_parts(PART_MODULES)


def already_seeded() -> bool:
    """True when the demo's first user exists (the demo runs once per database)."""
    from sqlalchemy import select

    from app.demo.people import FIRST_USERNAME
    from app.extensions import db
    from app.models import User

    return db.session.scalar(select(User.id).where(User.username_lower == FIRST_USERNAME)) is not None


def run_demo(password: str = DEMO_PASSWORD, only: list[str] | None = None) -> DemoContext:
    """Run every part (or those named in `only`) and return the context."""
    ctx = DemoContext(password=password)
    for part in load_parts():
        if only and part.name not in only:
            continue
        part.run(ctx)
    return ctx


def is_empty() -> bool:
    """True when nobody has signed up yet (wsgi.py then suggests `make demo`)."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import User

    return not db.session.scalar(select(func.count(User.id)))


@click.command("demo")
@click.option("--password", default=DEMO_PASSWORD, show_default=True, help="Every demo account's password.")
@with_appcontext
def demo_command(password: str) -> None:
    """Fill the app with a believable marketplace and messenger in Russian and English; print logins."""
    from flask import current_app

    if already_seeded():
        click.echo("The demo is already here.")
    else:
        started = time.monotonic()
        ctx = run_demo(password)
        made = ", ".join(f"{n} {what}" for what, n in ctx.counts.items())
        click.echo(f"Demo ready in {time.monotonic() - started:.0f} s: {made}.")
        _print_logins(ctx.logins, password, current_app.config["PUBLIC_URL"])
        return
    from app.demo.people import LOGINS

    _print_logins(LOGINS, password, current_app.config["PUBLIC_URL"])


def _print_logins(logins: list[tuple[str, str]], password: str, url: str) -> None:
    click.echo(f"\nOpen {url} and log in (password for everyone: {password}):")
    width = max(len(name) for name, _ in logins)
    for name, what in logins:
        click.echo(f"  {name.ljust(width)}  {what}")
