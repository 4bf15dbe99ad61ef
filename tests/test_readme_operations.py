"""README's "Operations" section, run as written: health checks, admin commands, backups, pg_dump.

Every shell line of the section's ```sh blocks runs (with `.venv/bin/` pointing at this interpreter,
http://127.0.0.1:5000 at a live server, PostgreSQL's $DATABASE_URL at a fresh database), except the
one that starts a server in the foreground (LOG_FORMAT=json ... wsgi.py), which the log tests cover.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import requests

from tests.conftest import ROOT, LiveServer
from tests.services_fixtures import _unavailable, drop_postgres, start_postgres


def readme_commands() -> list[str]:
    """The shell lines of README's "## Operations" section, in order."""
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Operations\n", 1)[1].split("\n## ", 1)[0]
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", section, flags=re.S):
        lines += [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    return lines


def _run(line: str, cwd, env, stdin: str | None = None) -> subprocess.CompletedProcess:
    tools = {"flask": f"{sys.executable} -m flask", "python": sys.executable}
    line = re.sub(r"(?<![\w/])\.venv/bin/(flask|python)\b", lambda m: tools[m.group(1)], line)
    return subprocess.run(
        ["bash", "-c", f"set -o pipefail; {line}"],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_operations_section_runs_as_written(tmp_path):
    lines = readme_commands()
    assert any("healthz" in line for line in lines) and any("pg_dump" in line for line in lines)
    (tmp_path / "instance").mkdir()
    server = LiveServer(tmp_path / "instance").start()
    env = {**server.env, "PYTHONPATH": str(ROOT)}
    env.pop("PORT")
    work = tmp_path / "work"
    work.mkdir()
    postgres_url = None
    try:
        server.signup("troll")
        for line in lines:
            if "wsgi.py" in line:
                continue  # a server in the foreground: tests/test_logs.py runs it with LOG_FORMAT=json
            if "restore" in line and "flask" in line:
                server.stop()  # README: restore with the server stopped
            if ("pg_dump" in line or "pg_restore" in line) and postgres_url is None:
                if not shutil.which("pg_dump"):
                    _unavailable("pg_dump is not installed (apt-get install postgresql-client)")
                postgres_url = start_postgres()
                env = {**env, "DATABASE_URL": postgres_url}
                assert _run(".venv/bin/flask --app wsgi:app db upgrade", work, env).returncode == 0
            line = line.replace("http://127.0.0.1:5000", server.url)
            stdin = "root-pass-123\nroot-pass-123\n" if "admin create" in line else None
            done = _run(line, work, env, stdin)
            assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
            if "/healthz" in line:
                assert json.loads(done.stdout) == {"status": "ok"}
            if "/readyz" in line:
                assert json.loads(done.stdout) == {"status": "ok", "checks": {"database": "ok", "schema": "ok"}}
            if "admin ban" in line:
                login = {"login": "troll", "password": "correct-horse-9"}
                assert requests.post(server.url + "/api/auth/login", json=login, timeout=10).status_code == 403
            if "admin audit" in line:
                assert "ban" in done.stdout and "delete_user" in done.stdout
        assert (work / "backups" / "masterchat.tar.gz").exists() and (work / "masterchat.dump").exists()
    finally:
        server.stop()
        if postgres_url:
            drop_postgres(postgres_url)
