"""Garbage collection tuned for thousands of sockets, not switched off; no websocket compression."""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import json
import subprocess
import sys
import time
import weakref
from pathlib import Path

import pytest
import requests
import websocket

from app import gc_tuning
from tests.conftest import LiveServer

PROBE = Path(__file__).with_name("gc_probe.py")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def restore_gc():
    """Put CPython's collector back as it was after each test."""
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)
    gc_tuning._freeze_on_survival = False
    if gc_tuning._on_gc in gc.callbacks:
        gc.callbacks.remove(gc_tuning._on_gc)


class _Node:
    """One object of a two-object reference cycle."""


def _cycle() -> tuple[list, list]:
    """Two objects that refer to each other, and a list that gets True once the collector frees them."""
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    freed: list[bool] = []
    weakref.finalize(a, freed.append, True)
    return [a, b], freed


def _cycle_collected_automatically(allocations: int) -> bool:
    """Make one garbage cycle, then allocate without calling gc: did the collector free the cycle?"""
    pair, freed = _cycle()
    del pair
    keep = [[] for _ in range(allocations)]  # container allocations are what trigger collections
    del keep
    return bool(freed)


def test_tuning_freezes_start_up_objects_and_raises_the_young_threshold(restore_gc):
    assert gc_tuning.tune({"GC_THRESHOLD0": 50_000}) is True
    assert gc.get_threshold()[0] == 50_000
    assert gc.get_freeze_count() > 10_000  # the imported app and libraries leave the collector's way
    assert gc.isenabled()


def test_cyclic_garbage_is_still_collected_without_anyone_calling_gc(restore_gc):
    gc_tuning.tune({"GC_THRESHOLD0": 20_000})
    assert _cycle_collected_automatically(30_000)


def test_freezing_survivors_and_the_scheduled_full_collection(restore_gc):
    gc_tuning.tune({"GC_THRESHOLD0": 50_000})
    long_lived = [[n] for n in range(5_000)]  # containers the collector tracks
    assert any(o is long_lived[0] for o in gc.get_objects())  # still in the collector's generations
    assert gc_tuning.freeze_survivors() > 5_000
    # gc.get_objects() lists the collector's generations, not the frozen (permanent) one. The freeze
    # count alone cannot show this: frozen objects freed by their refcount meanwhile lower it.
    tracked = {id(o) for o in gc.get_objects()}
    assert not any(id(item) in tracked for item in long_lived)
    pair, freed = _cycle()
    gc_tuning.freeze_survivors()  # the cycle is alive now, so it gets frozen
    del pair
    assert gc_tuning.full_collection() >= 2 and freed == [True]  # unfrozen and reclaimed
    assert gc.get_freeze_count() > 0
    del long_lived


def test_pauses_are_measured_per_generation(restore_gc):
    gc_tuning.measure(warn_ms=10_000)
    before = gc_tuning.stats()["collections"][2]
    gc.collect()
    after = gc_tuning.stats()
    assert after["collections"][2] == before + 1
    assert after["pause_ms_max"][2] > 0


def test_the_maintenance_task_freezes_and_logs_a_summary_each_round(restore_gc, caplog):
    gc_tuning.measure(warn_ms=10_000)
    rounds = []

    def sleep(_seconds: float) -> None:
        if len(rounds) == 2:
            raise SystemExit  # stop the endless loop after two rounds
        rounds.append(1)

    caplog.set_level("INFO", logger="masterchat.gc")
    before = gc_tuning.stats()["freezes"]
    with pytest.raises(SystemExit):
        gc_tuning._maintain(60, 3600, sleep=sleep)
    assert gc_tuning.stats()["freezes"] == before + 2
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("gc: gen0")]
    assert len(lines) == 2 and "max" in lines[0] and "frozen" in lines[0]


def test_the_timed_young_collection_empties_what_the_collectors_count_missed(restore_gc):
    """Frozen containers dying lower the collector's count, so traffic whose objects die old (frozen
    in flight) leaves the count near zero while the young generation fills: no collection comes
    until the pause is long. The timed young collection empties it and freezes the survivors."""
    gc_tuning.tune({"GC_THRESHOLD0": 5_000})
    in_flight = [[n] for n in range(30_000)]
    gc_tuning.freeze_survivors()  # as a collection during traffic freezes what is in flight
    arrived = []
    for n in range(30_000):  # each old one done as a new one arrives
        in_flight[n] = None
        arrived.append([n])
    assert gc.get_count()[0] < 5_000  # the collector's count did not ask for a collection...
    assert len(gc.get_objects(0)) > 25_000  # ...while the young generation holds all of them
    gc_tuning._collect_young(0.1, sleep=lambda _s: None, rounds=1)
    assert len(gc.get_objects(0)) < 1_000
    tracked = {id(o) for o in gc.get_objects()}
    assert not any(id(item) in tracked for item in arrived[:1000])  # the survivors were frozen
    del in_flight, arrived


def test_gc_tuning_off_keeps_cpythons_defaults(restore_gc):
    gc.set_threshold(700, 10, 10)
    assert gc_tuning.tune({"GC_TUNING": False}) is False
    assert gc.get_threshold() == (700, 10, 10)


def test_the_server_refuses_websocket_compression_and_tunes_its_collector(live_server):
    ws = websocket.create_connection(
        live_server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
        header=["Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"],
        timeout=5,
    )
    try:
        headers = {k.lower(): v for k, v in ws.getheaders().items()}
        assert "sec-websocket-extensions" not in headers, headers
        assert ws.recv().startswith("0{")  # the Engine.IO handshake still works
    finally:
        ws.close()
    log = (live_server.tmp / f"server-{live_server.port}.log").read_text()
    assert "gc: tuned" in log


def test_socket_events_leave_no_cyclic_garbage(client, make_user, socket_client):
    """Handling a socket event makes no reference cycles, so the collector has nothing to hunt under
    chat traffic (it used to be ~60 objects per event: a NotFound with its traceback per event)."""
    from tests.chat_helpers import direct

    ann, bob = make_user(), make_user()
    chat = direct(client, ann, bob)
    sock = socket_client(ann)
    sock.emit("message:send", {"chat_id": chat["id"], "body": "warm-up", "client_id": "w0"}, callback=True)
    # Earlier tests' apps go in stages: one collection's finalizers and weakref callbacks (SQLAlchemy's
    # pools) leave more garbage for the next. Empty it all, so the window counts only these events.
    for _ in range(5):
        if gc.collect() == 0:
            break
    gc.disable()
    try:
        for n in range(50):
            ack = sock.emit(
                "message:send", {"chat_id": chat["id"], "body": f"m{n}", "client_id": f"c{n}"}, callback=True
            )
            assert ack["ok"] is True
        found = gc.collect()
    finally:
        gc.enable()
    assert found < 50, f"{found} objects of cyclic garbage from 50 socket events"


def test_socket_events_do_not_open_the_cookie_session(client, make_user, socket_client, monkeypatch):
    """Socket events get Flask-SocketIO's per-socket session; Flask's signed cookie is not verified
    for each of them (it was, at 4.6 % of the server's time), nor for HTTP requests that carry no
    such cookie (API calls send a bearer token), while HTTP requests with the cookie still read it."""
    from flask.sessions import SecureCookieSessionInterface

    from tests.chat_helpers import direct

    ann, bob = make_user(), make_user()
    chat = direct(client, ann, bob)
    sock = socket_client(ann)
    opened: list[str] = []
    real = SecureCookieSessionInterface.get_signing_serializer

    def counting(self, app):
        opened.append("x")
        return real(self, app)

    monkeypatch.setattr(SecureCookieSessionInterface, "get_signing_serializer", counting)
    for n in range(5):
        ack = sock.emit("message:send", {"chat_id": chat["id"], "body": f"m{n}", "client_id": f"s{n}"}, callback=True)
        assert ack["ok"] is True
    assert opened == []
    client.get("/api/openapi.json")
    assert opened == [], "a request without the session cookie has nothing to verify"
    client.set_cookie("session", "not-signed")
    client.get("/api/openapi.json")
    assert opened, "HTTP requests with the cookie still open Flask's session"


def test_survivors_are_frozen_at_the_next_collection(restore_gc):
    """No timer and no gc call of ours: objects alive at a collection leave the collector's generations
    by themselves, so no later collection walks them."""
    gc_tuning.tune({"GC_THRESHOLD0": 1_000, "GC_THRESHOLD1": 2})
    long_lived = [[n] for n in range(2_000)]
    more = [[n] for n in range(20_000)]  # ordinary allocations (net new containers) trigger the collections
    tracked = {id(o) for o in gc.get_objects()}
    assert not any(id(item) in tracked for item in long_lived)
    assert gc_tuning.stats()["collections"][1] >= 1
    del more


def test_without_freezing_on_survival_they_stay_in_the_generations(restore_gc):
    """The same allocations with GC_FREEZE_ON_SURVIVAL off: the survivors stay walkable (the test above
    is about the setting, not about allocation luck)."""
    gc_tuning.tune({"GC_THRESHOLD0": 1_000, "GC_THRESHOLD1": 2, "GC_FREEZE_ON_SURVIVAL": False})
    long_lived = [[n] for n in range(2_000)]
    more = [[n] for n in range(20_000)]
    tracked = {id(o) for o in gc.get_objects()}
    assert all(id(item) in tracked for item in long_lived)
    del more


def _probe(mode: str, patched: str, connections: int, ending: str) -> dict:
    out = subprocess.run(
        [sys.executable, str(PROBE), mode, patched, str(connections), ending],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("mode", ["eventlet", "gevent"])
@pytest.mark.parametrize("ending", ["polite", "silent"])
def test_closed_websockets_leave_no_cyclic_garbage(mode, ending):
    """Frozen objects are freed by reference counting, cycles are not: a closed websocket must leave no
    cycle, or connection churn grows memory until the hours-apart full collection. Clients that close
    politely, and clients that go silent so the server's read times out first (how half the sockets
    ended at 10,000 users). Measured unpatched too (app/server_cycles.py), so the test shows it can fail."""
    connections = 20
    fixed = _probe(mode, "patched", connections, ending)
    assert fixed["found"] < connections, fixed  # less than one object per connection: no cycle per socket
    unfixed = _probe(mode, "unpatched", connections, ending)
    assert unfixed["found"] >= 2 * connections, unfixed


# What the collector tracks per open, signed-in socket (its greenlets, Engine.IO and Socket.IO state,
# queues, timers, ours); measured 156 on eventlet (docs/PERFORMANCE.md, "Garbage collection").
# Every one is walked by young collections until frozen, and by every full collection.
TRACKED_PER_SOCKET_BOUND = 200


@pytest.fixture(scope="module")
def gc_server(tmp_path_factory):
    """A live server that freezes on a one-second timer too, so an idle test sees the app's freeze."""
    extra = {"GC_FREEZE_INTERVAL": "1", "RATE_LIMITS": "off", "LOG_LEVEL": "WARNING"}
    server = LiveServer(tmp_path_factory.mktemp("gc"), extra_env=extra).start()
    yield server
    server.stop()


def _census(url: str) -> dict:
    res = requests.get(url + "/metrics/gc", timeout=30)
    assert res.status_code == 200, res.text
    return res.json()


def _wait_for_freeze(url: str, sockets: int) -> dict:
    """The first census after the app froze with `sockets` open."""
    first = _census(url)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = _census(url)
        if now["sockets"] == sockets and now["freezes"] >= first["freezes"] + 2:
            return now
    raise AssertionError(f"no freeze with {sockets} sockets open: {now}")


def test_objects_the_collector_keeps_per_open_socket_stay_bounded(gc_server):
    """100 signed-in sockets: what the collector tracks per socket stays under the bound, and after the
    app's freeze the collector walks almost none of it (what it walks does not grow with sockets)."""
    import aiohttp

    from loadtest.rawclient import RawClient

    tokens = [gc_server.signup(f"gc_user_{n}")["access_token"] for n in range(50)]
    baseline = _wait_for_freeze(gc_server.url, 0)

    async def hold() -> dict:
        async with aiohttp.ClientSession() as http:
            clients = [RawClient(http) for _ in range(100)]
            for n, client in enumerate(clients):
                await client.connect(gc_server.url, auth={"token": tokens[n % 50]})
            loop = asyncio.get_running_loop()
            frozen = await loop.run_in_executor(None, _wait_for_freeze, gc_server.url, 100)
            for client in clients:
                await client.disconnect()
            return frozen

    # a thread of its own: the browser tests' Playwright keeps an event loop running in this one
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        frozen = pool.submit(asyncio.run, hold()).result(timeout=120)
    per_socket = (frozen["tracked"] - baseline["tracked"]) / 100
    assert 0 < per_socket <= TRACKED_PER_SOCKET_BOUND, (per_socket, frozen, baseline)
    assert frozen["walked"] - baseline["walked"] < 5 * 100, (frozen["walked"], baseline["walked"])


def test_the_gc_census_is_for_metrics_networks_and_checks_its_input(gc_server, client):
    """/metrics/gc answers loopback (the live server) and refuses others like /metrics; a bad `types`
    is a 422 in the contract's shape."""
    res = requests.get(gc_server.url + "/metrics/gc?types=5", timeout=30)
    body = res.json()
    assert res.status_code == 200 and len(body["types"]) <= 5 and body["frozen"] > 0
    assert body["threshold"][0] == 5_000 and body["freeze_on_survival"] is True and body["freeze_generation"] == 0
    assert requests.get(gc_server.url + "/metrics/gc?types=x", timeout=30).status_code == 422
    # frozen=1: types among every tracked object; the app's own frozen modules and functions are there
    everything = requests.get(gc_server.url + "/metrics/gc?types=50&frozen=1", timeout=60).json()
    assert "function" in everything["types_everything"]
    assert sum(everything["types_everything"].values()) > body["walked"]
    assert everything["frozen"] > 0 and everything["walked"] < everything["frozen"]  # frozen again afterwards
    far = client.get("/metrics/gc", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert far.status_code == 403


def test_a_collection_inside_the_stats_lock_does_not_hang_the_process():
    """stats() allocates while it holds the lock; a collection starting there runs the pause callback,
    which takes the same lock in the same thread. With a young threshold of 1 every allocation collects.
    In a process of its own: a deadlock there fails this test instead of hanging the suite."""
    code = (
        "import gc\n"
        "from app import gc_tuning\n"
        "gc_tuning.tune({'GC_THRESHOLD0': 1000})\n"
        "gc.set_threshold(1, 1, 1)\n"
        "for _ in range(200):\n"
        "    gc_tuning.stats(frozen=False)\n"
        "gc.set_threshold(1000, 10, 10)\n"
        "print('done')\n"
    )
    try:
        run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("stats() deadlocked with the collector's callback")
    assert run.returncode == 0 and run.stdout.strip() == "done", run.stderr
