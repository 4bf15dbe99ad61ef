"""The JS load driver (bench/jsdriver, the official socket.io-client, run by bench/jsbench.py) against a live server:
20 users, one short step and a small reconnect storm; every acked message reaches every other member once. And
Node's own Socket.IO server as a bench target (bench/jsdriver/relay.mjs, `bench/run.py --targets node`).

Needs Node.js and npm (`npm ci` runs here when bench/jsdriver/node_modules is missing); skipped without
node, except in CI (CI=true), where a missing node is a failure."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys

import pytest

from tests.conftest import ROOT

STEP_FIELDS = {
    "rate",
    "sent",
    "acked",
    "expected",
    "delivered",
    "missing",
    "duplicates",
    "p50_ms",
    "p90_ms",
    "p99_ms",
    "max_ms",
    "connect_failures",
    "server_cpu_ms",
    "server_cpu_ms_per_delivery",
    "driver_cpu_pct",
    "passed",
    "fail_reasons",
}


@pytest.fixture(scope="module")
def jsdriver_ready() -> None:
    """node and npm present (else skip, or fail under CI), and the driver's locked packages installed."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI requires {' and '.join(missing)} for the JS load driver (bench/jsdriver)")
        pytest.skip(f"{' and '.join(missing)} missing: the JS load driver runs only where Node.js is installed")
    from bench import jsbench

    try:
        jsbench.ensure_node_modules()  # `npm ci` when a package the lockfile pins is missing or differs
    except SystemExit as err:
        pytest.fail(str(err))


@pytest.mark.live
@pytest.mark.timeout(300)
def test_js_driver_delivers_every_acked_message_once(live_server, jsdriver_ready, tmp_path):
    """bench/jsbench.py with 20 users (two rooms), 10 msg/s for 2 s, then 5 users drop and reconnect at once."""
    out = tmp_path / "js.json"
    cmd = [sys.executable, str(ROOT / "bench" / "jsbench.py"), "--url", live_server.url]
    cmd += ["--db", live_server.env["DATABASE_URL"], "--users", "20", "--room-size", "10"]
    cmd += ["--rates", "10", "--duration", "2", "--connect-rate", "100", "--grace", "5", "--storm", "5"]
    cmd += ["--server-pid", str(live_server.proc.pid), "--max-runtime", "120", "--json", str(out)]
    # its own process group: node (the wrapper's child) goes too if the wrapper is killed
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=live_server.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=180)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    assert proc.returncode == 0, (stdout[-2000:], stderr[-3000:])
    assert "-> pass" in stdout

    result = json.loads(out.read_text())
    assert result["driver"] == "socket.io-client" and result["client_version"].startswith("4.")
    assert result["connect"]["connected"] == 20 and result["connect"]["connect_failures"] == 0
    (step,) = result["steps"]
    assert set(step) >= STEP_FIELDS, STEP_FIELDS - set(step)
    assert step["sent"] == 20 and step["acked"] == 20, step  # 10 msg/s for 2 s, from the two rooms' senders
    assert step["expected"] == 20 * 9, step
    assert step["delivered"] == step["expected"] and step["missing"] == 0, step
    assert step["duplicates"] == 0 and step["connect_failures"] == 0, step
    assert step["p50_ms"] is not None and step["p50_ms"] <= step["p90_ms"] <= step["p99_ms"] <= step["max_ms"]
    assert step["server_cpu_ms"] > 0 and step["server_cpu_ms_per_delivery"] > 0, step
    assert step["passed"] and result["best_rate"] == 10
    storm = result["storm"]
    assert storm["users"] == 5 and storm["reconnected"] == 5 and storm["failed"] == 0, storm


@pytest.mark.live
@pytest.mark.timeout(180)
def test_a_like_storm_from_node_is_counted_exactly(live_server, jsdriver_ready, tmp_path):
    """bench/likes.py --client node (bench/jsdriver/likes.mjs): 30 people like one post, over 8 keep-alive
    HTTP connections, then 30 others over their own sockets (post:like) at once."""
    seed = tmp_path / "seed.json"
    env = {**live_server.env, "FLASK_APP": "wsgi:app"}
    made = subprocess.run(
        [sys.executable, "-m", "flask", "seed-users", "--count", "31", "--room-size", "0", "--out", str(seed)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr[-2000:]
    for transport in ("http", "socket"):
        cmd = [sys.executable, "-m", "bench.likes", "--url", live_server.url, "--seed", str(seed), "--likers", "30"]
        cmd += ["--threads", "8", "--client", "node", "--transport", transport]
        cmd += ["--server-pid", str(live_server.proc.pid)]
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-3000:])
        out = json.loads(done.stdout.strip().splitlines()[-1])
        assert (out["client"], out["transport"]) == ("node", transport), out
        assert out["ok"] == 30 and out["failed"] == 0, out
        assert out["likes_count"] == 30 and out["exact"] is True, out  # each run likes a fresh post
        assert out["last_heard"] == 30, out  # the watcher's last post:updated carries the final count
        assert out["server_cpu_ms_per_like"] > 0, out


@pytest.mark.live
@pytest.mark.timeout(240)
def test_node_socketio_relay_beside_the_app_in_bench_run(jsdriver_ready, tmp_path):
    """bench/run.py --targets node: Node's own Socket.IO server (bench/jsdriver/relay.mjs) on the relay's protocol,
    driven by the same JS driver: 20 made-up users, every acked message delivered to the 9 others once; one
    series however many modes are asked for (Node has none)."""
    out = tmp_path / "results.json"
    cmd = [sys.executable, str(ROOT / "bench" / "run.py"), "--driver", "js", "--targets", "node"]
    cmd += ["--modes", "eventlet,gevent", "--users", "20", "--rates", "10", "--duration", "2", "--ramp", "100"]
    cmd += ["--out", str(out), "--steps-dir", str(tmp_path / "steps"), "--doc", ""]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=200)
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-3000:])

    (series,) = json.loads(out.read_text())["series"]
    assert (series["target"], series["mode"], series["users"]) == ("node", "node", 20)
    (step,) = series["steps"]
    assert step["passed"] and step["sent"] == 20 and step["acked"] == 20, step
    assert step["delivered"] == step["expected"] == 20 * 9 and step["duplicates"] == 0, step
    assert step["server_cpu_ms"] > 0, step
