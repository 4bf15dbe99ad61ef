"""How many hostile connections one worker survives while it keeps serving others (docs/SECURITY.md).

Starts `python wsgi.py` (eventlet by default) on a free port, opens N hostile connections of each kind
at once, and meanwhile times a bystander's authenticated REST calls (GET /api/users/me) and socket pings.
Kinds: `idle` (connects, sends nothing), `slowbody` (a polling POST whose body never comes),
`oversize` (a polling POST claiming 100 kB: answered 413 at once, re-sent in a loop).

    python bench/hostile.py --counts 100,1000,5000 --mode eventlet
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import socketio

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(tmp: Path, mode: str, env_extra: dict[str, str]) -> tuple[subprocess.Popen, str, int]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "APP_ENV": "development",
        "ASYNC_MODE": mode,
        "INSTANCE_PATH": str(tmp),
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
        "PORT": str(port),
        "PUBLIC_URL": url,
        "SECRET_KEY": "bench-secret-key-bench-secret-key",
        "BCRYPT_ROUNDS": "4",
        "RATE_LIMITS": "off",
        **env_extra,
    }
    log = open(tmp / "server.log", "ab")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, str(ROOT / "wsgi.py")], cwd=ROOT, env=env, stdout=log, stderr=log)
    for _ in range(200):
        try:
            requests.get(url + "/api/openapi.json", timeout=1)
            return proc, url, port
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def polling_sid(url: str) -> str:
    res = requests.get(url + "/socket.io/?EIO=4&transport=polling", timeout=5)
    return json.loads(res.text[1:])["sid"]


def open_hostile(port: int, url: str, kind: str, n: int) -> list[socket.socket]:
    sid = polling_sid(url)
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        if kind == "slowbody":
            s.sendall(
                f"POST /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: x\r\n"
                "Content-Type: text/plain\r\nContent-Length: 1000\r\n\r\n".encode()
            )
        elif kind == "oversize":
            s.sendall(
                f"POST /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: x\r\n"
                "Content-Type: text/plain\r\nContent-Length: 100000\r\n\r\n".encode()
            )
        socks.append(s)
    return socks


def bystander(url: str, token: str, calls: int) -> dict[str, float]:
    session = requests.Session()
    rest = []
    for _ in range(calls):
        t = time.monotonic()
        r = session.get(url + "/api/users/me", headers={"Authorization": f"Bearer {token}"}, timeout=30)
        r.raise_for_status()
        rest.append((time.monotonic() - t) * 1000)
    client = socketio.Client()
    t = time.monotonic()
    client.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=30)
    connect_ms = (time.monotonic() - t) * 1000
    pings = []
    for _ in range(calls):
        t = time.monotonic()
        client.call("ping", {}, timeout=30)
        pings.append((time.monotonic() - t) * 1000)
    client.disconnect()
    q = lambda xs, p: statistics.quantiles(xs, n=100)[p - 1]  # noqa: E731
    return {
        "rest_p50_ms": round(q(rest, 50), 1),
        "rest_p99_ms": round(q(rest, 99), 1),
        "socket_connect_ms": round(connect_ms, 1),
        "ping_p99_ms": round(q(pings, 99), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--counts", default="100,1000,5000")
    parser.add_argument("--kinds", default="idle,slowbody,oversize")
    parser.add_argument("--mode", default="eventlet")
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--env", action="append", default=[], help="extra server setting NAME=VALUE")
    args = parser.parse_args()
    env_extra = dict(item.split("=", 1) for item in args.env)
    with tempfile.TemporaryDirectory() as tmpdir:
        proc, url, port = start_server(Path(tmpdir), args.mode, env_extra)
        try:
            user = requests.post(
                url + "/api/auth/signup",
                json={"email": "by@example.com", "username": "bystander", "password": "correct-horse-9"},
                timeout=10,
            ).json()
            print(
                json.dumps(
                    {"mode": args.mode, "env": env_extra, "baseline": bystander(url, user["access_token"], args.calls)}
                )
            )
            for kind in args.kinds.split(","):
                for n in [int(c) for c in args.counts.split(",")]:
                    t = time.monotonic()
                    socks = open_hostile(port, url, kind, n)
                    opened = time.monotonic() - t
                    result = bystander(url, user["access_token"], args.calls)
                    alive = proc.poll() is None
                    for s in socks:
                        s.close()
                    print(
                        json.dumps({"kind": kind, "hostile": n, "open_s": round(opened, 1), "alive": alive, **result})
                    )
                    sys.stdout.flush()
                    time.sleep(1)
        finally:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
