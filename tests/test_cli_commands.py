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


def test_make_run_installs_only_what_serving_needs_and_make_test_adds_the_tools():
    """`make run` installs requirements.txt only (no Playwright, matplotlib, py-spy); `make test` adds the rest."""
    run = subprocess.run(["make", "-n", "-B", "run"], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    assert "pip install --disable-pip-version-check -q -r requirements.txt" in run.stdout
    assert "requirements-dev.txt" not in run.stdout
    test = subprocess.run(["make", "-n", "-B", "test"], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert "-r requirements-dev.txt" in test.stdout and test.stdout.index("requirements.txt") < test.stdout.index(
        "requirements-dev.txt"
    )
    runtime = (ROOT / "requirements.txt").read_text().lower()
    for tool in ("playwright", "matplotlib", "numpy", "py-spy", "pytest"):
        assert f"\n{tool}==" not in runtime
