"""`flask --app wsgi:app ...` commands run as an operator types them: no monkey patching, no warnings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def flask_cli(tmp: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 120):
    """Run `python -m flask --app wsgi:app ARGS` against the instance folder `tmp` (a SQLite database there)."""
    base = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL", "PORT")}
    full = {
        **base,
        "APP_ENV": "development",
        "ASYNC_MODE": "eventlet",  # what `make run` uses: commands must still not patch anything
        "INSTANCE_PATH": str(tmp),
        "DATABASE_URL": f"sqlite:///{tmp / 'app.db'}",
        "BCRYPT_ROUNDS": "4",
        "PYTHONWARNINGS": "default",  # show every warning, as a developer's shell would
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi:app", *args],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_quiet(run: subprocess.CompletedProcess) -> None:
    """Exit 0 and nothing about monkey patching, tracebacks or warnings on stderr."""
    assert run.returncode == 0, run.stdout + run.stderr
    for noise in ("Traceback", "monkey", "Warning", "deprecated"):
        assert noise not in run.stderr, run.stderr


def test_migrate_and_seed_users_run_without_monkey_patching_or_warnings(tmp_path):
    assert_quiet(flask_cli(tmp_path, "db", "upgrade"))
    out = tmp_path / "seed.json"
    run = flask_cli(tmp_path, "seed-users", "-n", "3", "-r", "3", "-o", str(out))
    assert_quiet(run)
    seed = json.loads(out.read_text())
    assert len(seed["users"]) == 3 and len(seed["chats"]) == 1
    assert "seeded 3 users" in run.stdout
