"""The JS load driver (bench/jsdriver/driver.mjs, the official socket.io-client in one Node process), run from Python.

Seeds the users as the Python load tester does (`flask seed-users` through --db, a --seed-file, or
--synthetic for bench/relay.py), writes the driver's config, installs the driver's pinned packages once
(`npm ci` when bench/jsdriver/node_modules is missing), raises the fd limit and runs node. With
--server-pid the server process's CPU time (psutil, children included) is read at each step's start
and end, so every step reports the server's CPU ms per delivery.

    nice -n 10 .venv/bin/python bench/jsbench.py --url http://127.0.0.1:5000 --db sqlite:///instance/masterchat.db \\
        --users 200 --rates 50,200 --duration 5 --server-pid 12345 --json instance/jsbench.json

Several workers without a balancer (each on its own port, sharing the database and REDIS_URL): a comma list
of URLs spreads the users, and the rooms' senders, evenly over them (every room spans the workers), and a
comma list of pids sums their CPU:

    ... --url http://127.0.0.1:5077,http://127.0.0.1:5078 --server-pid 4101,4102
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from loadtest.worker import raise_fd_limit  # noqa: E402

JSDRIVER = ROOT / "bench" / "jsdriver"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_USERS = 20_000


def _installed(package: str) -> str | None:
    """The version of bench/jsdriver/node_modules/<package>, or None when it is not there."""
    try:
        return json.loads((JSDRIVER / "node_modules" / package / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def ensure_node_modules(npm: str = "npm") -> None:
    """`npm ci` in bench/jsdriver (the lockfile's exact packages) when a pinned package is missing or differs."""
    pinned = json.loads((JSDRIVER / "package.json").read_text())["dependencies"]
    if all(_installed(name) == version for name, version in pinned.items()):
        return
    if shutil.which(npm) is None:
        raise SystemExit("npm is missing: install Node.js (>= 18) with npm to run the JS driver")
    cmd = [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"]
    proc = subprocess.run(cmd, cwd=JSDRIVER, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise SystemExit(f"npm ci failed in {JSDRIVER}:\n{proc.stderr[-3000:]}")


def client_version() -> str | None:
    """The installed socket.io-client version (the one package-lock.json pins)."""
    return _installed("socket.io-client")


def server_cpu_ms(pid: int | list[int] | None) -> float | None:
    """CPU time (user + system) the process and its children have used so far, in ms; None if unreadable.

    A list of pids (the workers of one server) is summed; None if any of them is unreadable.
    """
    if isinstance(pid, list):
        each = [server_cpu_ms(one) for one in pid]
        known = [ms for ms in each if ms is not None]
        return sum(known) if known and len(known) == len(each) else None
    if not pid:
        return None
    try:
        import psutil
    except ImportError:
        return _proc_stat_cpu_ms(pid)
    try:
        root = psutil.Process(pid)
        procs = [root]
        with contextlib.suppress(psutil.Error):
            procs += root.children(recursive=True)
        total = 0.0
        for p in procs:
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.Error:
                continue
        return total * 1000
    except psutil.Error:
        return None


def _proc_stat_cpu_ms(pid: int) -> float | None:
    """utime + stime from /proc/<pid>/stat (without psutil; the process alone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])  # fields 14 and 15 of the whole line
        return ticks * 1000 / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def get_seed(args: argparse.Namespace) -> dict:
    """Users and chats, as `python -m loadtest` gets them: a seed file, made up (relay), or seeded now."""
    from loadtest.cli import get_seed as loadtest_seed

    return loadtest_seed(argparse.Namespace(**{**vars(args), "app_dir": args.app_dir or str(ROOT)}))


def driver_config(seed: dict, args: argparse.Namespace) -> dict:
    """The driver's JSON: url, users [{id, token, chat_id}], rooms [{chat_id, members: [user index...]}], options."""
    users = [{"id": u["id"], "token": u["token"], "chat_id": u.get("chat_id")} for u in seed["users"]]
    index = {u["id"]: i for i, u in enumerate(users)}
    rooms = []
    for chat in seed["chats"]:
        members = [index[m] for m in chat["member_ids"] if m in index]
        if members:
            rooms.append({"chat_id": chat["id"], "members": members})
    return {
        "url": args.url.split(",")[0],
        "urls": args.url.split(","),  # the users (and the senders) spread over them: workers without a balancer
        "users": users,
        "rooms": rooms,
        "connect_rate": args.connect_rate,
        "rates": [float(r) for r in str(args.rates).split(",") if r],
        "step_duration": args.duration,
        "grace": args.grace,
        "ack_timeout": args.ack_timeout,
        "connect_timeout": args.connect_timeout,
        "body_size": args.body_size,
        "max_p99_ms": args.max_p99_ms,
        "max_ack_errors": args.max_ack_errors,
        "continue_on_fail": args.continue_on_fail,
        "storm": args.storm,
        "storm_pause": args.storm_pause,
        "max_runtime": args.max_runtime,
        "client_version": client_version(),
        "sync": True,
    }


def run_driver(
    config: dict,
    server_pid: int | list[int] | None = None,
    on_event: Callable[[dict], None] | None = None,
    timeout: float = 3600,
) -> dict:
    """Run node on the config; sample the server's CPU at each step's start and end; return the driver's result."""
    ensure_node_modules()
    node = shutil.which("node")
    if node is None:
        raise SystemExit("node is missing: install Node.js (>= 18) to run the JS driver")
    with tempfile.TemporaryDirectory(prefix="jsbench-") as tmp:
        cfg_path = Path(tmp) / "config.json"
        cfg_path.write_text(json.dumps(config))
        proc = subprocess.Popen(
            [node, str(JSDRIVER / "driver.mjs"), str(cfg_path)],
            cwd=JSDRIVER,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
            preexec_fn=raise_fd_limit,
        )
        watchdog = threading.Timer(timeout, proc.kill)  # node has its own limit too (max_runtime)
        watchdog.start()
        result, error, cpu_at, storm, steps = None, None, None, None, []
        try:
            assert proc.stdout is not None and proc.stdin is not None
            for line in proc.stdout:
                event = json.loads(line)
                kind = event.get("event")
                if kind == "step_start":
                    cpu_at = (time.monotonic(), server_cpu_ms(server_pid))
                    proc.stdin.write("go\n")
                    proc.stdin.flush()
                elif kind == "step_end":
                    add_server_cpu(event["step"], cpu_at, (time.monotonic(), server_cpu_ms(server_pid)))
                    steps.append(event["step"])
                    proc.stdin.write("go\n")
                    proc.stdin.flush()
                elif kind == "storm_end":
                    storm = event["storm"]
                elif kind == "result":
                    result = event
                elif kind == "error":
                    error = event.get("error")
                if on_event:
                    on_event(event)
            proc.wait(30)
        finally:
            watchdog.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
        stderr = proc.stderr.read() if proc.stderr else ""
    if result is None:
        raise SystemExit(f"the JS driver failed (exit {proc.returncode}): {error or ''}\n{stderr[-3000:]}")
    result.pop("event", None)
    result["steps"] = steps  # as the wrapper saw them: with the server's CPU
    result["storm"] = storm
    result["server_pid"] = server_pid
    return result


def add_server_cpu(step: dict, start: tuple[float, float | None] | None, end: tuple[float, float | None]) -> None:
    """The server's CPU over the step (start to end of drain): ms, % of one core, ms per delivery."""
    step["server_cpu_ms"] = step["server_cpu_pct"] = step["server_cpu_ms_per_delivery"] = None
    if start is None or start[1] is None or end[1] is None:
        return
    cpu_ms, wall_ms = end[1] - start[1], (end[0] - start[0]) * 1000
    step["server_cpu_ms"] = round(cpu_ms, 1)
    step["server_cpu_pct"] = round(100 * cpu_ms / wall_ms, 1) if wall_ms > 0 else None
    if step.get("delivered"):
        step["server_cpu_ms_per_delivery"] = round(cpu_ms / step["delivered"], 4)


def step_line(step: dict) -> str:
    """One line per step for the terminal."""
    return (
        f"rate={step['rate']:<6g} sent={step['sent']} acked={step['acked']} "
        f"delivered={step['delivered']}/{step['expected']} dup={step['duplicates']} "
        f"p50={step['p50_ms']} p90={step['p90_ms']} p99={step['p99_ms']} max={step['max_ms']} ms "
        f"server cpu={step.get('server_cpu_pct')}% {step.get('server_cpu_ms_per_delivery')} ms/delivery "
        f"driver cpu={step['driver_cpu_pct']}% -> "
        + ("pass" if step["passed"] else "FAIL (" + ", ".join(step["fail_reasons"]) + ")")
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--url",
        required=True,
        help="the server (loopback only); a comma list spreads the users and the senders over several workers "
        "(each worker's own port, no balancer between; every room spans them)",
    )
    p.add_argument("--users", type=int, default=200)
    p.add_argument("--room-size", type=int, default=10, help="members per room; the first one sends")
    p.add_argument("--rates", default="50,200", help="total messages/s per step, comma list, ascending")
    p.add_argument("--duration", type=float, default=10.0, help="seconds of sending per step")
    p.add_argument("--connect-rate", type=float, default=250.0, help="new connections per second")
    p.add_argument("--grace", type=float, default=5.0, help="seconds after the acks to wait for late deliveries")
    p.add_argument("--ack-timeout", type=float, default=10.0)
    p.add_argument("--connect-timeout", type=float, default=20.0)
    p.add_argument("--body-size", type=int, default=100, help="characters per body (send time stamp + padding)")
    p.add_argument("--max-p99-ms", type=float, default=1000.0, help="a step fails at this p99 or above")
    p.add_argument("--max-ack-errors", type=int, default=0, help="error/timeout acks a step may have")
    p.add_argument("--continue-on-fail", action="store_true", help="run every step, not stop at the first failure")
    p.add_argument("--storm", type=int, default=0, help="after the steps, K users drop and reconnect at once")
    p.add_argument("--storm-pause", type=float, default=1.0, help="seconds between the drop and the reconnect")
    p.add_argument("--max-runtime", type=float, default=1800.0, help="the driver stops after this many seconds")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--seed-file", help="a JSON written by `flask seed-users`")
    src.add_argument("--synthetic", action="store_true", help="made-up users (bench/relay.py checks no token)")
    p.add_argument("--db", help="DATABASE_URL for `flask seed-users` (run with this environment's SECRET_KEY)")
    p.add_argument("--app-dir", help="where to run the seed command (default: this checkout)")
    p.add_argument(
        "--server-pid",
        type=lambda text: [int(pid) for pid in text.split(",")],
        help="the server process (a comma list: its workers, summed): its CPU per delivery in every step",
    )
    p.add_argument("--json", help="write the result here")
    p.add_argument("--quiet", action="store_true", help="no per-step lines")
    args = p.parse_args(argv)
    if any(urlsplit(url).hostname not in LOOPBACK for url in args.url.split(",")):
        p.error("--url must be on this machine (127.0.0.1, localhost)")
    if not 1 <= args.users <= MAX_USERS:
        p.error(f"--users between 1 and {MAX_USERS}")
    if not 2 <= args.room_size <= 50:
        p.error("--room-size between 2 and 50")
    return args


def main(argv: list[str] | None = None) -> int:
    """Seed, run the driver, print a line per step, save the JSON; exit 1 when a step failed."""
    args = parse_args(argv)
    seed = get_seed(args)
    config = driver_config(seed, args)

    def show(event: dict) -> None:
        if args.quiet:
            return
        kind = event.get("event")
        if kind == "connected":
            print(
                f"connected {event['connected']}/{event['users']} in {event['connect_s']} s "
                f"(p50 {event['connect_p50_ms']} ms, p99 {event['connect_p99_ms']} ms)",
                flush=True,
            )
        elif kind == "step_end":
            print(step_line(event["step"]), flush=True)
        elif kind == "storm_end":
            s = event["storm"]
            print(
                f"storm: {s['reconnected']}/{s['users']} back in {s['all_back_ms']} ms "
                f"(p50 {s['reconnect_p50_ms']}, p99 {s['reconnect_p99_ms']} ms), {s['failed']} failed",
                flush=True,
            )

    result = run_driver(config, args.server_pid, show, timeout=args.max_runtime + 60)
    result["command"] = ["python", "bench/jsbench.py", *(argv if argv is not None else sys.argv[1:])]
    text = json.dumps(result, indent=2)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(text)
    elif args.quiet:
        print(text)
    ok = bool(result["steps"]) and all(s["passed"] for s in result["steps"])
    ok = ok and (not result.get("storm") or result["storm"]["failed"] == 0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
