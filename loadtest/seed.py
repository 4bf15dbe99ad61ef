"""Where the tester's users come from: the app's bulk seed command, a saved seed file, or made up (relay)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def load_seed(path: str | Path) -> dict:
    """Read a seed JSON written by `flask seed-users`."""
    seed = json.loads(Path(path).read_text())
    if not seed.get("users"):
        raise SystemExit(f"{path}: no users in the seed file")
    return seed


def run_seed_command(app_dir: str, db_url: str | None, users: int, room_size: int, python: str | None = None) -> dict:
    """Run `flask --app wsgi:app seed-users` in app_dir against db_url and return its seed.

    The command runs with this process's environment (plus DATABASE_URL when given): the server's
    SECRET_KEY (or INSTANCE_PATH holding instance/secret_key) must be the same, or the tokens it
    mints are refused at connect.
    """
    app_path = Path(app_dir).resolve()
    if python is None:
        venv = app_path / ".venv" / "bin" / "python"
        python = str(venv) if venv.exists() else sys.executable
    env = {**os.environ, "ASYNC_MODE": "threading", "FLASK_APP": "wsgi:app"}
    if db_url:
        env["DATABASE_URL"] = db_url
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "seed.json"
        cmd = [python, "-m", "flask", "--app", "wsgi:app", "seed-users"]
        cmd += ["--count", str(users), "--room-size", str(room_size), "--out", str(out)]
        proc = subprocess.run(cmd, cwd=app_path, env=env, capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            raise SystemExit(f"seed command failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
        return load_seed(out)


def synthetic_seed(users: int, room_size: int) -> dict:
    """Users 1..N in rooms of room_size with dummy tokens: for the bare relay, which checks nothing."""
    room_size = max(1, room_size)
    seeded, chats = [], []
    for start in range(0, users, room_size):
        chat_id = start // room_size + 1
        members = list(range(start + 1, min(users, start + room_size) + 1))
        chats.append({"id": chat_id, "member_ids": members})
        seeded += [{"id": uid, "username": f"u{uid}", "token": "relay", "chat_id": chat_id} for uid in members]
    return {"prefix": "synthetic", "room_size": room_size, "users": seeded, "chats": chats}
