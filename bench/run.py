"""The benchmark: step the send rate up against the app and the bare relay, find the last step that holds.

For every (server, async mode, user count) it starts a fresh server process on 127.0.0.1, then
runs `python -m loadtest` at each rate in turn (same users, rooms, duration); a step passes when
every user connected, nothing was lost and p99 delivery stayed under --p99-limit ms. Stepping stops
at the first failing step. Results go to a JSON file, a PNG, and a table in docs/PERFORMANCE.md
between the `bench:start` / `bench:end` markers (the rest of that file is left alone).

    nice -n 10 .venv/bin/python bench/run.py --users 1000 --rates 100,200,400,800 --modes eventlet,gevent

--driver js runs the steps with bench/jsdriver (the official socket.io-client in one Node process, through
bench/jsbench.py) instead: the users connect once per series and stay for every step, one sender per room.
Either way every step reports the server's CPU ms per delivery.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))  # jsbench (--driver js)
from loadtest.worker import raise_fd_limit  # noqa: E402

PYTHON = sys.executable
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The app (`wsgi.py`), the relay (`bench/relay.py`) or Node's relay (`bench/jsdriver/relay.mjs`), in its own
    process and temp folder."""

    def __init__(self, target: str, mode: str) -> None:
        self.target, self.mode = target, mode
        self.tmp = Path(tempfile.mkdtemp(prefix=f"bench-{target}-{mode}-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "ASYNC_MODE": mode,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "PUBLIC_URL": self.url,
            "APP_ENV": "development",
            "INSTANCE_PATH": str(self.tmp),
            "DATABASE_URL": f"sqlite:///{self.tmp / 'bench.db'}",
            "SECRET_KEY": "bench-secret-key-" + "x" * 32,
            "RATE_LIMITS": "off",
            "LOG_LEVEL": "WARNING",
            "BCRYPT_ROUNDS": "4",
        }
        self.env.pop("REDIS_URL", None)
        self.proc: subprocess.Popen | None = None

    def start(self) -> Server:
        """Start and wait until HTTP answers."""
        if self.target == "node":  # Node's own Socket.IO server (bench/jsdriver/relay.mjs), the relay's protocol
            import jsbench

            jsbench.ensure_node_modules()
            node = shutil.which("node")
            if node is None:
                raise SystemExit("node is missing: install Node.js (>= 18) for --targets node")
            cmd = [node, str(ROOT / "bench" / "jsdriver" / "relay.mjs")]
        else:
            cmd = [PYTHON, str(ROOT / ("wsgi.py" if self.target == "app" else "bench/relay.py"))]
        self.log = open(self.tmp / "server.log", "wb")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log, preexec_fn=raise_fd_limit
        )
        probe = "/api/openapi.json" if self.target == "app" else "/"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.target} exited: {(self.tmp / 'server.log').read_text()[-2000:]}")
            try:
                urllib.request.urlopen(self.url + probe, timeout=1).read()
                return self
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"{self.target} did not start")

    def seed(self, users: int, room_size: int) -> str | None:
        """The app's users via its seed command (None for the relay: the tester makes them up)."""
        if self.target != "app":
            return None
        out = self.tmp / "seed.json"
        cmd = [PYTHON, "-m", "flask", "--app", "wsgi:app", "seed-users", "-n", str(users), "-r", str(room_size)]
        env = {**self.env, "ASYNC_MODE": "threading"}
        subprocess.run([*cmd, "-o", str(out)], cwd=ROOT, env=env, check=True, capture_output=True, timeout=600)
        return str(out)

    def stop(self) -> None:
        """Terminate the server and remove its folder."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


class External:
    """A server this script does not start (e.g. `make cluster` behind nginx), seeded beforehand."""

    target = "external"

    def __init__(self, url: str, seed_file: str, mode: str, pids: list[int] | None = None) -> None:
        self.url, self.seed_file, self.mode = url, seed_file, mode
        self.proc = None
        self.pids = pids or []  # its workers: each step waits until they are idle

    def start(self) -> External:
        """Nothing to start."""
        return self

    def seed(self, _users: int, _room_size: int) -> str:
        """The seed file given on the command line (from `flask seed-users` against its database)."""
        return self.seed_file

    def stop(self) -> None:
        """Nothing to stop."""


def wait_idle(pid: int | None, below_pct: float = 15.0, quiet_s: float = 2.0, limit_s: float = 120.0) -> float:
    """Wait until the server process has used under below_pct CPU for quiet_s seconds (at most limit_s);
    returns the seconds waited. Each step's clients disconnect at its end, and a server that is
    still saying goodbye to 10,000 sockets (presence events to their partners) must not be handed
    the next step's 10,000 connects at the same moment: that measures the disconnect storm, not the step."""
    if pid is None:
        return 0.0
    import psutil

    started = time.monotonic()
    try:
        proc = psutil.Process(pid)
        proc.cpu_percent(None)
        calm = 0.0
        while calm < quiet_s and time.monotonic() - started < limit_s:
            time.sleep(0.5)
            calm = calm + 0.5 if proc.cpu_percent(None) < below_pct else 0.0
    except psutil.Error:
        pass
    return time.monotonic() - started


def run_step(server: Server | External, seed_file: str | None, args, users: int, rate: float, out: Path) -> dict:
    """One load test at one rate (once the server is idle); returns its JSON."""
    pids = [server.proc.pid] if server.proc is not None else getattr(server, "pids", [])
    waited = sum(wait_idle(pid) for pid in pids)
    if waited > 3:
        print(f"  (waited {waited:.0f} s for the server to finish the previous step's disconnects)", flush=True)
    cmd = [PYTHON, "-m", "loadtest", "--url", server.url, "--users", str(users), "--room-size", str(args.room_size)]
    cmd += ["--rate", str(rate), "--duration", str(args.duration), "--json", str(out), "--quiet"]
    cmd += ["--ramp", str(args.ramp), "--grace", str(args.grace)]
    if server.proc is not None:
        cmd += ["--server-pid", str(server.proc.pid)]
    if args.procs:
        cmd += ["--procs", str(args.procs)]
    cmd += ["--seed-file", seed_file] if seed_file else ["--synthetic"]
    cmd += threshold_flags(args)
    out.unlink(missing_ok=True)
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=args.duration + users / 50 + 300)
    # exit 1 with a result: the run finished and a threshold did not hold (the step fails, it is no error)
    if proc.returncode not in (0, 1) or not out.exists():
        return {"error": proc.stderr[-1500:], "rate": rate, "users": users}
    step = json.loads(out.read_text())
    # the server's CPU time while sending and draining (psutil samples, 0.5 s apart) per delivery
    cpu_ms = step.get("server_cpu_send_ms")
    step["server_cpu_ms_per_delivery"] = round(cpu_ms / step["delivered"], 4) if cpu_ms and step["delivered"] else None
    return step


def run_js_series(server: Server | External, seed_file: str | None, args, users: int, rates: list[float]) -> list[dict]:
    """Every step of one series with the JS driver (bench/jsbench.py): one connect, then the rates in turn,
    stopping at the first failing step; each step as a dict with the fields the table reads."""
    import jsbench

    seed_args = argparse.Namespace(
        seed_file=seed_file, synthetic=seed_file is None, users=users, room_size=args.room_size, app_dir=None, db=None
    )
    drive = argparse.Namespace(
        url=server.url,
        connect_rate=args.ramp,
        rates=",".join(f"{r:g}" for r in rates),
        duration=args.duration,
        grace=args.grace,
        ack_timeout=10.0,
        connect_timeout=30.0,
        body_size=100,
        max_p99_ms=args.max_p99_ms,
        max_ack_errors=args.max_ack_errors or 0,
        continue_on_fail=False,
        storm=0,
        storm_pause=1.0,
        max_runtime=len(rates) * (2 * args.duration + 60) + users / max(args.ramp, 1) + 120,
    )
    config = jsbench.driver_config(jsbench.get_seed(seed_args), drive)
    pids = [server.proc.pid] if server.proc is not None else getattr(server, "pids", [])
    try:
        result = jsbench.run_driver(config, pids or None, timeout=drive.max_runtime + 60)
    except SystemExit as err:
        return [{"error": str(err)[-1500:], "rate": rates[0], "users": users}]
    steps = []
    for step in result["steps"]:
        step["connect_p99_ms"] = result["connect"]["connect_p99_ms"]
        step["server_kb_per_user"] = None  # not sampled by the JS driver
        step["driver"] = "js"
        step["passed"] = step["passed"] and step["connected"] == users
        steps.append(step)
    if result.get("connect", {}).get("connect_failures"):
        print(f"  connect failures: {result['connect']['connect_errors']}", flush=True)
    return steps


GC_PAUSE = re.compile(
    r"^(\S+ \S+) WARNING .*generation (\d) collection paused the process (\d+) ms \((\d+) ms CPU", re.MULTILINE
)


def gc_pauses(server: Server | External) -> list[tuple[str, int, int, int]]:
    """(time, generation, wall ms, CPU ms) of each collection pause the app logged (app/gc_tuning.py)."""
    log = getattr(server, "tmp", None)
    if log is None or not (log / "server.log").exists():
        return []
    found = GC_PAUSE.findall((log / "server.log").read_text(errors="replace"))
    return [(when, int(g), int(ms), int(cpu)) for when, g, ms, cpu in found]


def threshold_flags(args) -> list[str]:
    """The load tester's threshold flags for every step (python -m loadtest --help)."""
    flags = ["--max-p99-ms", str(args.max_p99_ms), "--max-lost", str(args.max_lost)]
    if args.max_connect_p99_ms is not None:
        flags += ["--max-connect-p99-ms", str(args.max_connect_p99_ms)]
    if args.max_ack_errors is not None:
        flags += ["--max-ack-errors", str(args.max_ack_errors)]
    return flags


def passed(step: dict, users: int) -> bool:
    """The step's verdict: everyone connected and every threshold the load tester checked held."""
    return "error" not in step and step["connected"] == users and all(c["held"] for c in step.get("thresholds", []))


def main(argv: list[str] | None = None) -> int:
    """Run every (target, mode, users) series and write the results."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--targets",
        default="app,relay",
        help="comma list of app, relay (Flask-SocketIO's bare relay), node (the same relay on Node's socket.io "
        "server, run once, with the first mode)",
    )
    p.add_argument("--modes", default="eventlet,gevent", help="comma list of async modes")
    p.add_argument("--users", default="1000", help="comma list of user counts (e.g. 1000,10000)")
    p.add_argument("--room-size", type=int, default=10)
    p.add_argument("--rates", default="50,100,200,300,500,800", help="messages/s steps, ascending")
    p.add_argument("--duration", type=float, default=10.0, help="seconds per step")
    p.add_argument("--ramp", type=float, default=500.0, help="connections per second")
    p.add_argument("--grace", type=float, default=5.0)
    p.add_argument("--procs", type=int, default=0, help="tester processes (default: cores)")
    p.add_argument("--max-p99-ms", "--p99-limit", dest="max_p99_ms", type=float, default=1000.0, help="p99 limit, ms")
    p.add_argument("--max-lost", type=int, default=0, help="lost deliveries a step may have (default 0)")
    p.add_argument("--max-connect-p99-ms", type=float, help="connect p99 limit per step (default: none)")
    p.add_argument("--max-ack-errors", type=int, help="error/timeout acks a step may have (default: none)")
    p.add_argument("--out", default=str(ROOT / "docs" / "bench" / "results.json"))
    p.add_argument("--steps-dir", default=str(ROOT / "instance" / "bench"), help="each step's JSON and PNG")
    p.add_argument("--doc", default=str(ROOT / "docs" / "PERFORMANCE.md"), help="markdown file to update ('' to skip)")
    p.add_argument("--external", help="also bench this already running server (e.g. the nginx cluster's URL)")
    p.add_argument("--external-seed", help="seed JSON for --external (flask seed-users against its database)")
    p.add_argument(
        "--external-pids",
        type=lambda text: [int(x) for x in text.split(",") if x],
        default=[],
        help="the external server's worker pids: each step waits until they are idle",
    )
    p.add_argument("--label", default="", help="a note printed above the table (e.g. 'smoke run')")
    p.add_argument(
        "--driver",
        choices=("python", "js"),
        default="python",
        help="python: `python -m loadtest` per step (default); js: bench/jsdriver, the official socket.io-client",
    )
    args = p.parse_args(argv)
    if args.external and not args.external_seed:
        p.error("--external needs --external-seed")

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    steps_dir = Path(args.steps_dir)
    steps_dir.mkdir(parents=True, exist_ok=True)
    rates = [float(r) for r in args.rates.split(",")]
    series = []
    for users in [int(u) for u in args.users.split(",")]:
        for mode in args.modes.split(","):
            targets = [t for t in args.targets.split(",") if t]
            if args.external and mode == args.modes.split(",")[0]:
                targets.append("external")
            for target in targets:
                if target == "node" and mode != args.modes.split(",")[0]:
                    continue  # Node has no async modes: one series per user count
                server = (
                    External(args.external, args.external_seed, "-", args.external_pids)
                    if target == "external"
                    else Server(target, "node" if target == "node" else mode)
                ).start()
                try:
                    seed_file = server.seed(users, args.room_size)
                    steps, best = [], None
                    js_steps = run_js_series(server, seed_file, args, users, rates) if args.driver == "js" else None
                    for n, rate in enumerate(rates):
                        if js_steps is not None:
                            if n >= len(js_steps):
                                break
                            step = js_steps[n]
                            (steps_dir / f"{target}-{mode}-{users}-{rate:g}-js.json").write_text(json.dumps(step))
                        else:
                            step_out = steps_dir / f"{target}-{mode}-{users}-{rate:g}.json"
                            step = run_step(server, seed_file, args, users, rate, step_out)
                            step["passed"] = passed(step, users)
                        steps.append(step)
                        print(
                            f"{target:5} {server.mode:8} users={users:<6} rate={rate:<7g} "
                            + (
                                f"ERROR {step['error'][-200:]}"
                                if "error" in step
                                else f"delivered/s={step['delivered_per_s']:<9} p50={step['p50_ms']} "
                                f"p99={step['p99_ms']} lost={step['lost']} connected={step['connected']} "
                                f"cpu={step.get('server_cpu_pct')} "
                                f"cpu/delivery={step.get('server_cpu_ms_per_delivery')} ms "
                                f"-> {'pass' if step['passed'] else 'FAIL'}"
                            ),
                            flush=True,
                        )
                        if not step["passed"]:
                            break
                        best = step
                finally:
                    pauses = gc_pauses(server)
                    server.stop()
                series.append(
                    {
                        "target": target,
                        "mode": server.mode,
                        "users": users,
                        "driver": args.driver,
                        "steps": steps,
                        "best": best,
                        # the app's collector: pauses over GC_WARN_MS (50 ms) from its log, whole series
                        "gc_pauses_over_50ms": pauses,
                    }
                )
                if pauses:
                    print(f"  gc pauses over 50 ms (time, generation, ms, CPU ms): {pauses}", flush=True)
    report = {
        "command": shlex.join(["python", "bench/run.py", *(argv or sys.argv[1:])]),
        "machine": machine(),
        "room_size": args.room_size,
        "duration": args.duration,
        "p99_limit_ms": args.max_p99_ms,
        "thresholds": threshold_flags(args),
        "label": args.label,
        "driver": args.driver,
        "series": series,
    }
    out.write_text(json.dumps(report, indent=2))
    png = plot(report, out.with_suffix(".png"))
    md = markdown(report, png, Path(args.doc).parent if args.doc else out.parent)
    print(md)
    if args.doc:
        update_doc(Path(args.doc), md)
    return 0


def machine() -> dict:
    """What the numbers were measured on."""
    info = {"nproc": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    from importlib.metadata import PackageNotFoundError, version

    for dist in ("Flask-SocketIO", "python-socketio", "python-engineio", "eventlet", "gevent"):
        with contextlib.suppress(PackageNotFoundError):
            info[dist.lower().replace("-", "_")] = version(dist)
    return info


def plot(report: dict, path: Path) -> Path | None:
    """p99 against offered deliveries/s, one line per series."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for s in report["series"]:
        pts = [(st["offered_deliveries_per_s"], st["p99_ms"]) for st in s["steps"] if "error" not in st]
        if pts:
            ax.plot(*zip(*pts, strict=True), marker="o", label=f"{s['target']} {s['mode']} {s['users']} users")
    ax.axhline(report["p99_limit_ms"], color="grey", linestyle="--", label="p99 limit")
    ax.set_xlabel("offered deliveries/s")
    ax.set_ylabel("p99 delivery latency (ms)")
    ax.set_yscale("log")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def markdown(report: dict, png: Path | None, doc_dir: Path) -> str:
    """The results table (with the app / relay ratio) for docs/PERFORMANCE.md."""
    m = report["machine"]
    lines = [START, ""]
    if report["label"]:
        lines += [f"**{report['label']}**", ""]
    lines += [
        f"Command: `{report['command']}`  ",
        f"Machine: {m.get('nproc')} cores ({m.get('cpu', '?')}), Python {m.get('python')}, "
        f"Flask-SocketIO {m.get('flask_socketio', '?')}, python-socketio {m.get('python_socketio', '?')}, "
        f"eventlet {m.get('eventlet', '?')}, gevent {m.get('gevent', '?')}; tester on the same machine"
        f" ({driver_name(report.get('driver', 'python'))}).  ",
        f"Rooms of {report['room_size']}, {report['duration']:g} s per step; a step passes with every user "
        f"connected and the load tester's thresholds held (`{' '.join(report.get('thresholds', []))}`).",
        "",
        "| server | mode | users | best rate (msg/s) | deliveries/s | p50 ms | p99 ms | server CPU % "
        "| server CPU ms/delivery | connect p99 ms | KB/user idle (first step) | first failing step |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    best_of = {}
    for s in report["series"]:
        b = s["best"]
        fail = next((st for st in s["steps"] if not st.get("passed")), None)
        fail_txt = "none (all passed)"
        if fail is not None:
            fail_txt = (
                f"{fail.get('rate'):g} msg/s: error"
                if "error" in fail
                else f"{fail['rate']:g} msg/s: p99 {fail['p99_ms']} ms, lost {fail['lost']}, "
                f"connected {fail['connected']}"
            )
        best_of[(s["target"], s["mode"], s["users"])] = b
        if b is None:
            lines.append(f"| {s['target']} | {s['mode']} | {s['users']} | no step passed | | | | | | | | {fail_txt} |")
            continue
        kb = s["steps"][0].get("server_kb_per_user")  # later steps start from a warmed-up heap
        lines.append(
            f"| {s['target']} | {s['mode']} | {s['users']} | {b['rate']:g} | {b['delivered_per_s']} | {b['p50_ms']} "
            f"| {b['p99_ms']} | {b.get('server_cpu_pct')} | {b.get('server_cpu_ms_per_delivery')} "
            f"| {b['connect_p99_ms']} | {kb} "
            f"| {fail_txt} |"
        )
    ratios = []
    for (target, mode, users), b in best_of.items():
        relay = best_of.get(("relay", mode, users))
        if target == "app" and b and relay:
            ratios.append(
                f"- {mode}, {users} users: app / relay = {b['delivered_per_s']} / {relay['delivered_per_s']} "
                f"= **{b['delivered_per_s'] / relay['delivered_per_s']:.2f}** (at the highest passing step of each)"
            )
    if ratios:
        lines += ["", *ratios]
    if png:
        lines += ["", f"![p99 against offered load]({os.path.relpath(png, doc_dir)})"]
    lines += ["", END]
    return "\n".join(lines)


def driver_name(driver: str) -> str:
    """How the table names the load driver."""
    if driver == "js":
        return "bench/jsdriver: the official socket.io-client in one Node process, one sender per room"
    return "python -m loadtest, one process per core"


def update_doc(path: Path, block: str) -> None:
    """Replace the block between the markers (or append it) without touching the rest of the file."""
    text = path.read_text() if path.exists() else "# Performance\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        tail = rest.split(END, 1)[1]
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
