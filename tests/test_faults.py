"""Faults (issue 12): Redis restarted, stopped and paused under two workers; a worker killed or drained.

A private redis-server on a free port (never the machine's shared one: these tests kill and
pause it), PostgreSQL, and two eventlet workers started by deploy/cluster.py, behind nginx when it
is installed. The test client catches up the way the web client does: `chat:sync` from the last
seq it holds contiguously when a `message:new` skips a seq, when told to `resync`, and after
every reconnect; unacknowledged sends are resent with the same client_id.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
import socketio as sio

from tests.conftest import ROOT, free_port
from tests.services_fixtures import _port_open, _unavailable, drop_postgres, start_postgres
from tests.test_cluster import NGINX, Worker

pytestmark = pytest.mark.timeout(240)
_names = itertools.count(1)
CLUSTER = [sys.executable, str(ROOT / "deploy" / "cluster.py")]


class PrivateRedis:
    """A redis-server of our own that can be stopped, restarted (empty) and paused."""

    def __init__(self, tmp: Path):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            _unavailable("no redis-server binary to start a private Redis")
        self.port = free_port()
        self.dir = tmp
        self.proc: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.dir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not _port_open(self.port):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def pause(self) -> None:
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.proc.send_signal(signal.SIGCONT)


class Cluster:
    def __init__(self, prefix: Path, ports: list[int], front: int | None, redis: PrivateRedis):
        self.prefix, self.ports, self.redis = prefix, ports, redis
        self.workers = [Worker(f"http://127.0.0.1:{p}") for p in ports]
        self.front = Worker(f"http://127.0.0.1:{front}") if front else None

    def run(self, command: str, *args: str) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [*CLUSTER, command, "--prefix", str(self.prefix), *args], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Two workers (PRESENCE_TTL=3 s so that a dead worker is noticed fast) on a private Redis."""
    redis = PrivateRedis(tmp_path_factory.mktemp("redis")).start()
    database_url = start_postgres()
    prefix = tmp_path_factory.mktemp("faults")
    ports = [free_port(), free_port()]
    front = free_port() if NGINX else None
    args = ["--workers", ",".join(map(str, ports)), "--port", str(front or free_port())]
    args += ["--database-url", database_url, "--redis-url", redis.url]
    for env in ("BCRYPT_ROUNDS=4", "RATE_LIMITS=off", "PRESENCE_TTL=3", "PRESENCE_GRACE=1", "DRAIN_TIMEOUT=8"):
        args += ["--env", env]
    args += ["--env", f"REDIS_CHANNEL=mc-faults-{uuid.uuid4().hex[:8]}"]
    args.append("--no-tls")  # plain http through nginx (tests/e2e/test_https_ui.py runs the https cluster)
    if not NGINX:
        args.append("--no-nginx")
    made = Cluster(prefix, ports, front, redis)
    try:
        made.run("start", *args)
        yield made
    finally:
        subprocess.run([*CLUSTER, "stop", "--prefix", str(prefix)], capture_output=True, timeout=60)
        drop_postgres(database_url)
        redis.resume() if redis.proc and redis.proc.poll() is None else None
        redis.stop()


class CatchingUpPeer:
    """A user whose socket reconnects and fills gaps like the web client: the seqs it holds per chat."""

    def __init__(self, server: Worker, name: str | None = None):
        self.server = server
        self.auth = server.signup(name or f"f{next(_names)}_{uuid.uuid4().hex[:6]}")
        self.id = self.auth["user"]["id"]
        self.headers = {"Authorization": f"Bearer {self.auth['access_token']}"}
        self.seqs: dict[int, set[int]] = {}
        self.events: list[tuple[str, object, float]] = []
        self.lock = threading.Lock()
        self.need_sync = threading.Event()
        self.connects = 0
        self.client = sio.Client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1)
        self.client.on("*", self._record)
        self.client.on("connect", self._on_connect)
        self._stop = threading.Event()
        self._syncer = threading.Thread(target=self._sync_loop, daemon=True)

    def connect(self, url: str | None = None) -> CatchingUpPeer:
        self.client.connect(url or self.server.url, auth={"token": self.auth["access_token"]}, transports=["websocket"])
        self._syncer.start()
        return self

    def close(self) -> None:
        self._stop.set()
        self.client.disconnect()

    def _on_connect(self) -> None:
        self.connects += 1
        if self.connects > 1:
            self.need_sync.set()  # after every reconnect

    def _record(self, event, data=None) -> None:
        with self.lock:
            self.events.append((event, data, time.monotonic()))
        if event == "message:new":
            self._hold(data["chat_id"], [data["seq"]])
        elif event == "resync":
            self.need_sync.set()

    def _hold(self, chat_id: int, seqs: list[int]) -> None:
        with self.lock:
            held = self.seqs.setdefault(chat_id, set())
            before = self._contiguous(held)
            held.update(seqs)
            if any(s > before + 1 for s in seqs) and self._contiguous(held) < max(held):
                self.need_sync.set()  # a gap: some seq below this one never arrived

    @staticmethod
    def _contiguous(held: set[int]) -> int:
        n = 0
        while n + 1 in held:
            n += 1
        return n

    def _sync_loop(self) -> None:
        while not self._stop.is_set():
            if not self.need_sync.wait(0.1) or not self.client.connected:
                continue
            self.need_sync.clear()
            try:
                for chat_id in list(self.seqs):
                    self.sync(chat_id)
            except Exception:
                self.need_sync.set()
                time.sleep(0.2)

    def sync(self, chat_id: int) -> None:
        while True:
            with self.lock:
                after = self._contiguous(self.seqs.setdefault(chat_id, set()))
            ack = self.client.call("chat:sync", {"chat_id": chat_id, "after_seq": after, "limit": 200}, timeout=5)
            assert ack["ok"], ack
            with self.lock:
                self.seqs[chat_id].update(m["seq"] for m in ack["messages"])
            if not ack["has_more"]:
                return

    def holds_all(self, chat_id: int, n: int) -> bool:
        with self.lock:
            return self.seqs.get(chat_id, set()) >= set(range(1, n + 1))


class Sender(threading.Thread):
    """Sends through one peer's socket until stopped; a send without an ack is resent with its client_id."""

    def __init__(self, peer: CatchingUpPeer, chat_id: int, every: float = 0.05):
        super().__init__(daemon=True)
        self.peer, self.chat_id, self.every = peer, chat_id, every
        self.acked: dict[str, int] = {}
        self.ack_times: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        k = 0
        while not self.stop.is_set():
            client_id = f"{self.peer.id}-{k}"
            body = {"chat_id": self.chat_id, "body": f"m {client_id}", "client_id": client_id}
            started = time.monotonic()
            while client_id not in self.acked:
                try:
                    ack = self.peer.client.call("message:send", body, timeout=5)
                    if ack.get("ok"):
                        self.acked[client_id] = ack["message"]["seq"]
                        self.ack_times.append(time.monotonic() - started)
                        self.peer._hold(self.chat_id, [ack["message"]["seq"]])
                except Exception:  # not connected, or no ack: resend the same client_id
                    time.sleep(0.1)
                if self.stop.is_set() and client_id not in self.acked and time.monotonic() - started > 30:
                    break  # a send is never abandoned sooner: it may be stored, so it must be acked
            k += 1
            time.sleep(self.every)


def _group(owner: CatchingUpPeer, others: list[CatchingUpPeer]) -> int:
    res = requests.post(
        owner.server.url + "/api/chats",
        json={"type": "group", "name": "faults", "member_ids": [p.id for p in others]},
        headers=owner.headers,
        timeout=10,
    )
    assert res.status_code == 201, res.text
    return res.json()["id"]


def _stored(peer: CatchingUpPeer, chat_id: int) -> list[dict]:
    items, after = [], 0
    while True:
        res = requests.get(
            f"{peer.server.url}/api/messages/{chat_id}",
            params={"after": after, "limit": 200},
            headers=peer.headers,
            timeout=10,
        )
        assert res.status_code == 200, res.text
        items += res.json()["items"]
        if res.json()["next"] is None:
            return items
        after = res.json()["next"]


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.parametrize("fault", ["restart", "pause"])
def test_ten_seconds_of_redis_fault_lose_no_acknowledged_message(cluster, fault):
    """Senders on both workers through a 10 s outage (restart: down, then back empty) or pause."""
    w1, w2 = cluster.workers
    peers = [CatchingUpPeer(w) for w in (w1, w2, w1, w2)]
    chat_id = _group(peers[0], peers[1:])
    for p in peers:
        p.connect()
    senders = [Sender(peers[0], chat_id), Sender(peers[1], chat_id)]
    try:
        for s in senders:
            s.start()
        time.sleep(1.5)
        before = sum(len(s.acked) for s in senders)
        if fault == "restart":
            cluster.redis.stop()
        else:
            cluster.redis.pause()
        time.sleep(10)
        during = sum(len(s.acked) for s in senders) - before
        if fault == "restart":
            cluster.redis.start()
        else:
            cluster.redis.resume()
        time.sleep(3)
        for s in senders:
            s.stop.set()
        for s in senders:
            s.join(40)
        acked = {cid: seq for s in senders for cid, seq in s.acked.items()}
        n = len(acked)
        print(f"{fault}: {before} acks before, {during} during the 10 s fault, {n} in all")
        assert during > 50, f"sends stalled during the {fault}: {during} acks in 10 s"
        stored = _stored(peers[2], chat_id)
        n = len(stored)  # the acked messages and the chat's own service messages ("group created")
        assert [m["seq"] for m in stored] == list(range(1, n + 1)), "gapless, each acked message once"
        assert {m["client_id"]: m["seq"] for m in stored if m["client_id"]} == acked
        for p in peers:  # every member, on either worker, ends with the complete history
            missing = lambda p=p: sorted(set(range(1, n + 1)) - p.seqs[chat_id])[:10]  # noqa: E731
            assert _wait(lambda p=p: p.holds_all(chat_id, n), 20), (p.id, n, missing())
        heard_resync = [p.id for p in peers if any(e == "resync" for e, _, _ in p.events)]
        assert heard_resync, "members were not told to catch up"
    finally:
        for p in peers:
            p.close()


def _socket(worker: Worker, token: str) -> sio.Client:
    client = sio.Client(reconnection=False)
    client.connect(worker.url, auth={"token": token}, transports=["websocket"], wait_timeout=10)
    return client


def test_logout_after_a_redis_restart_closes_the_sessions_sockets_on_both_workers(cluster):
    w1, w2 = cluster.workers
    user = w1.signup(f"lo{next(_names)}_{uuid.uuid4().hex[:6]}")
    token = user["access_token"]
    before = [_socket(w1, token), _socket(w2, token)]
    cluster.redis.stop()
    time.sleep(1)
    during = _socket(w2, token)  # opened while Redis is down
    cluster.redis.start()
    time.sleep(1.5)
    sockets = [*before, during]
    assert all(s.connected for s in sockets)
    started = time.monotonic()
    res = requests.post(f"{w1.url}/api/auth/logout", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert res.status_code == 204, res.text
    assert _wait(lambda: not any(s.connected for s in sockets), 2.0), [s.connected for s in sockets]
    print(f"logout closed 3 sockets on 2 workers in {time.monotonic() - started:.2f} s")
    for s in sockets:
        s.disconnect()


def test_user_profile_answers_while_redis_is_down(cluster):
    w1, _ = cluster.workers
    user = w1.signup(f"pr{next(_names)}_{uuid.uuid4().hex[:6]}")
    cluster.redis.stop()
    try:
        started = time.monotonic()
        res = requests.get(
            f"{w1.url}/api/users/{user['user']['id']}",
            headers={"Authorization": f"Bearer {user['access_token']}"},
            timeout=10,
        )
        assert res.status_code == 200 and res.json()["online"] is False, res.text
        assert time.monotonic() - started < 3
    finally:
        cluster.redis.start()
        time.sleep(1.5)


def test_a_second_server_on_a_taken_port_exits_with_a_clear_error(cluster):
    env = {
        **os.environ,
        "APP_ENV": "testing",
        "ASYNC_MODE": "eventlet",
        "PORT": str(cluster.ports[0]),
        "HOST": "127.0.0.1",
    }
    env["DATABASE_URL"] = "sqlite:///" + str(cluster.prefix / "never.db")
    done = subprocess.run([sys.executable, "wsgi.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert f"port {cluster.ports[0]} on 127.0.0.1 is already in use" in done.stderr, done.stderr[-2000:]
    assert not (cluster.prefix / "never.db").exists(), "it touched its database before refusing"


def test_a_killed_workers_users_show_offline_on_the_other_worker(cluster):
    w1, w2 = cluster.workers
    watcher, victim = CatchingUpPeer(w2), CatchingUpPeer(w1)
    res = requests.post(
        w2.url + "/api/chats", json={"type": "direct", "user_id": victim.id}, headers=watcher.headers, timeout=10
    )
    assert res.status_code in (200, 201), res.text
    watcher.connect()
    victim.connect()
    try:

        def online() -> bool:
            got = requests.get(f"{w2.url}/api/users/{victim.id}", headers=watcher.headers, timeout=10).json()
            return got["online"]

        assert _wait(online, 5)
        killed = time.monotonic()
        cluster.run("kill-worker", "--worker", str(cluster.ports[0]), "--signal", "KILL")
        offline = {"user_id": victim.id, "online": False}
        assert _wait(lambda: any(e == "presence" and d == offline for e, d, _ in watcher.events), 60), "told"
        took = time.monotonic() - killed
        assert not online()
        print(f"killed worker's user offline on the other worker after {took:.1f} s (PRESENCE_TTL=3)")
    finally:
        victim.close()
        watcher.close()
        cluster.run("start-worker", "--worker", str(cluster.ports[0]))


def test_sigterm_drains_a_worker_and_its_clients_reconnect_to_the_other(cluster):
    if cluster.front is None:
        _unavailable("nginx is not installed (apt-get install nginx)")
    w1 = cluster.workers[0]
    peers = [CatchingUpPeer(cluster.front) for _ in range(6)]
    chat_id = _group(peers[0], peers[1:])
    for p in peers:
        p.connect()
    # A user on the drained worker who does not come back: the others must see them go offline.
    leaver = CatchingUpPeer(w1)
    leaver.client = sio.Client(reconnection=False)
    requests.post(
        cluster.front.url + "/api/chats",
        json={"type": "direct", "user_id": leaver.id},
        headers=peers[0].headers,
        timeout=10,
    ).raise_for_status()
    leaver.connect()
    on_w1 = requests.get(f"{w1.url}/api/users/{peers[0].id}", headers=peers[0].headers, timeout=10)
    assert on_w1.status_code == 200
    senders = [Sender(p, chat_id, every=0.02) for p in peers[:4]]
    try:
        for s in senders:
            s.start()
        time.sleep(1.5)
        took = cluster.run("kill-worker", "--worker", str(cluster.ports[0]), "--signal", "TERM").stdout
        assert _wait(lambda: all(p.client.connected for p in peers), 10), "clients reconnected (to worker 2)"
        time.sleep(1.5)
        for s in senders:
            s.stop.set()
        for s in senders:
            s.join(40)
        acked = {cid: seq for s in senders for cid, seq in s.acked.items()}
        n = len(acked)
        stored = _stored(peers[0], chat_id)
        n = len(stored)  # with the chat's service messages
        assert [m["seq"] for m in stored] == list(range(1, n + 1))
        assert {m["client_id"]: m["seq"] for m in stored if m["client_id"]} == acked
        for p in peers:
            assert _wait(lambda p=p: p.holds_all(chat_id, n), 15), p.id
        assert sum(p.connects for p in peers) > len(peers), "some clients were on the drained worker"
        drained = [e for p in [*peers, leaver] for e, _, _ in p.events if e == "server:draining"]
        assert drained, "clients were told to reconnect"
        gone = {"user_id": leaver.id, "online": False}
        assert _wait(lambda: any(e == "presence" and d == gone for e, d, _ in peers[0].events), 10)
        profile = requests.get(f"{cluster.front.url}/api/users/{leaver.id}", headers=peers[0].headers, timeout=10)
        assert profile.json()["online"] is False, "the drained worker cleared its presence"
        print(f"{took.strip()}; {len(drained)} client(s) told to reconnect; {n} messages, none lost")
    finally:
        for p in [*peers, leaver]:
            p.close()
        cluster.run("start-worker", "--worker", str(cluster.ports[0]))


def test_the_load_tester_restarts_a_worker_mid_run_and_counts_the_recovery(cluster, tmp_path):
    if cluster.front is None:
        _unavailable("nginx is not installed (apt-get install nginx)")
    env = dict(os.environ)
    for line in cluster.run("env").stdout.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        env[name] = value
    out = tmp_path / "restart.json"
    restart = f"{sys.executable} {ROOT / 'deploy' / 'cluster.py'} restart-worker --prefix {cluster.prefix}"
    restart += f" --worker {cluster.ports[0]}"
    cmd = [sys.executable, "-m", "loadtest", "--url", cluster.front.url, "--users", "60", "--room-size", "6"]
    cmd += ["--rate", "20", "--duration", "8", "--procs", "2", "--grace", "10", "--json", str(out), "--quiet"]
    cmd += ["--db", env["DATABASE_URL"], "--app-dir", str(ROOT), "--no-plot"]
    cmd += ["--restart-cmd", restart, "--restart-at", "2", "--reconnect-spread", "1"]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    result = json.loads(out.read_text())
    restarted = result["restart"]
    summary = {k: v for k, v in result.items() if k != "restart"}
    assert restarted["returncode"] == 0, restarted
    assert restarted["dropped_clients"] > 0 and restarted["not_recovered"] == 0, restarted
    assert result["acked"] == result["sent"] and result["lost"] == 0, summary  # live or by the sync
    assert restarted["stable_samples_during"] > 0, restarted
    print("restart:", {k: v for k, v in restarted.items() if k != "output"})
