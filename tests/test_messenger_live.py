"""The messenger against a real server process (eventlet) with real python-socketio clients."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time

import aiohttp
import pytest
import requests
import socketio as sio

from loadtest.rawclient import RawClient
from tests.conftest import LiveServer

_names = itertools.count(1)


class Peer:
    """A user with a real Socket.IO client that records every event it hears."""

    def __init__(self, server: LiveServer, name: str | None = None, signup: dict | None = None):
        self.server = server
        self.auth = signup or server.signup(name or f"live{next(_names)}_{int(time.time() * 1000) % 10**6}")
        self.id = self.auth["user"]["id"]
        self.token = self.auth["access_token"]
        self.lock = threading.Lock()
        self.heard: list[tuple[str, dict, float]] = []
        self.client: sio.Client | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def connect(self) -> Peer:
        client = sio.Client(reconnection=False)
        client.on("*", self._record)
        client.connect(self.server.url, auth={"token": self.token}, transports=["websocket"], wait_timeout=10)
        self.client = client
        return self

    def _record(self, event, data=None):
        with self.lock:
            self.heard.append((event, data, time.monotonic()))

    def disconnect(self) -> None:
        if self.client is not None:
            self.client.disconnect()
            self.client = None

    def messages(self, chat_id: int) -> list[dict]:
        """Text messages heard in a chat (a group's own history, its `created` line, left out)."""
        with self.lock:
            return [
                d for e, d, _ in self.heard if e == "message:new" and d["chat_id"] == chat_id and d["kind"] == "text"
            ]

    def wait_for(self, predicate, timeout: float = 10.0):
        """Poll until predicate(self) is truthy or the deadline passes; returns its last value."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate(self)
            if value or time.monotonic() > deadline:
                return value
            time.sleep(0.01)

    def send(self, chat_id: int, body: str, client_id: str, timeout: float = 10) -> dict:
        return self.client.call(
            "message:send", {"chat_id": chat_id, "body": body, "client_id": client_id}, timeout=timeout
        )

    def post(self, path: str, json: dict) -> dict:
        res = requests.post(self.server.url + path, json=json, headers=self.headers, timeout=10)
        assert res.status_code in (200, 201), res.text
        return res.json()

    def history(self, chat_id: int) -> list[dict]:
        items, after = [], 0
        while True:
            res = requests.get(
                f"{self.server.url}/api/messages/{chat_id}",
                params={"after": after, "limit": 200},
                headers=self.headers,
                timeout=10,
            )
            assert res.status_code == 200, res.text
            page = res.json()
            items += [m for m in page["items"] if m["kind"] == "text"]  # seq 1 of a group: its `created` line
            if page["next"] is None:
                return items
            after = page["next"]


@pytest.fixture
def peers(live_server):
    made: list[Peer] = []

    def _make(n: int) -> list[Peer]:
        new = [Peer(live_server) for _ in range(n)]
        made.extend(new)
        return new

    yield _make
    for p in made:
        p.disconnect()


def test_direct_and_group_delivery_within_one_second(peers):
    alice, bob, carol = peers(3)
    for p in (alice, bob, carol):
        p.connect()
    d = alice.post("/api/chats", {"type": "direct", "user_id": bob.id})
    g = alice.post("/api/chats", {"type": "group", "name": "live", "member_ids": [bob.id, carol.id]})
    for chat, receivers in ((d, [bob]), (g, [bob, carol])):
        started = time.monotonic()
        ack = alice.send(chat["id"], "fast?", "fast-" + str(chat["id"]))
        assert ack["ok"] is True
        for r in receivers:
            assert r.wait_for(lambda p, c=chat: p.messages(c["id"]), timeout=1.0), f"{r.id} heard nothing within 1 s"
            arrived = r.messages(chat["id"])[0]
            assert arrived == ack["message"]
            with r.lock:
                at = next(t for e, dd, t in r.heard if e == "message:new" and dd["chat_id"] == chat["id"])
            assert at - started < 1.0


class WireListener:
    """A socket that records `message:new` in the order the frames arrive on the wire.

    python-socketio's client runs every incoming frame's handler on a thread of its own, so
    the order its handlers run in is not the order the server sent; the load tester's raw
    client dispatches each frame in turn, in its reading task.
    """

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token
        self.heard: list[dict] = []
        self.ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    async def _run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with aiohttp.ClientSession() as http:
            client = RawClient(http)
            client.on("message:new", self.heard.append)
            await client.connect(self.url, auth={"token": self.token})
            self.ready.set()
            await self._stop.wait()
            await client.disconnect()

    def start(self) -> WireListener:
        """Connect in a thread of its own; returns once the socket is in."""
        self.thread.start()
        assert self.ready.wait(10), "wire listener did not connect"
        return self

    def stop(self) -> None:
        """Disconnect and end the thread."""
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(10)


def test_concurrent_senders_get_gapless_seqs_and_everyone_sees_history_order(peers, live_server):
    senders = peers(4)
    (listener,) = peers(1)
    for p in [*senders, listener]:
        p.connect()
    g = senders[0].post(
        "/api/chats", {"type": "group", "name": "race", "member_ids": [p.id for p in senders[1:]] + [listener.id]}
    )
    wire = WireListener(live_server.url, listener.token).start()
    acks: list[dict] = []
    lock = threading.Lock()
    done = threading.Event()

    def on_ack(result):
        with lock:
            acks.append(result)
            if len(acks) == 200:
                done.set()

    def fire(peer: Peer, n: int):
        for i in range(50):
            peer.client.emit(
                "message:send", {"chat_id": g["id"], "body": f"{n}:{i}", "client_id": f"race-{n}-{i}"}, callback=on_ack
            )

    threads = [threading.Thread(target=fire, args=(p, n)) for n, p in enumerate(senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert done.wait(30), f"only {len(acks)} acks"
    assert all(a["ok"] for a in acks), [a for a in acks if not a["ok"]][:3]
    assert sorted(a["message"]["seq"] for a in acks) == list(range(2, 202))
    history = senders[0].history(g["id"])
    assert [m["seq"] for m in history] == list(range(2, 202))
    history_ids = [m["id"] for m in history]
    for p in [*senders, listener]:
        assert p.wait_for(lambda q: len(q.messages(g["id"])) >= 200, timeout=10)
        got = p.messages(g["id"])
        # Each message exactly once; placed by seq (as every client must), they read as the history.
        assert len(got) == 200
        assert [m["id"] for m in sorted(got, key=lambda m: m["seq"])] == history_ids
    # One worker puts a chat's messages on each socket in seq order.
    deadline = time.monotonic() + 10
    while len(wire.heard) < 200 and time.monotonic() < deadline:
        time.sleep(0.01)
    wire.stop()
    assert [m["id"] for m in wire.heard if m["chat_id"] == g["id"] and m["kind"] == "text"] == history_ids


def test_disconnected_client_gets_exactly_the_missed_messages_from_sync(peers):
    alice, bob = peers(2)
    alice.connect()
    bob.connect()
    d = alice.post("/api/chats", {"type": "direct", "user_id": bob.id})
    alice.send(d["id"], "before", "sync-0")
    assert bob.wait_for(lambda p: p.messages(d["id"]), timeout=5)
    last_seen = bob.messages(d["id"])[-1]["seq"]
    bob.disconnect()
    sent = [alice.send(d["id"], f"missed {i}", f"sync-{i + 1}")["message"] for i in range(20)]
    bob.connect()
    ack = bob.client.call("chat:sync", {"chat_id": d["id"], "after_seq": last_seen}, timeout=10)
    assert ack["ok"] is True and ack["has_more"] is False
    assert ack["messages"] == sent
    assert [m["seq"] for m in ack["messages"]] == list(range(last_seen + 1, last_seen + 21))


def test_resend_with_same_client_id_returns_stored_message_and_delivers_nothing(peers):
    alice, bob = peers(2)
    alice.connect()
    bob.connect()
    d = alice.post("/api/chats", {"type": "direct", "user_id": bob.id})
    first = alice.send(d["id"], "only once", "dup-1")
    again = alice.send(d["id"], "only once", "dup-1")
    assert again == first
    sentinel = alice.send(d["id"], "sentinel", "dup-2")
    # Socket.IO keeps order per connection: once the sentinel arrived, anything the resend caused would have too.
    assert bob.wait_for(lambda p: any(m["client_id"] == "dup-2" for m in p.messages(d["id"])), timeout=5)
    assert [m["client_id"] for m in bob.messages(d["id"])] == ["dup-1", "dup-2"]
    assert sentinel["message"]["seq"] == first["message"]["seq"] + 1
    assert [m["body"] for m in alice.history(d["id"])] == ["only once", "sentinel"]


def test_sigkill_while_sending_loses_no_acknowledged_message(tmp_path):
    server = LiveServer(tmp_path).start()
    try:
        owner = Peer(server)
        others = [Peer(server) for _ in range(2)]
        g = owner.post("/api/chats", {"type": "group", "name": "crash", "member_ids": [p.id for p in others]})
        senders = [owner, *others]
        for p in senders:
            p.connect()
        acked: dict[str, int] = {}
        attempted: list[str] = []
        lock = threading.Lock()
        stop = threading.Event()

        def pump(peer: Peer, n: int):
            for i in itertools.count():
                if stop.is_set():
                    return
                cid = f"k{n}-{i}"
                with lock:
                    attempted.append(cid)
                try:
                    ack = peer.send(g["id"], f"{n}/{i}", cid, timeout=3)
                except Exception:
                    return  # the server died under us
                if ack.get("ok"):
                    with lock:
                        acked[cid] = ack["message"]["seq"]

        threads = [threading.Thread(target=pump, args=(p, n), daemon=True) for n, p in enumerate(senders)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 20
        while len(acked) < 60 and time.monotonic() < deadline:
            time.sleep(0.01)
        server.kill()
        stop.set()
        for t in threads:
            t.join(10)
        for p in senders:
            try:
                p.disconnect()
            except Exception:
                p.client = None
        assert len(acked) >= 60, f"only {len(acked)} acks before the kill"

        server.start()
        history = owner.history(g["id"])
        by_client = {}
        for m in history:
            by_client.setdefault(m["client_id"], []).append(m["seq"])
        for cid, seq in acked.items():
            assert by_client.get(cid) == [seq], (cid, seq, by_client.get(cid))
        assert [m["seq"] for m in history] == list(range(2, len(history) + 2))  # gapless after `created`

        # Retrying everything that was attempted, acked or not, never makes a second copy.
        owner.connect()
        mine = [c for c in attempted if c.startswith("k0-")]
        for cid in mine:
            assert owner.send(g["id"], "retry", cid)["ok"] is True
        after = owner.history(g["id"])
        counts = {}
        for m in after:
            counts[m["client_id"]] = counts.get(m["client_id"], 0) + 1
        assert all(n == 1 for n in counts.values())
        assert set(mine) <= set(counts)
        owner.disconnect()
    finally:
        server.stop()


def test_oversize_frame_closes_only_that_socket_and_stores_nothing(peers, live_server):
    alice, bob = peers(2)
    alice.connect()
    bob.connect()
    d = alice.post("/api/chats", {"type": "direct", "user_id": bob.id})
    alice.client.emit("message:send", {"chat_id": d["id"], "body": "x" * 100_000, "client_id": "huge"})
    assert alice.wait_for(lambda p: not p.client.connected, timeout=10), "an oversize frame must not be accepted"
    assert bob.client.call("ping", {}, timeout=5)["ok"] is True
    assert bob.history(d["id"]) == []
    alice.client = None
    alice.connect()
    assert alice.send(d["id"], "small again", "ok-1")["ok"] is True


def test_foreign_origin_is_refused_at_connect(peers, live_server):
    (alice,) = peers(1)
    # long-polling carries exactly the Origin we set (the websocket library adds its own as well)
    foreign = sio.Client(reconnection=False)
    with pytest.raises(sio.exceptions.ConnectionError):
        foreign.connect(
            live_server.url,
            auth={"token": alice.token},
            headers={"Origin": "http://evil.example"},
            transports=["polling"],
            wait_timeout=5,
        )
    own = sio.Client(reconnection=False)
    own.connect(
        live_server.url,
        auth={"token": alice.token},
        headers={"Origin": live_server.url},
        transports=["polling"],
        wait_timeout=5,
    )
    assert own.call("ping", {}, timeout=5)["ok"] is True
    own.disconnect()
