"""One load-generating process: many asyncio Socket.IO clients, driven by the coordinator over a pipe.

Protocol (coordinator -> worker): ("connect", ramp_per_s), ("start", t0, duration, rate), ("finish",).
Worker -> coordinator: ("progress", {...}) now and then, ("connected", {...}), ("sent", {...}),
("result", {...}). Everything a worker measures about receiving is measured where the receiver lives:
latency is arrival time.time() minus the send time.time() written at the front of the body.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import time
from array import array
from collections import Counter
from typing import Any

from loadtest.stages import StageMixin

PROGRESS_EVERY = 0.25


class Worker(StageMixin):
    """Holds one process's clients and everything they counted."""

    def __init__(self, index: int, cfg: dict[str, Any], users: list[dict], chat_sizes: dict[int, int], conn) -> None:
        self.index = index
        self.cfg = cfg
        self.users = users
        self.chat_sizes = chat_sizes
        self.conn = conn
        self.tag = f"{cfg['tag']}-{index}-"
        self.clients: dict[int, Any] = {}
        self.connect_ms = array("d")
        self.connect_failed = 0
        self.connect_errors: Counter[str] = Counter()
        self.disconnects = 0
        # sender side: client_id -> [chat_id, sender_id, send_ts, ack_ts, status, seq]
        self.sent: dict[str, list] = {}
        self.acked = 0
        self.ack_errors: Counter[str] = Counter()
        self.ack_ms = array("d")
        self.inflight = 0
        # receiver side
        self.seen: set[tuple[int, str]] = set()
        self.delivered: Counter[str] = Counter()
        self.n_delivered = 0
        self.duplicates = 0
        self.out_of_order = 0
        self.own_echoes = 0
        self.last_seq: dict[tuple[int, int], int] = {}
        # The highest seq below which this user holds every message of the chat (own echoes and syncs
        # included): a rejoin syncs from here, like the web client, so a hole left by the drop (an event
        # lost with the old socket) is filled instead of counted lost.
        self.contiguous: dict[tuple[int, Any], int] = {}
        self.drain_notice: dict[int, Any] = {}  # uid -> the last server:draining its socket heard
        self.seq_ahead: dict[tuple[int, Any], set[int]] = {}
        self.latency = array("d")  # seconds
        self.latency_at = array("d")  # send time of each latency sample
        self.latency_stable = array("b")  # 1: the receiver never dropped (a user "already connected")
        self.latency_sender = array("q")  # the sender of each sample: a dropped sender's resent message
        # is late for everyone, whatever the server does for connected users (the restart summary)
        self.last_delivery = 0.0
        # reconnects (a server restarted mid-run): who dropped, and when each was back and caught up
        self.ever_dropped: set[int] = set()
        self.rejoining = 0
        self.recoveries: list[tuple[float, float, float]] = []  # (dropped, reconnected, caught up) time.time()
        self.synced = 0  # messages a rejoining client fetched with chat:sync (missed while away)
        self.sync_errors = 0  # chat:sync calls that failed (timed out, refused) and were tried again
        self.finishing = False

    # ---------------------------------------------------------------- plumbing

    def report(self, kind: str, data: dict) -> None:
        """Send one message to the coordinator."""
        self.conn.send((kind, data))

    def progress(self) -> dict:
        """Running counters for the progress bar."""
        return {
            "connected": len(self.clients),
            "connect_failed": self.connect_failed,
            "sent": len(self.sent),
            "acked": self.acked,
            "delivered": self.n_delivered,
            "rejoining": self.rejoining,
            "recovered": len(self.recoveries),
            **self.live_figures(),
        }

    async def run(self) -> None:
        """Serve coordinator commands until told to finish."""
        import aiohttp

        loop = asyncio.get_running_loop()
        self.commands: asyncio.Queue = asyncio.Queue()
        loop.add_reader(self.conn.fileno(), lambda: self.commands.put_nowait(self.conn.recv()))
        connector = aiohttp.TCPConnector(limit=0, force_close=False)
        self.http = aiohttp.ClientSession(connector=connector)
        ticker = asyncio.create_task(self._progress_loop())
        try:
            while True:
                cmd = await self.commands.get()
                if cmd[0] == "connect":
                    await self.connect_all(cmd[1], *cmd[2:])
                    self.report("connected", self.connect_summary())
                elif cmd[0] == "start":
                    await self.send_loop(cmd[1], cmd[2], cmd[3])
                    self.report("sent", {"sent": len(self.sent), "acked": self.acked})
                elif cmd[0] == "stages":  # ("stages", t0, stages, total_users, nprocs): loadtest/stages.py
                    await self.stage_loop(*cmd[1:])
                    self.report("sent", {"sent": len(self.sent), "acked": self.acked})
                elif cmd[0] == "finish":
                    self.finishing = True
                    ticker.cancel()
                    self.report("result", self.result())
                    await self.disconnect_all()
                    break
        finally:
            loop.remove_reader(self.conn.fileno())
            await self.http.close()

    async def _progress_loop(self) -> None:
        while True:
            await asyncio.sleep(PROGRESS_EVERY)
            self.report("progress", self.progress())

    # ---------------------------------------------------------------- connecting

    async def connect_all(self, ramp: float, share: float = 1.0) -> None:
        """Open one socket per user (the first `share` of them), `ramp` new connections per second."""
        started = time.monotonic()
        tasks = []
        for n, user in enumerate(self.users[: round(share * len(self.users))]):
            due = started + n / ramp
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.connect_one(user)))
        await asyncio.gather(*tasks)

    async def connect_one(self, user: dict) -> None:
        """Connect one authenticated client over websocket and wire its event handlers."""
        uid, chat_id = user["id"], user.get("chat_id")
        auth = {"token": user["token"], "room": chat_id, "uid": uid}

        def dropped(*_args: Any) -> None:
            if self.clients.pop(uid, None) is not None:
                self.disconnects += 1
                if self.cfg.get("reconnect") and not self.finishing:
                    self.ever_dropped.add(uid)
                    self.rejoining += 1
                    where = (uid, chat_id)
                    asyncio.get_running_loop().create_task(
                        self.rejoin(user, time.time(), self.contiguous.get(where, self.last_seq.get(where, 0)))
                    )

        client: Any = None
        t = time.perf_counter()
        try:
            if self.cfg.get("client", "raw") == "raw":
                from loadtest.rawclient import RawClient

                client = RawClient(self.http)
                client.on("message:new", lambda msg: self.on_message(uid, msg))
                client.on("server:draining", lambda p: self.drain_notice.__setitem__(uid, p))
                for event, handler in self.extra_handlers(uid).items():
                    client.on(event, handler)
                client.on_disconnect = dropped
                await client.connect(self.cfg["url"], auth=auth, timeout=self.cfg["connect_timeout"])
            else:
                import socketio

                client = socketio.AsyncClient(reconnection=False, http_session=self.http, handle_sigint=False)

                async def on_new(msg: Any) -> None:
                    self.on_message(uid, msg)

                async def on_disconnect(*_args: Any) -> None:
                    dropped()

                client.on("message:new", on_new)

                async def on_draining(p: Any) -> None:
                    self.drain_notice[uid] = p

                client.on("server:draining", on_draining)
                for event, handler in self.extra_handlers(uid).items():
                    client.on(event, lambda p, h=handler: h(p))
                client.on("disconnect", on_disconnect)
                await client.connect(
                    self.cfg["url"], auth=auth, transports=["websocket"], wait_timeout=self.cfg["connect_timeout"]
                )
        except Exception as err:  # every failure is counted, none stops the run
            self.connect_failed += 1
            self.connect_errors[type(err).__name__ + ": " + str(err)[:80]] += 1
            if client is not None:
                with contextlib.suppress(Exception):
                    await client.disconnect()
            return
        self.connect_ms.append((time.perf_counter() - t) * 1000)
        self.clients[uid] = client

    async def rejoin(self, user: dict, dropped_at: float, after_seq: int) -> None:
        """Reconnect like the web client (jittered back-off), then catch up with chat:sync from after_seq."""
        rng = random.Random(user["id"])
        # Like the web client: a draining worker's `reconnect_after_ms` first (a restarted worker is
        # back by then), then this run's spread of the reconnects.
        notice = self.drain_notice.pop(user["id"], None) or {}
        after = max(0.0, float(notice.get("reconnect_after_ms") or 0) / 1000) if isinstance(notice, dict) else 0.0
        await asyncio.sleep(after + rng.uniform(0, self.cfg.get("reconnect_spread", 5.0)))
        delay = 0.5
        while not self.finishing:
            before = self.connect_failed
            await self.connect_one(user)
            if user["id"] in self.clients:
                break
            self.connect_failed = before  # a failed retry is not a failed user
            await asyncio.sleep(rng.uniform(0, delay))
            delay = min(delay * 2, 5.0)
        client = self.clients.get(user["id"])
        if client is None:
            self.rejoining -= 1
            return
        back = time.time()
        chat_id = user.get("chat_id")
        # Catch up like the web client: a sync that fails (a timeout while the worker is busy with the
        # storm, a refusal) is tried again after a jittered wait, on a new connection if this one
        # dropped; giving up silently would count what the sync had to bring as lost.
        attempts = 0
        while chat_id and not self.finishing:
            try:
                client = self.clients.get(user["id"]) or client
                ack = await client.call("chat:sync", {"chat_id": chat_id, "after_seq": after_seq, "limit": 200})
                if not isinstance(ack, dict) or not ack.get("ok"):
                    raise RuntimeError(f"chat:sync answered {ack!r:.200}")
            except Exception:
                self.sync_errors += 1
                attempts += 1
                if attempts >= 8:
                    break
                await asyncio.sleep(rng.uniform(0.5, min(5.0, 0.5 * 2**attempts)))
                if user["id"] not in self.clients:
                    await self.connect_one(user)
                continue
            for msg in ack["messages"]:
                self.on_message(user["id"], msg, synced=True)
                after_seq = max(after_seq, msg["seq"])
            if not ack.get("has_more"):
                break
        self.rejoining -= 1
        self.recoveries.append((dropped_at, back, time.time()))

    def connect_summary(self) -> dict:
        """Who is connected, and how long it took."""
        return {
            "connected_ids": sorted(self.clients),
            "connect_failed": self.connect_failed,
            "connect_errors": dict(self.connect_errors.most_common(5)),
        }

    async def disconnect_all(self) -> None:
        """Close every socket (quietly: these are not counted as drops)."""
        clients = list(self.clients.values())
        self.clients.clear()
        for batch in range(0, len(clients), 200):
            await asyncio.gather(
                *(c.disconnect() for c in clients[batch : batch + 200]),
                return_exceptions=True,
            )

    # ---------------------------------------------------------------- sending

    async def send_loop(self, t0: float, duration: float, rate: float) -> None:
        """From wall time t0, send `rate` messages/s for `duration` s from this process's senders."""
        rng = random.Random(self.index)
        senders = [
            u for u in self.users if u["id"] in self.clients and self.chat_sizes.get(u.get("chat_id") or 0, 0) > 1
        ]
        share = self.cfg["sender_share"]
        rng.shuffle(senders)
        senders = senders[: max(1, round(len(senders) * share))] if senders else []
        if not senders or rate <= 0:
            await asyncio.sleep(max(0.0, t0 + duration - time.time()))
            return
        counter = itertools.count()
        pad = "x" * max(0, self.cfg["body_size"] - 18)
        await asyncio.sleep(max(0.0, t0 - time.time()))
        tasks: set[asyncio.Task] = set()
        done = 0
        total = round(rate * duration)
        # Send the whole count even if this process falls behind the schedule (bounded all the same).
        while done < total and time.time() < t0 + 2 * duration + 30:
            due = min(total, int((time.time() - t0) * rate) + 1)
            while done < due:
                user = senders[done % len(senders)] if share >= 1 else rng.choice(senders)
                done += 1
                task = asyncio.create_task(self.send_one(user, next(counter), pad))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            await asyncio.sleep(0.005)
        if tasks:
            await asyncio.wait(tasks, timeout=self.cfg["ack_timeout"] * (3 if self.cfg.get("reconnect") else 1) + 1)

    async def send_one(self, user: dict, n: int, pad: str) -> None:
        """Send one message:send and record its ack (or error, or timeout)."""
        client = self.clients.get(user["id"])
        if client is None:
            return
        client_id = f"{self.tag}{n}"
        ts = time.time()
        record = [user["chat_id"], user["id"], ts, None, "pending", None]
        self.sent[client_id] = record
        payload = {"chat_id": user["chat_id"], "body": f"{ts:.6f}|{pad}", "client_id": client_id}
        self.inflight += 1
        try:
            ack = await self._call_send(user["id"], client, payload)
        except Exception as err:
            record[4] = "timeout" if "imeout" in type(err).__name__ else "send_error"
            self.ack_errors[record[4]] += 1
            return
        finally:
            self.inflight -= 1
        record[3] = time.time()
        if isinstance(ack, dict) and ack.get("ok"):
            record[4] = "ok"
            record[5] = (ack.get("message") or {}).get("seq")
            self.acked += 1
            self.ack_ms.append((record[3] - ts) * 1000)
        else:
            code = ack.get("error", {}).get("code", "bad_ack") if isinstance(ack, dict) else "bad_ack"
            record[4] = "error"
            self.ack_errors[code] += 1

    async def _call_send(self, uid: int, client: Any, payload: dict) -> Any:
        """message:send; with --reconnect, a send cut off by a dropped socket is resent with the same
        client_id once the user is back (as the web client does): the server stores it once."""
        deadline = time.monotonic() + 3 * self.cfg["ack_timeout"]
        while True:
            try:
                return await client.call("message:send", payload, timeout=self.cfg["ack_timeout"])
            except Exception:
                if not self.cfg.get("reconnect") or time.monotonic() > deadline:
                    raise
            # Yield before retrying. A write to a socket the server just closed fails at once, without
            # awaiting anything, and the client still says `connected` until its reader task runs: this
            # loop used to spin on it for the whole deadline (30 s), freezing this process's event loop,
            # so every user of the process, never-dropped ones included, "received" late (issue 12).
            await asyncio.sleep(0.2)
            while (client := self.clients.get(uid)) is None or not client.connected:
                if time.monotonic() > deadline:
                    raise ConnectionError("not back in time")
                await asyncio.sleep(0.2)

    # ---------------------------------------------------------------- receiving

    def _hold_seq(self, where: tuple[int, Any], seq: int) -> None:
        """Record that this user holds message `seq` of the chat; advance the contiguous mark past it."""
        mark = self.contiguous.get(where)
        if mark is None:
            self.contiguous[where] = seq  # the first seen since connecting: the history before it is not ours
            return
        if seq <= mark:
            return
        ahead = self.seq_ahead.setdefault(where, set())
        ahead.add(seq)
        while mark + 1 in ahead:
            mark += 1
            ahead.discard(mark)
        self.contiguous[where] = mark

    def on_message(self, uid: int, msg: Any, synced: bool = False) -> None:
        """Count one message:new arriving at user uid (or fetched by its sync): latency, duplicates, order."""
        now = time.time()
        if not isinstance(msg, dict):
            return
        client_id = msg.get("client_id") or ""
        if not client_id.startswith(self.cfg["tag"]):
            return  # someone else's traffic
        if isinstance(msg.get("seq"), int):
            self._hold_seq((uid, msg.get("chat_id")), msg["seq"])
        if (msg.get("sender") or {}).get("id") == uid:
            self.own_echoes += 1
            return
        key = (uid, client_id)
        if key in self.seen:
            if not synced:  # a sync from the contiguous mark brings back what was held above a hole
                self.duplicates += 1
            return
        self.seen.add(key)
        self.delivered[client_id] += 1
        self.n_delivered += 1
        if synced:
            self.synced += 1
            return
        self.last_delivery = now
        body = msg.get("body") or ""
        try:
            sent_at = float(body[: body.index("|")])
        except ValueError:
            sent_at = now
        self.latency.append(now - sent_at)
        self.latency_at.append(sent_at)
        self.latency_stable.append(0 if uid in self.ever_dropped else 1)
        self.latency_sender.append(int((msg.get("sender") or {}).get("id") or 0))
        seq = msg.get("seq")
        if isinstance(seq, int):
            where = (uid, msg.get("chat_id"))
            if seq < self.last_seq.get(where, 0):
                self.out_of_order += 1
            else:
                self.last_seq[where] = seq

    def result(self) -> dict:
        """Everything measured, for the coordinator to add up."""
        return {
            "connect_ms": self.connect_ms.tobytes(),
            "connect_failed": self.connect_failed,
            "connect_errors": dict(self.connect_errors),
            "disconnects": self.disconnects,
            "sent": self.sent,
            "acked": self.acked,
            "ack_errors": dict(self.ack_errors),
            "ack_ms": self.ack_ms.tobytes(),
            "delivered": dict(self.delivered),
            "n_delivered": self.n_delivered,
            "duplicates": self.duplicates,
            "out_of_order": self.out_of_order,
            "own_echoes": self.own_echoes,
            "latency": self.latency.tobytes(),
            "latency_at": self.latency_at.tobytes(),
            "latency_stable": self.latency_stable.tobytes(),
            "latency_sender": self.latency_sender.tobytes(),
            "last_delivery": self.last_delivery,
            "recoveries": self.recoveries,
            "ever_dropped": len(self.ever_dropped),
            "ever_dropped_ids": sorted(self.ever_dropped),
            "synced": self.synced,
            "sync_errors": self.sync_errors,
            "still_rejoining": self.rejoining,
            **self.stage_result(),
        }


def raise_fd_limit() -> None:
    """One file descriptor per socket: lift the soft limit to the hard one."""
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def worker_main(index: int, cfg: dict, users: list[dict], chat_sizes: dict[int, int], conn) -> None:
    """Process entry point (spawned by the coordinator)."""
    import gc

    raise_fd_limit()
    # Many small long-lived objects: full collections would pause every client at once.
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(Worker(index, cfg, users, chat_sizes, conn).run())
