"""What the garbage collector holds and how long it pauses, while users connect, chat and leave.

Starts the app (`wsgi.py`, SQLite, one process) with the GC settings given, runs one load test
(`python -m loadtest`: connect at --ramp per second, send at --rate for --duration, disconnect)
and polls the worker's `/metrics/gc` twice a second. Reports:

- tracked objects per open socket (frozen or not) at the peak, over the idle baseline;
- the most the collector had to walk at any poll (objects outside the frozen generation);
- every collection pause over GC_WARN_MS from the server's log, and the longest per generation;
- after everyone left: what stayed frozen, and what the first scheduled full collection found
  unreachable (cyclic garbage that refcounting could not free: the leak freezing could hide).

    .venv/bin/python bench/gc_census.py --users 10000 --ramp 250 --rate 500 --duration 20 --out docs/bench/gc-10000.json
    .venv/bin/python bench/gc_census.py --users 10000 --env GC_FREEZE_ON_SURVIVAL=off --env GC_THRESHOLD0=50000 \
        --env GC_FREEZE_INTERVAL=60   # the settings before issue 17
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.run import PYTHON, Server  # noqa: E402

PAUSE = re.compile(r"generation (\d) collection paused the process (\d+) ms \((\d+) ms CPU")
LOAD_KEYS = ("connected", "connect_p99_ms", "sent", "acked", "expected", "delivered", "lost", "duplicates", "p50_ms")
LOAD_KEYS += ("p99_ms", "max_ms", "server_cpu_pct", "server_rss_idle_mb", "server_rss_mb", "server_kb_per_user")
FULL = re.compile(r"scheduled full collection: (\d+) unreachable, (\d+) ms")


def census(url: str, types: int = 0, timeout: float = 30) -> dict:
    """The server's /metrics/gc answer."""
    with urllib.request.urlopen(f"{url}/metrics/gc?types={types}", timeout=timeout) as res:
        return json.loads(res.read())


def rss_mb(pid: int) -> float:
    """The process's resident memory in MB (Linux /proc)."""
    with open(f"/proc/{pid}/statm") as f:
        return round(int(f.read().split()[1]) * 4096 / 2**20, 1)


class Poller(threading.Thread):
    """Reads /metrics/gc every `every` seconds until stopped; keeps every sample."""

    def __init__(self, url: str, every: float, users: int, types: int, pid: int) -> None:
        super().__init__(daemon=True)
        self.url, self.every, self.users, self.want_types, self.pid = url, every, users, types, pid
        self.samples: list[dict] = []
        self.types: dict[str, int] | None = None
        self.done = threading.Event()

    def run(self) -> None:
        """Poll until stopped (a slow answer is a sample late, not an error)."""
        started = time.monotonic()
        while not self.done.is_set():
            try:
                sample = census(self.url)
                sample["rss_mb"] = rss_mb(self.pid)
                if self.types is None and self.want_types and sample["sockets"] >= self.users:
                    self.types = census(self.url, self.want_types).get("types")  # once, when all are in
                sample["t"] = round(time.monotonic() - started, 2)
                self.samples.append(sample)
            except OSError:
                pass
            self.done.wait(self.every)


def main(argv: list[str] | None = None) -> int:
    """Run one census and print (and optionally save) the report."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--users", type=int, default=1000)
    p.add_argument("--room-size", type=int, default=10)
    p.add_argument("--ramp", type=float, default=250, help="connects per second")
    p.add_argument("--rate", type=float, default=200, help="messages per second, all senders")
    p.add_argument("--duration", type=float, default=20, help="seconds of sending")
    p.add_argument("--mode", default="eventlet")
    p.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server (repeatable)")
    p.add_argument("--types", type=int, default=15, help="unfrozen types to list at the peak")
    p.add_argument("--scenario", help="a load-test scenario file (stages, churn) instead of --rate/--duration")
    p.add_argument("--scenario-seconds", type=float, default=0, help="its total length, for the waits")
    p.add_argument("--out", help="JSON report")
    args = p.parse_args(argv)

    server = Server("app", args.mode)
    server.start()
    seed = server.seed(args.users, args.room_size)  # before the measured start: seeding takes a while
    server.proc.terminate()
    server.proc.wait(30)
    server.log.close()
    (server.tmp / "server.log").unlink()
    run_seconds = args.users / args.ramp + (args.scenario_seconds or args.duration) + 60
    # the first scheduled full collection comes after everyone has left, and says what cycles they left
    server.env.update({"LOG_LEVEL": "INFO", "GC_FULL_INTERVAL": str(int(run_seconds + 30))})
    for item in args.env:
        name, _, value = item.partition("=")
        server.env[name] = value
    server.start()
    try:
        time.sleep(2)
        baseline = census(server.url)
        poller = Poller(server.url, 0.5, args.users, args.types, server.proc.pid)
        poller.start()
        cmd = [PYTHON, "-m", "loadtest", "--url", server.url, "--users", str(args.users)]
        cmd += ["--room-size", str(args.room_size)]
        if args.scenario:
            cmd += ["--scenario", args.scenario]
        else:
            cmd += ["--rate", str(args.rate), "--duration", str(args.duration)]
        cmd += ["--ramp", str(args.ramp), "--seed-file", seed, "--json", str(server.tmp / "load.json"), "--quiet"]
        cmd += ["--no-plot", "--server-pid", str(server.proc.pid), "--sender-share", str(1 / args.room_size)]
        subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=run_seconds + 600)
        poller.done.set()
        poller.join()
        load = json.loads((server.tmp / "load.json").read_text()) if (server.tmp / "load.json").exists() else {}
        # everyone has left; wait for the scheduled full collection to say what cycles were left frozen
        log_path = server.tmp / "server.log"
        deadline = time.monotonic() + run_seconds + 120
        full = None
        while time.monotonic() < deadline and full is None:
            time.sleep(2)
            full = FULL.search(log_path.read_text(errors="replace"))
        after = census(server.url, timeout=300)  # a server still saying goodbye to 10,000 sockets is slow
        log = log_path.read_text(errors="replace")
    finally:
        server.stop()

    samples = poller.samples
    peak = max(samples, key=lambda s: (s["sockets"], s["tracked"])) if samples else baseline
    pauses = [(int(g), int(ms), int(cpu)) for g, ms, cpu in PAUSE.findall(log)]
    report = {
        "users": args.users,
        "ramp": args.ramp,
        "rate": args.rate,
        "duration": args.duration,
        "mode": args.mode,
        "env": args.env,
        "baseline_tracked": baseline["tracked"],
        "peak_sockets": peak["sockets"],
        "peak_tracked": peak["tracked"],
        "tracked_per_socket": round((peak["tracked"] - baseline["tracked"]) / max(1, peak["sockets"]), 1),
        "walked_max": max((s["walked"] for s in samples), default=0),
        "pause_ms_max": peak.get("pause_ms_max") if not samples else samples[-1]["pause_ms_max"],
        "collections": samples[-1]["collections"] if samples else None,
        "pauses_over_warn": pauses,  # (generation, wall ms, CPU ms)
        "after_tracked": after["tracked"],
        "after_full_collection": {"unreachable": int(full.group(1)), "ms": int(full.group(2))} if full else None,
        "types_at_peak": poller.types,
        "load": {k: load.get(k) for k in LOAD_KEYS},
        "samples": [
            {k: s.get(k) for k in ("t", "sockets", "walked", "frozen", "rss_mb", "allocated_blocks")} for s in samples
        ],
    }
    summary = {k: v for k, v in report.items() if k != "samples"}
    print(json.dumps(summary, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
