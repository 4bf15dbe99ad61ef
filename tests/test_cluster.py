"""Two workers on a real Redis and a real PostgreSQL, behind nginx, as `make cluster` runs them.

The cluster is started by deploy/cluster.py itself (the same code as `make cluster`): a fresh
PostgreSQL database, a flushed Redis database and a private Socket.IO channel. A user on one worker
hears a user on the other; presence, rate limits, logout and seqs hold across workers. Outside CI a
missing Redis, PostgreSQL or nginx skips these tests with the reason; in CI (CI=true) it fails them.
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT, free_port
from tests.services_fixtures import _unavailable, drop_postgres, start_postgres, start_redis
from tests.test_jsdriver import jsdriver_ready  # noqa: F401 (a fixture)
from tests.test_messenger_live import Peer

pytestmark = pytest.mark.timeout(180)
_names = itertools.count(1)
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


class Worker:
    """One worker (or nginx) of the cluster, as the Peer helper expects a server."""

    def __init__(self, url: str):
        self.url = url

    def signup(self, username: str, password: str = "correct-horse-9") -> dict:
        """Sign a user up through this worker."""
        res = requests.post(
            self.url + "/api/auth/signup",
            json={"email": f"{username}@example.com", "username": username, "password": password},
            timeout=10,
        )
        assert res.status_code == 201, res.text
        return res.json()


class Cluster:
    """Handles on the started cluster."""

    def __init__(self, prefix: Path, ports: list[int], nginx_port: int | None, redis_url: str, channel: str):
        self.prefix = prefix
        self.channel = channel
        self.redis_url = redis_url
        self.workers = [Worker(f"http://127.0.0.1:{p}") for p in ports]
        self.front = Worker(f"http://127.0.0.1:{nginx_port}") if nginx_port else None


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """`deploy/cluster.py start` with two eventlet workers, nginx if installed, PostgreSQL and Redis."""
    import redis

    redis_base, redis_proc = start_redis(tmp_path_factory)
    redis_url = redis_base.rsplit("/", 1)[0] + "/14"
    redis.Redis.from_url(redis_url).flushdb()
    database_url = start_postgres()
    prefix = tmp_path_factory.mktemp("cluster")
    ports = [free_port(), free_port()]
    nginx_port = free_port() if NGINX else None
    channel = f"mc-test-{uuid.uuid4().hex[:8]}"
    common = [sys.executable, str(ROOT / "deploy" / "cluster.py")]
    args = [
        "--prefix",
        str(prefix),
        "--workers",
        ",".join(map(str, ports)),
        "--port",
        str(nginx_port or free_port()),
        "--database-url",
        database_url,
        "--redis-url",
        redis_url,
        "--env",
        "BCRYPT_ROUNDS=4",
        "--env",
        f"REDIS_CHANNEL={channel}",
        "--env",
        "PRESENCE_GRACE=1",
    ]
    args.append("--no-tls")  # plain http through nginx here; tests/e2e/test_https_ui.py runs the https cluster
    if not NGINX:
        args.append("--no-nginx")
    started = subprocess.run([*common, "start", *args], capture_output=True, text=True, timeout=120)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        yield Cluster(prefix, ports, nginx_port, redis_url, channel)
    finally:
        subprocess.run([*common, "stop", "--prefix", str(prefix)], capture_output=True, timeout=60)
        drop_postgres(database_url)
        if redis_proc is not None:
            redis_proc.terminate()


def _peer(worker: Worker) -> Peer:
    return Peer(worker, f"cl{next(_names)}_{uuid.uuid4().hex[:6]}")  # type: ignore[arg-type]


def _on(peer: Peer, worker: Worker) -> Peer:
    """Connect peer's socket to a given worker."""
    peer.server = worker  # type: ignore[assignment]
    return peer.connect()


def test_every_worker_listens_to_the_queue_before_any_socket_connects(cluster):
    # First in this module on purpose: no socket has connected yet. A worker that subscribed only at its
    # first connect (python-socketio's default) would let its first clients miss what the other published.
    import redis

    client = redis.Redis.from_url(cluster.redis_url)
    deadline = time.monotonic() + 10
    while True:
        [(_, subscribers)] = client.pubsub_numsub(cluster.channel)
        if subscribers >= len(cluster.workers) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert subscribers == len(cluster.workers)


def test_a_message_from_one_worker_reaches_the_other_within_a_second(cluster):
    w1, w2 = cluster.workers
    a, b = _peer(w1), _peer(w2)
    chat = a.post("/api/chats", {"type": "direct", "user_id": b.id})
    _on(a, w1), _on(b, w2)
    try:
        sent = time.monotonic()
        ack = a.send(chat["id"], "across the cluster", "x1")
        assert ack["ok"] is True, ack
        got = b.wait_for(lambda p: p.messages(chat["id"]), timeout=5)
        assert got and got[0]["body"] == "across the cluster" and got[0]["seq"] == 1
        arrived = next(t for e, d, t in b.heard if e == "message:new")
        assert arrived - sent < 1.0, f"delivered after {arrived - sent:.3f} s"
        # and back: worker 2 to worker 1
        assert b.send(chat["id"], "and back", "y1")["ok"] is True
        assert a.wait_for(lambda p: len(p.messages(chat["id"])) == 2, timeout=1.0)
    finally:
        a.disconnect(), b.disconnect()


def test_presence_is_shared_by_the_workers(cluster):
    w1, w2 = cluster.workers
    a, b = _peer(w1), _peer(w1)
    a.post("/api/chats", {"type": "direct", "user_id": b.id})
    _on(a, w1)
    try:

        def presence_of_b(online: bool):
            return lambda p: [d for e, d, _ in p.heard if e == "presence" and d == {"user_id": b.id, "online": online}]

        _on(b, w2)
        assert a.wait_for(presence_of_b(True), timeout=3), a.heard
        # worker 1 knows that a user connected only to worker 2 is online
        res = requests.get(f"{w1.url}/api/users/{b.id}", headers=a.headers, timeout=10)
        assert res.status_code == 200 and res.json()["online"] is True, res.text
        b.disconnect()
        assert a.wait_for(presence_of_b(False), timeout=3), a.heard
        res = requests.get(f"{w2.url}/api/users/{b.id}", headers=a.headers, timeout=10)
        assert res.json()["online"] is False, res.text
    finally:
        a.disconnect(), b.disconnect()


def test_concurrent_senders_on_both_workers_give_gapless_seqs(cluster):
    w1, w2 = cluster.workers
    peers = [_peer(w1) for _ in range(4)]
    owner = peers[0]
    chat = owner.post("/api/chats", {"type": "group", "name": "Both", "member_ids": [p.id for p in peers[1:]]})
    for i, p in enumerate(peers):
        _on(p, w1 if i % 2 == 0 else w2)
    acks: list[dict] = []
    lock = threading.Lock()

    def burst(p: Peer, n: int) -> None:
        for k in range(50):
            ack = p.send(chat["id"], f"{n}-{k}", f"{p.id}-{k}", timeout=20)
            with lock:
                acks.append(ack)

    try:
        threads = [threading.Thread(target=burst, args=(p, n)) for n, p in enumerate(peers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert len(acks) == 200 and all(a["ok"] for a in acks), [a for a in acks if not a.get("ok")][:3]
        # seq 1 is the group's own first line (`created`); the 200 sends follow it without a gap
        assert sorted(a["message"]["seq"] for a in acks) == list(range(2, 202))
        res = requests.get(
            f"{w2.url}/api/messages/{chat['id']}", params={"after": 1, "limit": 200}, headers=owner.headers, timeout=10
        )
        assert res.status_code == 200, res.text
        items = res.json()["items"] if isinstance(res.json(), dict) else res.json()
        assert sorted(m["seq"] for m in items) == list(range(2, 202))
        assert len({m["client_id"] for m in items}) == 200
        for p in peers:  # every member, on either worker, heard each of the 200 exactly once
            assert p.wait_for(lambda q: len(q.messages(chat["id"])) >= 200, timeout=10)
            time.sleep(0.2)
            heard = [m["seq"] for m in p.messages(chat["id"])]
            # Two workers commit in seq order (the chat row's lock) but publish independently, so
            # arrivals may swap neighbours; clients place messages by seq, never by arrival.
            assert sorted(heard) == list(range(2, 202)), heard
    finally:
        for p in peers:
            p.disconnect()


def test_logout_on_one_worker_closes_the_sessions_sockets_on_both(cluster):
    w1, w2 = cluster.workers
    a = _peer(w1)
    first = _on(a, w1).client
    a.client = None
    second = _on(a, w2).client
    assert first.connected and second.connected
    res = requests.post(f"{w1.url}/api/auth/logout", headers=a.headers, timeout=10)
    assert res.status_code == 204, res.text
    deadline = time.monotonic() + 5
    while (first.connected or second.connected) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not first.connected and not second.connected


def test_login_rate_limit_is_shared_by_the_workers(cluster):
    w1, w2 = cluster.workers
    a = _peer(w1)
    codes = []
    for i in range(11):
        res = requests.post(
            f"{(w1 if i % 2 else w2).url}/api/auth/login",
            json={"login": a.auth["user"]["username"], "password": "wrong-password-1"},
            timeout=10,
        )
        codes.append(res.status_code)
    assert codes[:10] == [401] * 10 and codes[10] == 429, codes


def test_nginx_spreads_sockets_over_the_workers_and_relays_both_ways(cluster):
    if cluster.front is None:
        _unavailable("nginx is not installed (apt-get install nginx)")
    front = cluster.front
    peers = [_peer(front) for _ in range(4)]
    chat = peers[0].post("/api/chats", {"type": "group", "name": "Front", "member_ids": [p.id for p in peers[1:]]})
    for p in peers:
        p.connect()
    try:
        assert peers[1].send(chat["id"], "through nginx", "n1")["ok"] is True
        for p in peers:
            assert p.wait_for(lambda q: q.messages(chat["id"]), timeout=2)
        # least_conn put the four websockets on both workers: each worker registered its users in presence
        import redis

        store = redis.Redis.from_url(cluster.redis_url, decode_responses=True)
        keys = [f"mc:{cluster.channel}:pw:{w.url.removeprefix('http://')}" for w in cluster.workers]
        per_worker = [store.scard(key) for key in keys]
        assert all(n >= 1 for n in per_worker) and sum(per_worker) >= 4, per_worker
    finally:
        for p in peers:
            p.disconnect()


def _sockets_connected(url: str) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    res = requests.get(url + "/metrics", timeout=10)
    assert res.status_code == 200, res.text
    for family in text_string_to_metric_families(res.text):
        if family.name == "masterchat_sockets_connected":
            return sum(s.value for s in family.samples)
    raise AssertionError("masterchat_sockets_connected missing")


def test_readyz_and_metrics_add_up_every_worker(cluster):
    """Each worker is ready; /metrics asked of either worker counts the sockets of both (multiprocess)."""
    w1, w2 = cluster.workers
    for w in (*cluster.workers, *([cluster.front] if cluster.front else [])):
        res = requests.get(w.url + "/readyz", timeout=10)
        assert res.status_code == 200 and res.json()["checks"] == {"database": "ok", "schema": "ok", "redis": "ok"}
    base = _sockets_connected(w1.url)
    a, b = _peer(w1), _peer(w2)
    _on(a, w1), _on(b, w2)
    try:
        assert _sockets_connected(w1.url) == base + 2
        assert _sockets_connected(w2.url) == base + 2
        if cluster.front:  # through nginx from loopback: allowed
            assert _sockets_connected(cluster.front.url) == base + 2
    finally:
        a.disconnect(), b.disconnect()
    deadline = time.monotonic() + 5
    while _sockets_connected(w2.url) != base and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _sockets_connected(w2.url) == base


@pytest.mark.usefixtures("jsdriver_ready")
def test_the_js_driver_spreads_its_users_over_the_workers(cluster, tmp_path):
    """bench/jsbench.py --url w1,w2 (each worker's own port, no nginx): 40 users in rooms of 10 connect half to
    each worker, every room spanning both; every acked message reaches the 9 others across the workers once,
    and the step's server CPU counts both workers."""
    import json
    import os

    exported = subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "cluster.py"), "env", "--prefix", str(cluster.prefix)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert exported.returncode == 0, exported.stderr
    env = {**os.environ}
    for line in exported.stdout.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        env[name] = value
    pids = json.loads((cluster.prefix / "cluster.json").read_text())["workers"].values()
    urls = [w.url for w in cluster.workers]
    out = tmp_path / "js.json"
    cmd = [sys.executable, str(ROOT / "bench" / "jsbench.py"), "--url", ",".join(urls), "--db", env["DATABASE_URL"]]
    cmd += ["--users", "40", "--room-size", "10", "--rates", "8", "--duration", "2", "--connect-rate", "40"]
    cmd += ["--grace", "5", "--server-pid", ",".join(map(str, pids)), "--max-runtime", "120", "--json", str(out)]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=170)
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-3000:])

    result = json.loads(out.read_text())
    assert result["urls"] == urls
    assert result["connect"]["connected_by_url"] == {urls[0]: 20, urls[1]: 20}, result["connect"]
    (step,) = result["steps"]
    assert step["sent"] == 16 and step["acked"] == 16, step  # 8 msg/s for 2 s from the four rooms' senders
    assert step["delivered"] == step["expected"] == 16 * 9 and step["duplicates"] == 0, step
    assert step["server_cpu_ms"] > 0, step
