"""The load tester as a tool (issue 18): thresholds, stages, churn, the marketplace, shards and merge,
compare. Live runs are small (tens of users, a few seconds) against one loopback server."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from loadtest import hist
from loadtest.combine import compare_text, merge_results
from loadtest.meta import is_local
from loadtest.report import percentile
from loadtest.scenario import load_scenario
from loadtest.seed import synthetic_seed
from loadtest.setup import shard
from tests.conftest import ROOT, LiveServer

PY = sys.executable


# ---------------------------------------------------------------- no server needed


def test_histogram_percentiles_are_close_and_merge_adds_up():
    a = [float(i) for i in range(1, 1001)]
    b = [float(i) * 3 for i in range(1, 501)]
    ha, hb = hist.from_values(a), hist.from_values(b)
    merged = hist.merge([ha, hb])
    assert hist.count(merged) == 1500
    exact = percentile(sorted(a + b), 99)
    assert abs(hist.percentile(merged, 99) - exact) / exact < 0.01
    # the average of the two p99s is not the p99 of both: merging must not do that
    avg = (percentile(sorted(a), 99) + percentile(sorted(b), 99)) / 2
    assert abs(avg - exact) / exact > 0.1


def test_scenario_file_errors_name_the_bad_key(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('scenario = "group"\n[[stages]]\nduration = 2\nrate = -3\n[[stages]]\nduraton = 1\n')
    with pytest.raises(SystemExit) as err:
        load_scenario(str(bad))
    text = str(err.value)
    assert "stages[0].rate" in text and "greater than or equal to 0" in text
    assert "stages[1].duraton" in text and "Extra inputs are not permitted" in text
    assert "stages[1].duration" in text and "Field required" in text
    (tmp_path / "t.toml").write_text("[thresholds]\nmax_p99 = 5\n")
    with pytest.raises(SystemExit, match=r"thresholds.*max_p99"):
        load_scenario(str(tmp_path / "t.toml"))


def test_a_run_that_cannot_be_made_exits_2_not_1(tmp_path):
    """1 is reserved for "a threshold did not hold", so CI can tell a slow server from a broken set-up."""
    bad = tmp_path / "bad.toml"
    bad.write_text("[[stages]]\nduration = 0\n")
    cmd = [PY, "-m", "loadtest", "--url", "http://127.0.0.1:9", "--users", "2", "--synthetic", "--scenario", str(bad)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "stages[0].duration: Input should be greater than 0" in proc.stderr


def test_shards_split_whole_rooms_and_cover_every_user():
    seed = synthetic_seed(47, 5)
    parts = [shard(seed, i, 3) for i in (1, 2, 3)]
    ids = [u["id"] for p in parts for u in p["users"]]
    assert sorted(ids) == sorted(u["id"] for u in seed["users"])
    for p in parts:
        mine = {u["id"] for u in p["users"]}
        assert all(set(c["member_ids"]) <= mine for c in p["chats"])


def test_remote_urls_are_recognised():
    assert is_local("http://127.0.0.1:5000") and is_local("http://localhost:1")
    assert not is_local("http://10.255.1.2:5000")


def test_compare_prints_each_figure_with_its_change():
    old = {"sent": 100, "lost": 0, "p99_ms": 50.0, "meta": {"git": {"commit": "aaa"}}}
    new = {"sent": 100, "lost": 3, "p99_ms": 75.0, "meta": {"git": {"commit": "bbb"}}}
    old["stages"] = [{"name": "ramp", "expected": 10, "lost": 0, "p99_ms": 5.0}]
    new["stages"] = [{"name": "ramp", "expected": 10, "lost": 2, "p99_ms": 9.0}]
    text = compare_text(old, new)
    assert next(line for line in text.splitlines() if line.startswith("stage 1 (ramp): lost")).endswith("+2")
    assert "latency p99 (ms)" in text and "+25 (+50.0%)" in text
    assert next(line for line in text.splitlines() if line.startswith("lost")).endswith("+3")
    assert "git commit: aaa | bbb   <- differs" in text


# ---------------------------------------------------------------- live, one server for the module


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lt")
    srv = LiveServer(tmp, extra_env={"RATE_LIMITS": "off"}).start()
    srv.tmp = tmp
    yield srv
    srv.stop()


def seed_users(server, n: int, room: int, name: str) -> str:
    out = server.tmp / f"{name}.json"
    env = {**server.env, "ASYNC_MODE": "threading"}
    cmd = [PY, "-m", "flask", "--app", "wsgi:app", "seed-users", "-n", str(n), "-r", str(room), "-o", str(out)]
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    return str(out)


def loadtest(server, seed: str, users: int, out, *extra: str, background: bool = False):
    cmd = [PY, "-m", "loadtest", "--url", server.url, "--users", str(users), "--seed-file", seed, "--procs", "1"]
    cmd += ["--json", str(out), "--no-plot", "--grace", "5", "--server-pid", str(server.proc.pid), *extra]
    if background:
        return subprocess.Popen(
            cmd, cwd=ROOT, env=server.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
    return subprocess.run(cmd, cwd=ROOT, env=server.env, capture_output=True, text=True, timeout=120)


@pytest.mark.live
def test_a_failing_threshold_exits_non_zero_and_says_why(server, tmp_path):
    seed = seed_users(server, 10, 5, "thr")
    out = tmp_path / "r.json"
    proc = loadtest(server, seed, 10, out, "--rate", "5", "--duration", "1", "--max-p99-ms", "0.001", "--max-lost", "0")
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "FAILED  --max-p99-ms: delivery latency p99" in proc.stdout
    assert "held    --max-lost: lost deliveries 0 <= 0" in proc.stdout
    assert "RESULT: FAIL (1/2 held)" in proc.stdout
    assert "FAILED: delivery latency p99" in proc.stderr and "> 0.001 ms" in proc.stderr
    result = json.loads(out.read_text())
    assert [c["held"] for c in result["thresholds"]] == [False, True]
    assert result["meta"]["git"]["commit"] and result["meta"]["machine"]["nproc"]
    assert result["meta"]["server"]["async_mode"] == "eventlet" and result["meta"]["server_local"] is True
    # the same limits from a file, and passing ones: exit 0
    limits = tmp_path / "limits.toml"
    limits.write_text("[thresholds]\nmax_p99_ms = 60000\nmax_lost = 0\nmax_ack_errors = 0\n")
    proc = loadtest(server, seed, 10, out, "--rate", "5", "--duration", "1", "--thresholds", str(limits))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "RESULT: PASS (3/3 held)" in proc.stdout


@pytest.mark.live
def test_staged_run_reports_each_stage(server, tmp_path):
    seed = seed_users(server, 20, 5, "stages")
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        "room_size = 5\n"
        '[[stages]]\nname = "slow"\nduration = 2\nusers = 10\nrate = 4\n'
        '[[stages]]\nname = "fast"\nduration = 2\nusers = 20\nrate = 12\nmix = { send = 3, typing = 1, read = 1 }\n'
        '[[stages]]\nname = "signals"\nduration = 1\nrate = 6\nmix = { typing = 1 }\n'
    )
    out = tmp_path / "r.json"
    proc = loadtest(server, seed, 20, out, "--scenario", str(scenario), "--max-lost", "0")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())
    slow, fast, signals = result["stages"]
    assert (slow["name"], fast["name"]) == ("slow", "fast")
    assert "slow" in proc.stdout and "fast" in proc.stdout
    assert 5 <= slow["sent"] <= 10  # 4/s for 2 s (every action a send)
    assert fast["sent"] + fast.get("ack_errors", 0) < 24  # 12/s for 2 s, part of them typing and read marks
    assert slow["sent"] + fast["sent"] == result["sent"] and signals["sent"] == 0
    assert slow["lost"] == fast["lost"] == 0 and slow["expected"] == slow["delivered"] > 0
    assert result["connected"] == 20  # ramped from 10 to 20 during the second stage
    steps = result["scenario_figures"]
    assert signals["typing_sent"] >= 3 and signals["typing_expected"] == signals["typing_delivered"] > 0
    assert steps["typing"]["expected"] > 0 and steps["typing"]["lost"] == 0
    assert steps["message"]["lost"] == 0 and result["lost"] == 0
    # the ramp reaches 20 at the fast stage's very end; the last connects complete early in the next stage
    assert slow["connected_at_end"] == 10 and fast["connected_at_end"] >= 18 and signals["connected_at_end"] == 20
    assert fast["expected"] == fast["message_expected"] + fast.get("typing_expected", 0) + fast.get("read_expected", 0)
    # live figures: not a terminal here, so plain lines (one every 2 s) with the running counts
    live = [line for line in proc.stderr.splitlines() if line.startswith("send ") and "lost~" in line]
    assert live and "p99(5s)" in live[0], proc.stderr[-2000:]


@pytest.mark.live
def test_churn_counts_synced_messages_as_delivered_late(server, tmp_path):
    seed = seed_users(server, 20, 5, "churn")
    scenario = tmp_path / "c.toml"
    scenario.write_text("[thresholds]\nmax_lost = 0\n[[stages]]\nduration = 4\nrate = 10\nchurn = 0.5\naway = 1.5\n")
    out = tmp_path / "r.json"
    proc = loadtest(server, seed, 20, out, "--scenario", str(scenario), "--reconnect-spread", "0.2")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["churned"] == 10
    assert result["delivered_late"] > 0, result  # fetched by chat:sync after coming back
    assert result["lost"] == 0 and result["delivered"] == result["expected"]
    assert result["ack_errors"] == {}  # a send cut off by the drop is resent with its client_id
    assert "came late by chat:sync (counted as delivered)" in proc.stdout
    assert "held    --max-lost: lost deliveries 0 <= 0" in proc.stdout  # from the scenario's [thresholds]


@pytest.mark.live
def test_marketplace_counts_agree_with_the_database(server, tmp_path):
    seed = seed_users(server, 10, 5, "market")
    scenario = tmp_path / "m.toml"
    scenario.write_text('scenario = "market"\n[[stages]]\nduration = 2\nrate = 6\nthink = [0.5, 0.5]\n')
    out = tmp_path / "r.json"
    proc = loadtest(server, seed, 10, out, "--scenario", str(scenario), "--max-lost", "0", "--max-ack-errors", "0")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())
    steps = result["scenario_figures"]
    db = sqlite3.connect(server.tmp / "live.db")
    tag = result["tag"] + "-%"
    requests_ = db.execute("SELECT id, status FROM requests WHERE title LIKE ?", (tag,)).fetchall()
    ids = [r[0] for r in requests_]
    marks = ",".join("?" * len(ids))
    offers = db.execute(f"SELECT COUNT(*) FROM offers WHERE request_id IN ({marks})", ids).fetchone()[0]
    active = sum(1 for _id, status in requests_ if status == "active")
    assert len(ids) == steps["request"]["acked"] > 0
    assert offers == steps["offer"]["acked"] == len(ids)  # one master answers each request
    assert active == steps["accept"]["acked"] == len(ids)
    # two masters per category hear each request, each customer hears its offer, each master its acceptance
    users = [u["id"] for u in json.loads(Path(seed).read_text())["users"]]
    notified = db.execute(
        "SELECT kind, COUNT(*) FROM notifications WHERE kind IN ('request:new', 'offer:new', 'offer:accepted') "
        f"AND user_id IN ({','.join('?' * len(users))}) GROUP BY kind",
        users,
    ).fetchall()
    stored = dict(notified)
    assert stored["request:new"] == steps["request"]["expected"] == steps["request"]["delivered"] == 2 * len(ids)
    assert stored["offer:new"] == steps["offer"]["delivered"] == len(ids)
    assert stored["offer:accepted"] == steps["accept"]["delivered"] == len(ids)
    assert result["p99_ms"] is not None  # the steps' notification latency


@pytest.mark.live
def test_feed_counts_agree_with_the_database(server, tmp_path):
    """Authors (each chat's first member) post; every friend connected hears post:new, counted per friend."""
    seed = seed_users(server, 12, 6, "feed")
    scenario = tmp_path / "f.toml"
    scenario.write_text('scenario = "feed"\n[[stages]]\nduration = 2\nrate = 4\nthink = [0.3, 0.3]\n')
    out = tmp_path / "r.json"
    proc = loadtest(server, seed, 12, out, "--scenario", str(scenario), "--max-lost", "0", "--max-ack-errors", "0")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())
    fig = result["scenario_figures"]["post"]
    db = sqlite3.connect(server.tmp / "live.db")
    chats = json.loads(Path(seed).read_text())["chats"]
    authors = {c["member_ids"][0]: len(c["member_ids"]) - 1 for c in chats}
    posts = db.execute("SELECT author_id FROM posts WHERE body LIKE ?", (result["tag"] + "-%",)).fetchall()
    assert len(posts) == fig["acked"] > 0
    assert {a for (a,) in posts} <= set(authors)
    # the set-up's friendships: each author with the other members of their chat
    for author, friends in authors.items():
        n = db.execute(
            "SELECT COUNT(*) FROM friendships WHERE status = 'friends' AND (user_low = ? OR user_high = ?)",
            (author, author),
        ).fetchone()[0]
        assert n == friends, (author, n)
    expected = sum(authors[a] for (a,) in posts)
    assert fig["expected"] == fig["delivered"] == expected and fig["lost"] == 0
    assert result["p99_ms"] is not None


@pytest.mark.live
def test_merge_of_two_shards_equals_one_run_with_both(server, tmp_path):
    seed = seed_users(server, 20, 5, "shards")
    common = ["--rate", "4", "--duration", "2", "--details"]
    a, b, whole = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "whole.json"
    pa = loadtest(server, seed, 20, a, *common, "--shard", "1/2", background=True)
    pb = loadtest(server, seed, 20, b, *common, "--shard", "2/2", background=True)
    for p in (pa, pb):
        _out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err[-3000:]
    time.sleep(3)  # the same users connect again: let the server finish closing the shards' sockets first
    proc = loadtest(server, seed, 20, whole, "--rate", "8", "--duration", "2", "--details", "--max-lost", "0")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    merged_out = tmp_path / "m.json"
    proc = subprocess.run(
        [PY, "-m", "loadtest", "merge", str(a), str(b), "--json", str(merged_out), "--max-lost", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    merged, one = json.loads(merged_out.read_text()), json.loads(whole.read_text())
    ra, rb = json.loads(a.read_text()), json.loads(b.read_text())
    assert ra["users"] == rb["users"] == 10
    for key in ("users", "connected", "sent", "acked", "expected", "delivered", "lost"):
        assert merged[key] == one[key], key
    assert merged["sent"] == 16 and merged["lost"] == 0
    both = sorted(ra["samples"]["latency_ms"] + rb["samples"]["latency_ms"])
    assert merged["percentiles_from"] == "samples"
    assert merged["p99_ms"] == round(percentile(both, 99), 2) and merged["p50_ms"] == round(percentile(both, 50), 2)
    assert hist.count(merged["latency_hist"]) == len(both) == merged["delivered"]
    # without samples the merged histograms give the same within their 1 % buckets
    no_samples = merge_results([{k: v for k, v in r.items() if k != "samples"} for r in (ra, rb)])
    assert no_samples["percentiles_from"] == "histograms"
    assert abs(no_samples["p99_ms"] - merged["p99_ms"]) <= 0.01 * merged["p99_ms"] + 0.01


@pytest.mark.live
def test_direct_chats_and_compare(server, tmp_path):
    seed = seed_users(server, 8, 4, "direct")
    scenario = tmp_path / "d.toml"
    scenario.write_text('scenario = "direct"\n[[stages]]\nduration = 1.5\nrate = 6\n')
    first, second = tmp_path / "1.json", tmp_path / "2.json"
    for out in (first, second):
        proc = loadtest(server, seed, 8, out, "--scenario", str(scenario), "--max-lost", "0", "--label", out.stem)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(first.read_text())
    assert result["scenario"] == "direct" and result["sent"] > 0
    assert result["expected"] == result["delivered"] == result["sent"]  # one other member in a direct chat
    db = sqlite3.connect(server.tmp / "live.db")
    kinds = db.execute(
        "SELECT DISTINCT c.type FROM messages m JOIN chats c ON c.id = m.chat_id WHERE m.client_id LIKE ?",
        (result["tag"] + "%",),
    ).fetchall()
    assert kinds == [("direct",)]
    proc = subprocess.run(
        [PY, "-m", "loadtest", "compare", str(first), str(second)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    p99 = next(line for line in proc.stdout.splitlines() if line.startswith("latency p99 (ms)"))
    assert str(result["p99_ms"]) in p99 and str(json.loads(second.read_text())["p99_ms"]) in p99
    assert "git commit:" in proc.stdout and "server settings:" in proc.stdout


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "loadtest" / "scenarios").glob("*.toml")) + sorted((ROOT / "bench" / "scenarios").glob("*.toml")),
    ids=lambda p: f"{p.parent.parent.name}/{p.name}",
)
def test_every_shipped_scenario_file_loads(path):
    # The README's and docs/PERFORMANCE.md's commands name these files; a typo in one would surface only
    # minutes into a long run.
    scenario = load_scenario(str(path))
    assert scenario.stages, path
