"""A like storm against a live server: N different people like one fresh post at once, over HTTP.

    # a server (python wsgi.py) and its users with tokens, from the same environment (SECRET_KEY):
    flask seed-users --count 1001 --room-size 50 --out /tmp/likes-seed.json
    python -m bench.likes --url http://127.0.0.1:5000 --seed /tmp/likes-seed.json --likers 1000 --threads 32
    python -m bench.likes ... --client node     # the likes from Node (bench/jsdriver/likes.mjs)

The first seeded user writes the post and watches it over a socket (counting the `post:updated` it
hears: coalesced, a storm sends a handful, not one per like); the others like it from `--threads`
threads with keep-alive connections (or, with `--client node`, from one Node process with as many
keep-alive connections: it costs the shared cores a fraction of what Python's threads do). Prints
the wall time, the likes per second, the request latencies, the post's `likes` afterwards (must
equal the likes answered 200) and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import threading
import time
from pathlib import Path

import requests
import socketio


def _cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds of a process on this machine (0 without a pid)."""
    if not pid:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _storm_from_node(
    base: str, post_id: int, likers: list[dict], concurrency: int, transport: str, server_pid: int | None
) -> tuple[list, list, float, float]:
    """The likes sent by bench/jsdriver/likes.mjs; (statuses, latencies in ms, seconds, server CPU at the
    start: read when the driver says it is connected, so the sockets' handshakes are not counted)."""
    script = Path(__file__).resolve().parent / "jsdriver" / "likes.mjs"
    cfg = {"url": base, "post_id": post_id, "tokens": [u["token"] for u in likers], "concurrency": concurrency}
    cfg["transport"] = transport
    proc = subprocess.Popen(["node", str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(json.dumps(cfg))
    proc.stdin.close()
    if proc.stdout.readline().strip() != "ready":
        raise SystemExit(f"the Node driver did not connect (exit {proc.wait()})")
    cpu_before = _cpu_seconds(server_pid)
    line = proc.stdout.readline()
    if not line.strip():
        raise SystemExit(f"the Node driver failed (exit {proc.wait()})")
    out = json.loads(line)
    _NODE_DRIVERS.append(proc)  # ended by main() once the last post:updated had its time
    return out["statuses"], out["latencies_ms"], out["seconds"], cpu_before


_NODE_DRIVERS: list[subprocess.Popen] = []


def _end_node_drivers() -> None:
    """End the Node drivers still running (their sockets close)."""
    while _NODE_DRIVERS:
        proc = _NODE_DRIVERS.pop()
        proc.terminate()
        proc.wait(30)


def _storm_from_threads(
    base: str, post_id: int, likers: list[dict], threads: int, server_pid: int | None
) -> tuple[list, list, float, float]:
    """The likes sent from Python threads; (statuses, latencies in ms, seconds, server CPU at the start)."""
    queue = list(likers)
    lock = threading.Lock()
    statuses: list[int] = []
    latencies: list[float] = []
    gate = threading.Barrier(threads + 1)

    def worker() -> None:
        http = requests.Session()
        gate.wait()
        while True:
            with lock:
                if not queue:
                    return
                user = queue.pop()
            t = time.perf_counter()
            try:
                code = http.post(
                    f"{base}/api/posts/{post_id}/like", headers={"Authorization": f"Bearer {user['token']}"}, timeout=60
                ).status_code
            except requests.RequestException:
                code = 0
            with lock:
                latencies.append((time.perf_counter() - t) * 1000)
                statuses.append(code)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    cpu_before = _cpu_seconds(server_pid)
    gate.wait()
    started = time.perf_counter()
    for t in pool:
        t.join()
    return statuses, latencies, time.perf_counter() - started, cpu_before


def main() -> None:
    """Run the storm and print one JSON line of figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--seed", required=True, help="JSON written by `flask seed-users` (ids and tokens).")
    parser.add_argument("--likers", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--server-pid", type=int, default=None, help="Report this process's CPU seconds per like.")
    parser.add_argument("--client", choices=("python", "node"), default="python", help="Who sends the likes.")
    parser.add_argument(
        "--leave-at-once",
        action="store_true",
        help="with --transport socket: every liker disconnects right after the storm (not after the last update)",
    )
    parser.add_argument(
        "--transport",
        choices=("http", "socket"),
        default="http",
        help="socket (with --client node): every liker connected, all send post:like at once",
    )
    args = parser.parse_args()
    users = json.loads(Path(args.seed).read_text())["users"]
    author, likers = users[0], users[1 : 1 + args.likers]
    if len(likers) < args.likers:
        raise SystemExit(f"the seed has {len(users)} users; --likers {args.likers} needs one more")
    base = args.url.rstrip("/")

    def auth(user: dict) -> dict[str, str]:
        return {"Authorization": f"Bearer {user['token']}"}

    res = requests.post(f"{base}/api/posts", json={"body": "like storm"}, headers=auth(author), timeout=30)
    res.raise_for_status()
    post_id = res.json()["id"]

    heard: list[int] = []
    heard_at: list[float] = []
    sock = socketio.Client(reconnection=False)

    def on_updated(p: dict) -> None:
        if p.get("id") == post_id:
            heard.append(p["likes"])
            heard_at.append(time.perf_counter())

    sock.on("post:updated", on_updated)
    sock.connect(base, auth={"token": author["token"]}, transports=["websocket"], wait_timeout=30)
    ack = sock.call("posts:watch", {"post_ids": [post_id]}, timeout=30)
    assert ack.get("post_ids") == [post_id], ack

    load_before = os.getloadavg()
    if args.client == "node":
        statuses, latencies, took, cpu_before = _storm_from_node(
            base, post_id, likers, args.threads, args.transport, args.server_pid
        )
    else:
        statuses, latencies, took, cpu_before = _storm_from_threads(
            base, post_id, likers, args.threads, args.server_pid
        )
    cpu_used = _cpu_seconds(args.server_pid) - cpu_before
    storm_ended = time.perf_counter()
    if args.leave_at_once:  # the likers' sockets close now, all together: their disconnects meet the last update
        _end_node_drivers()
    time.sleep(1.0)  # the coalesced last post:updated
    _end_node_drivers()  # the socket storm's likers stayed connected until now
    sock.disconnect()
    kept = requests.get(f"{base}/api/posts/{post_id}", headers=auth(author), timeout=30).json()["likes"]
    ok = statuses.count(200)
    latencies.sort()
    out = {
        "likers": args.likers,
        "threads": args.threads,
        "client": args.client,
        "transport": args.transport,
        "ok": ok,
        "failed": len(statuses) - ok,
        "seconds": round(took, 2),
        "likes_per_s": round(len(statuses) / took),
        "latency_ms": {
            "median": round(statistics.median(latencies), 1),
            "p99": round(latencies[int(len(latencies) * 0.99) - 1], 1),
            "max": round(latencies[-1], 1),
        },
        "server_cpu_ms_per_like": round(cpu_used * 1000 / max(1, len(statuses)), 2) if args.server_pid else None,
        "likes_count": kept,
        "exact": kept == ok,
        "post_updated_heard": len(heard),
        "last_heard": heard[-1] if heard else None,
        # when the watcher heard the final count, after the storm's last answer (coalescing: up to 0.2 s)
        "final_count_heard_after_ms": round((heard_at[heard.index(kept)] - storm_ended) * 1000)
        if kept in heard
        else None,
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
