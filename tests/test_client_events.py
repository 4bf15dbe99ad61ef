"""The client's list of server events is the server's (issue 11).

events.js keeps the events it listens to in one exported constant, SERVER_EVENTS; this test
reads it from the file (no browser) and compares it with app.events.SERVER_EVENTS, so an event
added, renamed or dropped on one side fails here until the other side follows.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from app.events import SERVER_EVENTS

EVENTS_JS = Path(__file__).resolve().parent.parent / "app" / "static" / "js" / "events.js"


def client_events() -> list[str]:
    """The string literals of `export const SERVER_EVENTS = [...]` in events.js."""
    text = EVENTS_JS.read_text(encoding="utf-8")
    match = re.search(r"export const SERVER_EVENTS = \[(.*?)\];", text, re.DOTALL)
    assert match, "events.js must export `const SERVER_EVENTS = [...]`"
    body = re.sub(r"//[^\n]*", "", match.group(1))
    return json.loads("[" + body.strip().rstrip(",") + "]")


def test_client_listens_to_exactly_the_events_the_server_can_emit():
    client = client_events()
    assert len(client) == len(set(client)), "an event is listed twice in events.js"
    assert set(client) == set(SERVER_EVENTS), (
        f"only in events.js: {sorted(set(client) - set(SERVER_EVENTS))}; "
        f"only on the server: {sorted(set(SERVER_EVENTS) - set(client))}"
    )
