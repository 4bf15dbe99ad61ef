"""Staged runs inside a worker process: users and rate ramped stage by stage, think times, churn
(users who drop and come back, catching up with chat:sync), a mix of chat actions (send, typing,
read marks) and the marketplace's request -> offer -> accept chain.

What each side records, for the coordinator to join by key (cli.StagedCoordinator):
- `events`: what a user did that others should hear: [step, key, chat_id, sender, targets, ts, status]
  (targets: user ids, or None for "the chat's other members").
- `arrivals`: what a user heard: [step, key, uid, time].
- `presence`: each user's [on, off] intervals. A user who churns stays present (they catch up with
  chat:sync, so what they missed counts as delivered late); a user the stage ramps down leaves.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections import Counter
from typing import Any

from loadtest.live import LiveMixin


class StageMixin(LiveMixin):
    """Methods the Worker gains for staged runs (see the module docstring)."""

    # set up by stage_init()
    events: list
    arrivals: list

    def stage_init(self) -> None:
        """Counters for a staged run; everyone connected now is present from the start."""
        self.events = []
        self.arrivals = []
        self.presence: dict[int, list[list]] = {uid: [[0.0, None]] for uid in self.clients}
        self.connecting: set[int] = set()
        self.away: set[int] = set()
        self.think_until: dict[int, float] = {}
        self.read_marks: dict[int, int] = {}
        self.sending: set[int] = set()
        self.away_spans: dict[int, list[list]] = {}  # churn: [dropped, reconnected] per user
        self.skipped = 0
        self.churned = 0
        self.action_counts: Counter[str] = Counter()
        self.market = self.cfg.get("market") or {}
        self.feed = self.cfg.get("feed") or {}
        self.by_id = {u["id"]: u for u in self.users}
        self.stage_counter = itertools.count()
        self.stage_pad = "x" * max(0, self.cfg["body_size"] - 18)

    # ---------------------------------------------------------------- what a user hears

    def extra_handlers(self, uid: int) -> dict[str, Any]:
        """Events beyond message:new that the staged scenarios listen to."""
        return {
            "typing": lambda p: self._heard_signal("typing", uid, p),
            "chat:read": lambda p: self._heard_signal("read", uid, p),
            "notification": lambda p: self._heard_notification(uid, p),
            "post:new": lambda p: self._heard_post(uid, p),
        }

    def _heard_post(self, uid: int, p: Any) -> None:
        if (
            not isinstance(p, dict)
            or not hasattr(self, "arrivals")
            or not str(p.get("body", "")).startswith(self.cfg["tag"])
        ):
            return
        if (p.get("author") or {}).get("id") != uid:  # the author hears their own post too: not counted
            self.arrivals.append(["post", str(p.get("id")), uid, time.time()])

    def _heard_signal(self, step: str, uid: int, p: Any) -> None:
        if not isinstance(p, dict) or p.get("user_id") == uid or not hasattr(self, "arrivals"):
            return
        key = f"{p.get('chat_id')}:{p.get('user_id')}" + (f":{p.get('seq')}" if step == "read" else "")
        self.arrivals.append([step, key, uid, time.time()])

    def _heard_notification(self, uid: int, n: Any) -> None:
        if not isinstance(n, dict) or not hasattr(self, "arrivals"):
            return
        now, kind, p = time.time(), n.get("kind"), n.get("payload") or {}
        tag = self.cfg["tag"]
        if kind == "request:new" and str((p.get("request") or {}).get("title", "")).startswith(tag):
            req = p["request"]
            self.arrivals.append(["request", str(req["id"]), uid, now])
            masters = self.market.get("masters", {}).get(str(req["category_id"]), [])
            if masters and masters[req["id"] % len(masters)] == uid:  # one master per request answers
                self._spawn(self._offer(uid, req))
        elif kind == "offer:new" and str(p.get("title", "")).startswith(tag):
            offer = p["offer"]
            self.arrivals.append(["offer", str(offer["id"]), uid, now])
            self._spawn(self._accept(uid, offer))
        elif kind == "offer:accepted" and str(p.get("title", "")).startswith(tag):
            self.arrivals.append(["accept", str(p["offer_id"]), uid, now])

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.stage_tasks.add(task)
        task.add_done_callback(self.stage_tasks.discard)

    # ---------------------------------------------------------------- the loop

    async def stage_loop(self, t0: float, stages: list[dict], total_users: int, nprocs: int) -> None:
        """Run the stages from wall time t0: ramp users and rate, act, churn."""
        self.stage_init()
        self.stage_tasks: set[asyncio.Task] = set()
        rng = random.Random(1000 + self.index)
        share = len(self.users) / max(1, total_users)
        await asyncio.sleep(max(0.0, t0 - time.time()))
        start = t0
        for st in stages:
            end = start + st["duration"]
            ready = [u for u in self.clients if u not in self.away]
            for uid in rng.sample(ready, round(st["churn"] * len(ready))):
                self._spawn(self._churn_one(uid, rng.uniform(start, max(start, end - st["away"] / 2)), st["away"]))
            owed, last = 0.0, time.time()
            scaled: tuple[int, float] = (-1, 0.0)  # (target, when): users are walked only when it changes
            pool: list[int] = []
            pooled_at = 0.0
            while (now := time.time()) < end:
                f = (now - start) / st["duration"]
                target = round((st["users_from"] + (st["users"] - st["users_from"]) * f) * share)
                if target != scaled[0] or now - scaled[1] > 1.0:
                    self._scale_to(target)
                    scaled = (target, now)
                rate = (st["rate_from"] + (st["rate"] - st["rate_from"]) * f) / nprocs
                owed += rate * (now - last)
                last = now
                if owed >= 1:
                    if now - pooled_at > 0.1 or not pool:  # who is free to act, rebuilt ten times a second
                        pool, pooled_at = self._free_users(now), now
                    while owed >= 1:
                        owed -= 1
                        self._act(st, rng, pool, now)
                await asyncio.sleep(0.01)
            start = end
        # let the chains finish (a request's offer, an offer's accept), then a second for their events
        deadline = time.monotonic() + 2 * self.cfg["ack_timeout"] + 5
        while time.monotonic() < deadline:
            if self.stage_tasks:
                await asyncio.wait(set(self.stage_tasks), timeout=max(0.1, deadline - time.monotonic()))
                continue
            await asyncio.sleep(1.0)
            if not self.stage_tasks:
                break

    def _scale_to(self, target: int) -> None:
        """Connect this process's first `target` users, quietly close the rest (they leave: not expected)."""
        for n, user in enumerate(self.users):
            uid = user["id"]
            if uid in self.away or uid in self.connecting:
                continue
            if n < target and uid not in self.clients:
                self.connecting.add(uid)
                self._spawn(self._join(user))
            elif n >= target and uid in self.clients:
                client = self.clients.pop(uid)
                self._close_presence(uid)
                self._spawn(client.disconnect())

    async def _join(self, user: dict) -> None:
        try:
            await self.connect_one(user)
            if user["id"] in self.clients:
                self.presence.setdefault(user["id"], []).append([time.time(), None])
        finally:
            self.connecting.discard(user["id"])

    def _close_presence(self, uid: int) -> None:
        spans = self.presence.get(uid)
        if spans and spans[-1][1] is None:
            spans[-1][1] = time.time()

    async def _churn_one(self, uid: int, at: float, away: float) -> None:
        """Drop at `at`, stay away `away` s, reconnect and catch up with chat:sync (Worker.rejoin)."""
        await asyncio.sleep(max(0.0, at - time.time()))
        user = next((u for u in self.users if u["id"] == uid), None)
        client = self.clients.pop(uid, None)
        if user is None or client is None:
            return
        self.away.add(uid)
        self.churned += 1
        after_seq = self.last_seq.get((uid, user.get("chat_id")), 0)
        dropped_at = time.time()
        await client.disconnect()
        await asyncio.sleep(away)
        self.rejoining += 1
        before = len(self.recoveries)
        try:
            await self.rejoin(user, dropped_at, after_seq)
        finally:
            self.away.discard(uid)
        back = self.recoveries[-1][1] if len(self.recoveries) > before else None  # (dropped, back, caught up)
        self.away_spans.setdefault(uid, []).append([dropped_at, back])

    # ---------------------------------------------------------------- acting

    def _free_users(self, now: float) -> list[int]:
        """Users free to act: connected, not away, not thinking, not waiting for an ack (one thing at a
        time); in the marketplace only customers act (masters answer what they hear), in the feed only
        the authors (each chat's first member, friends with the others)."""
        busy = self.away | self.sending
        customers = self.market.get("customers") if self.market else None
        if self.feed:
            customers = self.feed.get("authors")
        return [
            u
            for u in self.clients
            if u not in busy and self.think_until.get(u, 0) <= now and (customers is None or str(u) in customers)
        ]

    def _act(self, st: dict, rng: random.Random, pool: list[int], now: float) -> None:
        """One action by a free user (skipped, and counted, when none is free)."""
        uid = None
        while pool and uid is None:
            k = rng.randrange(len(pool))
            pool[k], pool[-1] = pool[-1], pool[k]
            candidate = pool.pop()
            if candidate in self.clients and candidate not in self.away:  # still here since the pool was built
                uid = candidate
        if uid is None:
            self.skipped += 1
            return
        lo, hi = st["think"]
        self.think_until[uid] = now + rng.uniform(lo, hi)
        user = self.by_id[uid]
        if self.market:
            self.action_counts["request"] += 1
            self._spawn(self._request(user))
            return
        if self.feed:
            self.action_counts["post"] += 1
            self._spawn(self._post(user))
            return
        mix = st["mix"]
        kind = rng.choices(("send", "typing", "read"), weights=(mix["send"], mix["typing"], mix["read"]))[0]
        self.action_counts[kind] += 1
        if kind == "send":
            self._spawn(self._send(user))
        else:
            self._spawn(self._signal(kind, user))

    async def _send(self, user: dict) -> None:
        """message:send (Worker.send_one); the server also moves the sender's own read mark to it."""
        uid, n = user["id"], next(self.stage_counter)
        self.sending.add(uid)
        try:
            await self.send_one(user, n, self.stage_pad)
        finally:
            self.sending.discard(uid)
        seq = (self.sent.get(f"{self.tag}{n}") or [None] * 6)[5]
        if isinstance(seq, int):
            self.read_marks[uid] = max(self.read_marks.get(uid, 0), seq)

    async def _signal(self, kind: str, user: dict) -> None:
        """typing, or chat:read up to the last seq this user saw; an event the chat's others should hear."""
        uid, chat_id = user["id"], user.get("chat_id")
        client = self.clients.get(uid)
        if client is None or not chat_id:
            return
        if kind == "typing":
            key, payload, event = f"{chat_id}:{uid}", {"chat_id": chat_id, "typing": True}, "typing"
        else:
            seq = self.last_seq.get((uid, chat_id), 0)
            if seq <= self.read_marks.get(uid, 0) or uid in self.sending:
                self.skipped += 1  # nothing new to mark read: the server would not tell anyone
                return
            self.read_marks[uid] = seq
            key, payload, event = f"{chat_id}:{uid}:{seq}", {"chat_id": chat_id, "seq": seq}, "chat:read"
        record = [kind, key, chat_id, uid, None, time.time(), "pending"]
        self.events.append(record)
        if kind == "read":  # one mark at a time: a lower mark committed after a higher one is not announced
            self.sending.add(uid)
        try:
            ack = await client.call(event, payload, timeout=self.cfg["ack_timeout"])
        except Exception as err:
            if uid in self.away:  # cut off by this user's own churn drop: nobody is owed it
                record[6] = "dropped"
                return
            record[6] = "timeout" if "imeout" in type(err).__name__ else "send_error"
            self.ack_errors[f"{kind}:{record[6]}"] += 1
            return
        finally:
            if kind == "read":
                self.sending.discard(uid)
        ok = isinstance(ack, dict) and ack.get("ok")
        record[6] = "ok" if ok else "error"
        if not ok:
            code = (ack.get("error") or {}).get("code", "bad_ack") if isinstance(ack, dict) else "bad_ack"
            self.ack_errors[f"{kind}:{code}"] += 1

    async def _http(self, step: str, uid: int, method: str, path: str, body: dict | None) -> dict | None:
        """A REST call as user uid; None (counted as an ack error) when it fails."""
        token = self.by_id[uid]["token"]
        url = self.cfg["url"].rstrip("/") + path
        try:
            async with self.http.request(
                method, url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=self.cfg["ack_timeout"]
            ) as res:
                data = await res.json(content_type=None)
                if res.status >= 400:
                    code = (data.get("error") or {}).get("code") if isinstance(data, dict) else None
                    self.ack_errors[f"{step}:{res.status} {code}"] += 1
                    return None
                return data
        except Exception as err:
            self.ack_errors[f"{step}:{type(err).__name__}"] += 1
            return None

    async def _request(self, user: dict) -> None:
        """A customer posts a request in their category: its masters should hear request:new."""
        uid = user["id"]
        category = self.market["customers"][str(uid)]
        record = ["request", None, None, uid, self.market["masters"].get(str(category), []), time.time(), "pending"]
        self.events.append(record)
        title = f"{self.cfg['tag']}-{self.index}-{next(self.stage_counter)}"
        body = {"category_id": category, "title": title, "description": "load test request"}
        data = await self._http("request", uid, "POST", "/api/requests", body)
        record[6] = "ok" if data else "error"
        if data:
            record[1] = str(data["id"])

    async def _post(self, user: dict) -> None:
        """An author writes a post on their wall: each friend connected should hear post:new."""
        uid = user["id"]
        record = ["post", None, None, uid, self.feed["authors"].get(str(uid), []), time.time(), "pending"]
        self.events.append(record)
        body = {"body": f"{self.cfg['tag']}-{self.index}-{next(self.stage_counter)} {self.stage_pad}"}
        data = await self._http("post", uid, "POST", "/api/posts", body)
        record[6] = "ok" if data else "error"
        if data:
            record[1] = str(data["id"])

    async def _offer(self, uid: int, req: dict) -> None:
        """The chosen master answers with an offer: the customer should hear offer:new."""
        record = ["offer", None, None, uid, [req["customer"]["id"]], time.time(), "pending"]
        self.events.append(record)
        data = await self._http(
            "offer", uid, "POST", f"/api/requests/{req['id']}/offers", {"message": "ok", "price": 1000}
        )
        record[6] = "ok" if data else "error"
        if data:
            record[1] = str(data["id"])

    async def _accept(self, uid: int, offer: dict) -> None:
        """The customer accepts the offer: its master should hear offer:accepted."""
        record = ["accept", str(offer["id"]), None, uid, [offer["master"]["id"]], time.time(), "pending"]
        self.events.append(record)
        data = await self._http("accept", uid, "POST", f"/api/offers/{offer['id']}/accept", None)
        record[6] = "ok" if data else "error"

    def stage_result(self) -> dict:
        """What the staged run adds to the worker's result."""
        if not hasattr(self, "events"):
            return {}
        return {
            "events": self.events,
            "arrivals": self.arrivals,
            "presence": {str(k): v for k, v in self.presence.items()},
            "away": {str(k): v for k, v in self.away_spans.items()},
            "skipped": self.skipped,
            "churned": self.churned,
            "actions": dict(self.action_counts),
        }
