"""The demo's parts registry and shared context (app/demo/__init__.py runs them).

Kept apart from the package's runner so a part module imports this, and the runner imports the
parts, without an import circle (tests/test_import_cycles.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DEMO_PASSWORD = "masterchat-demo"


@dataclass
class DemoContext:
    """What the parts share: the password, the users by username, and the logins worth trying."""

    password: str = DEMO_PASSWORD
    users: dict[str, Any] = field(default_factory=dict)  # username -> User
    lang: dict[str, str] = field(default_factory=dict)  # username -> "ru" | "en"
    logins: list[tuple[str, str]] = field(default_factory=list)  # (username, what to try as them)
    counts: dict[str, int] = field(default_factory=dict)

    def user(self, username: str) -> Any:
        """A demo user made by an earlier part (KeyError if none)."""
        return self.users[username]

    def count(self, what: str, n: int = 1) -> None:
        """Tally something made, for the summary line."""
        self.counts[what] = self.counts.get(what, 0) + n


@dataclass
class DemoPart:
    name: str
    run: Callable[[DemoContext], None]
    after: str | None = None
    module: str = ""


PARTS: list[DemoPart] = []


def demo_part(name: str, after: str | None = None) -> Callable[[Callable[[DemoContext], None]], Callable]:
    """Register `fn(ctx)` as a demo part, at the end or right after the part named `after`."""

    def decorator(fn: Callable[[DemoContext], None]) -> Callable[[DemoContext], None]:
        if any(p.name == name for p in PARTS):
            return fn
        part = DemoPart(name, fn, after, fn.__module__)
        names = [p.name for p in PARTS]
        PARTS.insert(names.index(after) + 1 if after in names else len(PARTS), part)
        return fn

    return decorator


def order_parts(modules: list[str]) -> list[DemoPart]:
    """PARTS in run order, whatever order their modules were imported in: parts without `after` in the
    order of `modules` (others last), then each part with `after` right behind the part it names."""
    rank = {m: i for i, m in enumerate(modules)}
    by_module = sorted(PARTS, key=lambda p: rank.get(p.module, len(rank)))
    order = [p for p in by_module if p.after is None]
    waiting = [p for p in by_module if p.after is not None]
    while waiting:
        placed = [p for p in waiting if p.after in [q.name for q in order]]
        if not placed:  # names a part that does not exist: at the end
            order.extend(waiting)
            break
        for p in placed:
            names = [q.name for q in order]
            at = names.index(p.after) + 1
            while at < len(order) and order[at].after == p.after:  # keep parts naming the same one in order
                at += 1
            order.insert(at, p)
            waiting.remove(p)
    PARTS[:] = order
    return list(PARTS)
