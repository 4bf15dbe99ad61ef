"""The README's examples work as written: its "Try it with curl" block is run by bash, unchanged but for
BASE, against a live server, and every answer's status is checked, then what the block did is read back."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from PIL import Image

from tests.conftest import LiveServer

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(shutil.which("curl") is None or shutil.which("bash") is None, reason="needs curl and bash"),
]

# The statuses of the block's curl commands, in order: sign-up, log-in, profile edit, profile read, avatar,
# city suggestions, catalogue filter, a too-short password, a password reset, log-out.
EXPECTED = [201, 200, 200, 200, 200, 200, 200, 422, 202, 204]


def curl_block() -> str:
    """The first ```sh block under "## Try it with curl"."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Try it with curl", 1)[1]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match, "no sh block under 'Try it with curl'"
    return match.group(1)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("readme")).start()
    yield server
    server.stop()


def test_the_block_is_what_a_reader_would_paste():
    block = curl_block()
    assert block.startswith("BASE=http://127.0.0.1:5000\n")  # `make run`'s address
    assert block.count("curl ") == len(EXPECTED)


def test_readme_curl_examples_work_as_written(server, tmp_path):
    # The one change: BASE points at the test's server instead of `make run`'s.
    script = curl_block().replace("BASE=http://127.0.0.1:5000", f"BASE={server.url}", 1)
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 40)).save(buf, "JPEG")
    (tmp_path / "photo.jpg").write_bytes(buf.getvalue())
    # Every curl also writes its status to stderr (curl's own %{stderr}), leaving stdout as the reader sees it.
    prologue = "curl() { command curl -w '%{stderr}STATUS %{http_code}\\n' \"$@\"; }\n"
    run = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", prologue + script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, (run.stdout[-2000:], run.stderr[-2000:])
    statuses = [int(s) for s in re.findall(r"STATUS (\d{3})", run.stderr)]
    assert statuses == EXPECTED, (statuses, run.stdout[-3000:])

    # What the block did, read back: the profile it edited (Tbilisi found in the city list) and the avatar.
    login = requests.post(
        server.url + "/api/auth/login", json={"login": "ann", "password": "correct-horse-9"}, timeout=10
    )
    me = requests.get(
        server.url + "/api/users/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"}, timeout=10
    ).json()
    assert me["display_name"] == "Ann the Plumber" and me["bio"] == "Pipes and taps."
    assert me["city"] == "Тбилиси"
    assert me["avatar_url"]
    # The suggestion named Tbilisi in English; the short password was said once, with its code.
    assert '"name":"Tbilisi"' in run.stdout.replace(" ", "")
    assert '"code":"too_short"' in run.stdout.replace(" ", "") and "Value error" not in run.stdout
    # "A password reset mail goes to instance/outbox/*.eml when no MAIL_SERVER is set."
    outbox = server.tmp / "outbox"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not list(outbox.glob("*.eml")):
        time.sleep(0.05)
    assert len(list(outbox.glob("*.eml"))) == 1


def test_readme_bcrypt_measurement_runs_as_written(tmp_path):
    """The "Passwords" section's measurement, run by bash as written (`.venv/bin/python` is this interpreter).
    It prints one line per cost; the numbers themselves belong to the README's table, not to an assert."""
    text = README.read_text(encoding="utf-8").split("## Passwords", 1)[1]
    block = re.search(r"```sh\n(.*?)```", text, re.S).group(1)
    assert block.startswith(".venv/bin/python -c ")
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    python = tmp_path / ".venv" / "bin" / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    run = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    rounds = [int(r) for r in re.findall(r"^rounds=(\d+): median \d+ ms, min \d+ ms per hash$", run.stdout, re.M)]
    assert rounds == [10, 11, 12, 13], run.stdout
