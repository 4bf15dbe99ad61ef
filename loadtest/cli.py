"""`python -m loadtest`: seed, connect N clients from several processes, send, drain, count, report."""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import secrets
import subprocess
import sys
import threading
import time
from array import array
from multiprocessing.connection import wait
from pathlib import Path

from loadtest.combine import add_threshold_args, thresholds_from_args
from loadtest.monitor import ServerMonitor, find_server_pid
from loadtest.report import Progress, ms, percentile, plot, table
from loadtest.scenario import Scenario, load_scenario
from loadtest.seed import load_seed, run_seed_command, synthetic_seed
from loadtest.thresholds import verdict
from loadtest.worker import worker_main

MAX_USERS = 100_000
MAX_DURATION = 3600


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(
        prog="python -m loadtest",
        description="Load-test a Masterchat (or any compatible Socket.IO chat) server. "
        "Also: `python -m loadtest merge a.json b.json ...`, `python -m loadtest compare old.json new.json`.",
    )
    p.add_argument("--url", required=True, help="server URL (e.g. http://127.0.0.1:5000; any host, see README)")
    p.add_argument("--users", type=int, required=True, help="connected users")
    p.add_argument("--room-size", type=int, default=10, help="members per chat (default 10)")
    p.add_argument("--rate", type=float, default=100, help="messages sent per second, all senders together")
    p.add_argument("--duration", type=float, default=10, help="seconds of sending")
    p.add_argument("--json", dest="json_out", default="loadtest.json", help="where to write the results")
    p.add_argument("--ramp", type=float, default=500, help="new connections per second (default 500)")
    p.add_argument("--procs", type=int, default=os.cpu_count() or 1, help="client processes (default: cores)")
    p.add_argument("--body-size", type=int, default=64, help="message body length in characters")
    p.add_argument("--sender-share", type=float, default=1.0, help="fraction of users who send (0..1]")
    p.add_argument("--grace", type=float, default=5.0, help="seconds to wait for late deliveries")
    p.add_argument("--ack-timeout", type=float, default=10.0, help="seconds before a send counts as unacked")
    p.add_argument("--connect-timeout", type=float, default=20.0, help="seconds allowed per connect")
    p.add_argument(
        "--client",
        choices=("raw", "socketio"),
        default="raw",
        help="raw: the tester's lean Socket.IO client (default); socketio: python-socketio's AsyncClient",
    )
    fault = p.add_argument_group("a restart mid-run (docs/RELIABILITY.md)")
    fault.add_argument(
        "--restart-cmd",
        help="shell command run --restart-at s into the send phase, e.g. "
        "'python deploy/cluster.py restart-worker --worker 5001'; dropped clients reconnect and sync",
    )
    fault.add_argument("--restart-at", type=float, default=5.0, help="seconds into the send phase (default 5)")
    fault.add_argument("--reconnect", action="store_true", help="dropped clients reconnect, then sync")
    fault.add_argument("--reconnect-spread", type=float, default=5.0, help="reconnect jitter, seconds (default 5)")
    fault.add_argument("--recovery-timeout", type=float, default=90.0, help="seconds to wait for every client back")
    src = p.add_argument_group("where users come from (one of)")
    src.add_argument("--seed-file", help="a JSON written by `flask seed-users`")
    src.add_argument("--app-dir", help="run the app's seed command in this folder (default: with --db, here)")
    src.add_argument("--db", help="DATABASE_URL of the server, for the seed command")
    src.add_argument("--synthetic", action="store_true", help="made-up users and tokens (bench/relay.py)")
    p.add_argument("--server-pid", type=int, help="server pid for CPU/RSS (default: who listens on the port)")
    p.add_argument("--details", action="store_true", help="list every message in the JSON (for checking)")
    p.add_argument("--no-plot", action="store_true", help="skip the PNG")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    more = p.add_argument_group("scenarios, stages and many machines (README, 'Load testing')")
    more.add_argument(
        "--scenario", dest="scenario_file", help="a TOML scenario file: scenario, stages, mix, thresholds"
    )
    more.add_argument("--shard", help="i/n: run the i-th of n shares of the seed's chats (1-based), e.g. 1/3")
    more.add_argument("--label", default="", help="a note stored in the result (shown by compare)")
    add_threshold_args(p)
    args = p.parse_args(argv)
    args.scenario = load_scenario(args.scenario_file) if args.scenario_file else Scenario()
    if args.scenario.room_size:
        args.room_size = args.scenario.room_size
    if args.scenario.body_size:
        args.body_size = args.scenario.body_size
    args.limits = thresholds_from_args(args, args.scenario.thresholds)
    args.stages = args.scenario.resolved_stages(args.users, args.rate) if args.scenario.stages else []
    if args.scenario.scenario != "group" and not args.stages:
        args.stages = Scenario(stages=[{"duration": args.duration}]).resolved_stages(args.users, args.rate)
    if args.stages:
        args.duration = sum(st["duration"] for st in args.stages)
    if args.shard:
        try:
            i, n = (int(x) for x in args.shard.split("/"))
            assert 1 <= i <= n
        except (ValueError, AssertionError):
            p.error("--shard must be i/n with 1 <= i <= n, e.g. 2/4")
        args.shard = (i, n)
    if not 1 <= args.users <= MAX_USERS:
        p.error(f"--users must be 1..{MAX_USERS}")
    if not 0 < args.duration <= MAX_DURATION:
        p.error(f"--duration must be in (0, {MAX_DURATION}]")
    if not 0 < args.sender_share <= 1:
        p.error("--sender-share must be in (0, 1]")
    if args.room_size < 2:
        p.error("--room-size must be at least 2")
    args.procs = max(1, min(args.procs, args.users))
    args.reconnect = args.reconnect or bool(args.restart_cmd)
    # churn: a send cut off by the drop is resent with its client_id once the user is back (as the web client)
    args.reconnect = args.reconnect or any(st["churn"] > 0 for st in args.stages)
    return args


def get_seed(args: argparse.Namespace) -> dict:
    """Users and chats for this run, from a file, the app's seed command, or made up."""
    if args.seed_file:
        seed = load_seed(args.seed_file)
        if len(seed["users"]) < args.users:
            raise SystemExit(f"{args.seed_file} has {len(seed['users'])} users, --users asks for {args.users}")
        keep = seed["users"][: args.users]
        ids = {u["id"] for u in keep}
        seed["users"] = keep
        seed["chats"] = [{**c, "member_ids": [m for m in c["member_ids"] if m in ids]} for c in seed["chats"]]
        return seed
    if args.synthetic:
        return synthetic_seed(args.users, args.room_size)
    app_dir = args.app_dir or os.getcwd()
    return run_seed_command(app_dir, args.db, args.users, args.room_size)


class Coordinator:
    """Starts the worker processes, moves them through the phases, and adds up what they counted."""

    def __init__(self, args: argparse.Namespace, seed: dict) -> None:
        self.args = args
        self.seed = seed
        self.tag = "lt" + secrets.token_hex(3)
        self.progress = Progress(enabled=not args.quiet)
        self.members = {c["id"]: list(c["member_ids"]) for c in seed["chats"]}
        self.chat_sizes = {cid: len(m) for cid, m in self.members.items()}
        self.live: dict[int, dict] = {}
        self.results: list[dict] = []

    def start_workers(self) -> None:
        """Spawn the client processes, users dealt round-robin so each holds part of every room."""
        ctx = mp.get_context("spawn")
        cfg = {
            "url": self.args.url,
            "tag": self.tag,
            "body_size": self.args.body_size,
            "sender_share": self.args.sender_share,
            "ack_timeout": self.args.ack_timeout,
            "connect_timeout": self.args.connect_timeout,
            "client": self.args.client,
            "reconnect": self.args.reconnect,
            "reconnect_spread": self.args.reconnect_spread,
            "market": self.seed.get("market"),
            "feed": self.seed.get("feed"),
        }
        users = self.seed["users"]
        self.pipes, self.procs = [], []
        for i in range(self.args.procs):
            parent, child = ctx.Pipe()
            proc = ctx.Process(
                target=worker_main, args=(i, cfg, users[i :: self.args.procs], self.chat_sizes, child), daemon=True
            )
            proc.start()
            self.pipes.append(parent)
            self.procs.append(proc)

    def broadcast(self, *cmd) -> None:
        """Send a command to every worker."""
        for pipe in self.pipes:
            pipe.send(cmd)

    def gather(self, kind: str, timeout: float, draw=None) -> list[dict]:
        """Collect one `kind` message from every worker, drawing progress as it goes."""
        got: dict[int, dict] = {}
        deadline = time.monotonic() + timeout
        while len(got) < len(self.pipes):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SystemExit(f"workers did not report {kind!r} in {timeout:.0f} s")
            for pipe in wait(self.pipes, timeout=min(remaining, 0.2)):
                i = self.pipes.index(pipe)
                try:
                    msg_kind, data = pipe.recv()
                except EOFError:
                    raise SystemExit(f"worker {i} died (during {kind})") from None
                if msg_kind == "progress":
                    self.live[i] = data
                elif msg_kind == kind:
                    got[i] = data
            if draw:
                draw()
            for i, proc in enumerate(self.procs):
                if i not in got and not proc.is_alive():
                    raise SystemExit(f"worker {i} exited with code {proc.exitcode} (during {kind})")
        return [got[i] for i in range(len(self.pipes))]

    def total(self, key: str) -> int:
        """Sum of a live counter over workers."""
        return sum(d.get(key, 0) for d in self.live.values())

    def run(self) -> dict:
        """The whole test; returns the result dict (also written as JSON)."""
        args = self.args
        pid = args.server_pid or find_server_pid(args.url)
        monitor = ServerMonitor(pid).start()
        rss_before = monitor.rss_now()
        self.start_workers()
        n = len(self.seed["users"])

        # 1. connect
        t_connect = time.monotonic()
        first = args.stages[0]["users_from"] / n if args.stages else 1.0  # staged: the first stage's users
        self.broadcast("connect", args.ramp / len(self.pipes), first)
        monitor.phase = "connect"
        connected = self.gather(
            "connected",
            timeout=n / args.ramp + args.connect_timeout + 60,
            draw=lambda: self.progress.show(
                "connect",
                self.total("connected") + self.total("connect_failed"),
                n,
                f"{self.total('connected')}/{n} up, {self.total('connect_failed')} failed",
            ),
        )
        connect_s = time.monotonic() - t_connect
        self.progress.show("connect", n, n, f"{sum(len(c['connected_ids']) for c in connected)}/{n} up", force=True)
        self.progress.done()
        connected_ids = {uid for c in connected for uid in c["connected_ids"]}
        monitor.phase = "idle"
        time.sleep(1.0)
        rss_idle = monitor.rss_now()

        # 2. send
        t0 = time.time() + 0.5
        if args.stages:
            self.broadcast("stages", t0, args.stages, n, len(self.pipes))
        else:
            self.broadcast("start", t0, args.duration, args.rate / len(self.pipes))
        monitor.phase = "send"

        def draw_send() -> None:
            elapsed = min(args.duration, max(0.0, time.time() - t0))
            self.progress.show(
                "send", elapsed, args.duration, f"{elapsed:4.1f}/{args.duration:g} s  " + self.live_line()
            )

        self.restart: dict = {}
        restarter = None
        if args.restart_cmd:
            restarter = threading.Thread(target=self._restart, args=(t0 + args.restart_at,), daemon=True)
            restarter.start()
        sent_reports = self.gather("sent", timeout=2 * args.duration + 3 * args.ack_timeout + 45, draw=draw_send)
        self.progress.show("send", 1, 1, f"sent {sum(r['sent'] for r in sent_reports)}", force=True)
        self.progress.done()
        monitor.phase = "drain"

        # 3. drain: wait until every expected delivery arrived, or the grace period ends
        expected_now = self._expected_estimate(connected_ids)
        deadline = time.monotonic() + args.grace
        while time.monotonic() < deadline and self.total("delivered") < expected_now:
            self.gather_progress(0.2)
            self.progress.show("drain", self.total("delivered"), expected_now, f"{self.total('delivered')}")
        self.gather_progress(0.3)
        self.progress.show("drain", self.total("delivered"), max(1, expected_now), "done", force=True)
        self.progress.done()
        if restarter is not None:
            restarter.join(args.recovery_timeout)
            deadline = time.monotonic() + args.recovery_timeout
            while time.monotonic() < deadline and self.total("rejoining") > 0:
                self.gather_progress(0.2)
                self.progress.show("rejoin", self.total("recovered"), self.total("recovered") + self.total("rejoining"))
            self.progress.done()
        monitor.phase = "finish"

        # 4. collect
        self.broadcast("finish")
        self.results = self.gather("result", timeout=120)
        for proc in self.procs:
            proc.join(10)
        monitor.stop()
        result = self.summarise(connected_ids, t0, connect_s, monitor, rss_before, rss_idle)
        return result

    def _restart(self, at: float) -> None:
        """Run --restart-cmd at wall time `at`; note when it started and how long it took."""
        time.sleep(max(0.0, at - time.time()))
        started = time.time()
        done = subprocess.run(self.args.restart_cmd, shell=True, capture_output=True, text=True)
        self.restart = {
            "cmd": self.args.restart_cmd,
            "started_at": started,
            "took_s": round(time.time() - started, 2),
            "returncode": done.returncode,
            "output": (done.stdout + done.stderr)[-500:],
        }

    def live_line(self) -> str:
        """Live figures: sent, acked, delivered, lost so far (estimated), p99 of the last seconds."""
        from loadtest.live import live_line

        return live_line(self)

    def gather_progress(self, timeout: float) -> None:
        """Read progress messages for up to `timeout` s."""
        for pipe in wait(self.pipes, timeout=timeout):
            try:
                kind, data = pipe.recv()
            except EOFError:
                continue
            if kind == "progress":
                self.live[self.pipes.index(pipe)] = data

    def _expected_estimate(self, connected_ids: set[int]) -> int:
        """Deliveries to expect from the acked count (exact totals come with the results)."""
        live_sizes = {cid: sum(1 for m in ms_ if m in connected_ids) for cid, ms_ in self.members.items()}
        avg = sum(max(0, s - 1) for s in live_sizes.values()) / max(1, len(live_sizes))
        return int(self.total("acked") * avg)

    def summarise(self, connected_ids, t0, connect_s, monitor, rss_before, rss_idle) -> dict:
        """Add the workers' results up into the report."""
        args = self.args
        sent: dict[str, list] = {}
        delivered: dict[str, int] = {}
        latency, latency_at, connect_ms, ack_ms = array("d"), array("d"), array("d"), array("d")
        stable = array("b")
        senders = array("q")
        dropped_ids: set[int] = set()
        recoveries: list = []
        ever_dropped = synced = 0
        ack_errors: dict[str, int] = {}
        dups = ooo = echoes = disconnects = 0
        last_delivery = t0
        for r in self.results:
            sent.update(r["sent"])
            for cid, k in r["delivered"].items():
                delivered[cid] = delivered.get(cid, 0) + k
            latency.frombytes(r["latency"])
            latency_at.frombytes(r["latency_at"])
            stable.frombytes(r["latency_stable"])
            senders.frombytes(r.get("latency_sender", b""))
            dropped_ids.update(r.get("ever_dropped_ids", ()))
            recoveries += r["recoveries"]
            ever_dropped += r["ever_dropped"]
            synced += r["synced"]
            connect_ms.frombytes(r["connect_ms"])
            ack_ms.frombytes(r["ack_ms"])
            for code, k in r["ack_errors"].items():
                ack_errors[code] = ack_errors.get(code, 0) + k
            dups += r["duplicates"]
            ooo += r["out_of_order"]
            echoes += r["own_echoes"]
            disconnects += r["disconnects"]
            last_delivery = max(last_delivery, r["last_delivery"])

        expected = lost = unexpected = 0
        for cid, (chat_id, sender, *_rest, status, _seq) in sent.items():
            if status == "error":
                continue  # refused by the server: nobody should hear it
            should = sum(1 for m in self.members.get(chat_id, ()) if m != sender and m in connected_ids)
            got = delivered.get(cid, 0)
            expected += should
            lost += max(0, should - got)
            unexpected += max(0, got - should)
        n_delivered = sum(delivered.values())
        lat_sorted = sorted(v * 1000 for v in latency)
        con_sorted = sorted(connect_ms)
        ack_sorted = sorted(ack_ms)
        window = max(args.duration, last_delivery - t0)
        connected = len(connected_ids)
        result = {
            "url": args.url,
            "users": len(self.seed["users"]),
            "room_size": args.room_size,
            "rate": args.rate,
            "duration": args.duration,
            "procs": args.procs,
            "body_size": args.body_size,
            "sender_share": args.sender_share,
            "client": args.client,
            "connected": connected,
            "connect_failed": len(self.seed["users"]) - connected,
            "connect_s": round(connect_s, 2),
            "connect_p50_ms": ms(percentile(con_sorted, 50)),
            "connect_p99_ms": ms(percentile(con_sorted, 99)),
            "connect_max_ms": ms(con_sorted[-1] if con_sorted else None),
            "disconnects": disconnects,
            "sent": len(sent),
            "acked": sum(1 for r in sent.values() if r[4] == "ok"),
            "ack_errors": ack_errors,
            "ack_p50_ms": ms(percentile(ack_sorted, 50)),
            "ack_p99_ms": ms(percentile(ack_sorted, 99)),
            "expected": expected,
            "delivered": n_delivered,
            "lost": lost,
            "unexpected": unexpected,
            "duplicates": dups,
            "out_of_order": ooo,
            "own_echoes": echoes,
            "p50_ms": ms(percentile(lat_sorted, 50)),
            "p95_ms": ms(percentile(lat_sorted, 95)),
            "p99_ms": ms(percentile(lat_sorted, 99)),
            "max_ms": ms(lat_sorted[-1] if lat_sorted else None),
            "delivered_per_s": round(n_delivered / window, 1) if window > 0 else 0.0,
            "offered_deliveries_per_s": round(args.rate * (args.room_size - 1), 1),
            **monitor.summary(),
            "server_rss_before_mb": None if rss_before is None else round(rss_before, 1),
            "server_rss_idle_mb": None if rss_idle is None else round(rss_idle, 1),
            "server_kb_per_user": (
                round((rss_idle - rss_before) * 1024 / connected, 1)
                if rss_idle is not None and rss_before is not None and connected
                else None
            ),
            "started_at": round(t0, 3),
            "tag": self.tag,
        }
        if self.restart:
            result["restart"] = self._restart_summary(
                latency, latency_at, stable, recoveries, ever_dropped, synced, senders, dropped_ids
            )
        if args.details:
            result["messages"] = [
                {
                    "client_id": cid,
                    "chat_id": r[0],
                    "sender_id": r[1],
                    "status": r[4],
                    "seq": r[5],
                    "deliveries": delivered.get(cid, 0),
                }
                for cid, r in sent.items()
            ]
        self._latency = (list(latency_at), list(latency))
        self._samples = {"latency_ms": lat_sorted, "connect_ms": con_sorted, "ack_ms": ack_sorted}
        if args.stages:
            from loadtest.staged import staged_figures

            figures = staged_figures(self.results, sent, delivered, self.members, args.stages, t0, latency_at, latency)
            result.update(figures)
            result["connected"] = len({int(u) for r in self.results for u in r.get("presence", {})})
        return result

    def _restart_summary(
        self, latency, latency_at, stable, recoveries, ever_dropped, synced, senders=(), dropped_ids=()
    ) -> dict:
        """The restart's figures: who dropped, how fast each was back and caught up, and the p99 of the
        users who never dropped, for messages sent from the restart until the last client was back.

        `stable_*`: every message those users got. `live_*`: only those whose sender never dropped
        either: a message cut off by its sender's drop is resent once the sender is back, stamped
        with its first attempt, so it arrives seconds late whatever the server does for the users
        who stayed (those seconds are the sender's reconnect time, reported above)."""
        start = self.restart["started_at"]
        caught = sorted(done - start for _d, _b, done in recoveries)
        back = sorted(b - d for d, b, _done in recoveries)
        all_back = caught[-1] if caught else 0.0
        end = start + max(all_back, self.restart["took_s"])
        during, live, by_second = [], [], {}
        for i, (lat, at, ok) in enumerate(zip(latency, latency_at, stable, strict=True)):
            if not ok or not start <= at <= end:
                continue
            during.append(lat * 1000)
            if len(senders) == len(latency) and senders[i] not in dropped_ids:
                live.append(lat * 1000)
                by_second.setdefault(int(at - start), []).append(lat * 1000)
        during.sort()
        live.sort()
        return {
            **self.restart,
            "dropped_clients": ever_dropped,
            "recovered_clients": len(recoveries),
            "not_recovered": sum(r["still_rejoining"] for r in self.results),
            "all_back_and_caught_up_s": round(all_back, 2),
            "reconnect_p50_ms": ms(percentile([v * 1000 for v in back], 50)),
            "reconnect_p99_ms": ms(percentile([v * 1000 for v in back], 99)),
            "caught_up_p99_s": round(percentile(caught, 99) or 0.0, 2),
            "synced_messages": synced,
            "sync_errors": sum(r.get("sync_errors", 0) for r in self.results),
            "stable_p50_ms_during": ms(percentile(during, 50)),
            "stable_p99_ms_during": ms(percentile(during, 99)),
            "stable_samples_during": len(during),
            "live_p50_ms_during": ms(percentile(live, 50)),
            "live_p99_ms_during": ms(percentile(live, 99)),
            "live_samples_during": len(live),
            # p99 of those live deliveries by the second of the restart they were sent in
            "live_p99_ms_by_second": {s: ms(percentile(sorted(v), 99)) for s, v in sorted(by_second.items())},
        }


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m loadtest`."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("merge", "compare"):
        from loadtest.combine import compare_main, merge_main

        return (merge_main if argv[0] == "merge" else compare_main)(argv[1:])
    from loadtest import setup

    args = parse_args(argv)
    setup.announce(args)
    seed = setup.prepare(args, get_seed(args))
    coordinator = Coordinator(args, seed)
    result = coordinator.run()
    checks = setup.finish(result, coordinator, args)
    out = Path(args.json_out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not args.no_plot:
        png = plot(result, *coordinator._latency, result["started_at"], out.with_suffix(".png"))
        result["plot"] = str(png) if png else None
    out.write_text(json.dumps(result, indent=2))
    print(table(result))
    if "restart" in result:
        print("restart: " + json.dumps({k: v for k, v in result["restart"].items() if k != "output"}))
    setup.print_extra(result)
    print(verdict(checks))
    print(f"results: {out}" + (f", plot: {result.get('plot')}" if result.get("plot") else ""))
    failed = [c for c in checks if not c["held"]]
    if failed:
        print("FAILED: " + "; ".join(c["why"] for c in failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
