"""The load tester at small scale against a live server, its counts checked against the stored history;
and the bulk seed command it relies on."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections import Counter

import pytest
import requests

from app.models import User
from app.security import check_password, decode_access_token
from loadtest.report import percentile
from loadtest.seed import synthetic_seed
from tests.conftest import ROOT, LiveServer, free_port


def test_seed_users_creates_users_chats_and_working_tokens(app, tmp_path):
    out = tmp_path / "seed.json"
    result = app.test_cli_runner().invoke(
        args=["seed-users", "--count", "12", "--room-size", "5", "--out", str(out), "--password", "pw-123456"]
    )
    assert result.exit_code == 0, result.output
    seed = json.loads(out.read_text())
    assert len(seed["users"]) == 12
    assert [len(c["member_ids"]) for c in seed["chats"]] == [5, 5, 2]
    with app.app_context():
        for user in seed["users"]:
            claims = decode_access_token(user["token"])
            assert claims.user_id == user["id"]
            assert any(user["id"] in c["member_ids"] and c["id"] == user["chat_id"] for c in seed["chats"])
        hashes = {u.password_hash for u in User.query.all()}
        assert len(hashes) == 1  # hashed once
        assert check_password("pw-123456", hashes.pop())


def test_seeded_user_can_send_to_their_chat(app, tmp_path, socket_client):
    out = tmp_path / "seed.json"
    app.test_cli_runner().invoke(args=["seed-users", "-n", "3", "-r", "3", "-o", str(out)])
    seed = json.loads(out.read_text())
    from tests.conftest import TestUser

    a, b = (TestUser(u["id"], u["username"], "", "", u["token"], "") for u in seed["users"][:2])
    ca, cb = socket_client(a), socket_client(b)
    ack = ca.emit("message:send", {"chat_id": seed["chats"][0]["id"], "body": "hi", "client_id": "c1"}, callback=True)
    assert ack["ok"], ack
    got = [m for m in cb.get_received() if m["name"] == "message:new"]
    assert got and got[0]["args"][0]["client_id"] == "c1"


def test_percentile_and_synthetic_seed():
    assert percentile([], 50) is None
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0
    assert percentile([float(i) for i in range(1, 101)], 99) == 99.0
    seed = synthetic_seed(25, 10)
    assert [len(c["member_ids"]) for c in seed["chats"]] == [10, 10, 5]


def test_loadtest_accepts_a_remote_server_and_says_so(capsys):
    """Any URL is accepted (staging servers); the tester notes that it is not this machine. Nothing connects."""
    from loadtest import setup
    from loadtest.cli import parse_args

    args = parse_args(["--url", "http://10.1.2.3:5000", "--users", "5", "--synthetic"])
    setup.announce(args)
    assert args.server_local is False
    assert "http://10.1.2.3:5000 is not on this machine" in capsys.readouterr().err
    args = parse_args(["--url", "http://127.0.0.1:5000", "--users", "5", "--synthetic"])
    setup.announce(args)
    assert args.server_local is True and capsys.readouterr().err == ""


@pytest.mark.live
def test_loadtest_counts_match_the_servers_history(tmp_path):
    server = LiveServer(tmp_path, extra_env={"RATE_LIMITS": "off"}).start()
    out = tmp_path / "lt.json"
    try:
        cmd = [sys.executable, "-m", "loadtest", "--url", server.url, "--users", "50", "--room-size", "5"]
        cmd += ["--rate", "10", "--duration", "3", "--procs", "2", "--grace", "15"]
        cmd += ["--json", str(out), "--details", "--quiet"]
        cmd += ["--db", server.env["DATABASE_URL"], "--app-dir", str(ROOT), "--server-pid", str(server.proc.pid)]
        proc = subprocess.run(cmd, cwd=ROOT, env=server.env, capture_output=True, text=True, timeout=90)
        assert proc.returncode == 0, proc.stderr[-3000:]
    finally:
        server.stop()
    result = json.loads(out.read_text())
    summary = {k: v for k, v in result.items() if k != "messages"}
    assert "latency p99 (ms)" in proc.stdout
    assert result["users"] == 50 and result["connected"] == 50, summary
    assert result["sent"] == 30 and result["acked"] == 30, summary
    assert result["expected"] == 30 * 4, summary
    assert result["delivered"] == result["expected"], summary
    assert result["lost"] == 0 and result["duplicates"] == 0 and result["out_of_order"] == 0, summary
    assert result["p50_ms"] is not None and result["p99_ms"] >= result["p50_ms"]
    assert result["server_rss_mb"] and out.with_suffix(".png").stat().st_size > 0

    db = sqlite3.connect(tmp_path / "live.db")
    rows = db.execute(
        "SELECT client_id, chat_id, seq, sender_id FROM messages WHERE client_id LIKE ?", (result["tag"] + "%",)
    ).fetchall()
    stored = Counter(r[0] for r in rows)
    delivered = [m for m in result["messages"] if m["deliveries"] > 0]
    assert len(delivered) == 30
    for m in delivered:
        assert stored[m["client_id"]] == 1, m  # stored exactly once
    by_id = {r[0]: r for r in rows}
    for m in result["messages"]:
        assert by_id[m["client_id"]][1:] == (m["chat_id"], m["seq"], m["sender_id"])
    per_chat: dict[int, list[int]] = {}
    for _cid, chat_id, seq, _sender in rows:
        per_chat.setdefault(chat_id, []).append(seq)
    for seqs in per_chat.values():
        assert sorted(seqs) == list(range(1, len(seqs) + 1))  # gapless, no repeats


@pytest.mark.live
def test_bare_relay_relays_to_the_room_with_python_socketio_clients(tmp_path):
    port = free_port()
    env = {**os.environ, "ASYNC_MODE": "eventlet", "PORT": str(port), "HOST": "127.0.0.1"}
    relay = subprocess.Popen([sys.executable, str(ROOT / "bench" / "relay.py")], cwd=ROOT, env=env)
    out = tmp_path / "relay.json"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "relay did not start"
                time.sleep(0.1)
        cmd = [sys.executable, "-m", "loadtest", "--url", f"http://127.0.0.1:{port}", "--users", "20"]
        cmd += ["--room-size", "4", "--rate", "10", "--duration", "2", "--procs", "1", "--synthetic"]
        cmd += ["--client", "socketio", "--json", str(out), "--no-plot", "--quiet"]
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr[-3000:]
    finally:
        relay.terminate()
        relay.wait(10)
    result = json.loads(out.read_text())
    assert result["connected"] == 20 and result["sent"] == 20 and result["acked"] == 20
    assert result["delivered"] == result["expected"] == 20 * 3
    assert result["lost"] == 0 and result["duplicates"] == 0 and result["out_of_order"] == 0
