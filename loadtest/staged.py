"""Adding up a staged run: who was expected to hear what (from the users' presence), per stage and per
scenario step (message, typing, read, request, offer, accept), each with expected, delivered, lost and
latency histograms; and the live figures' estimate of what is overdue."""

from __future__ import annotations

import bisect
from collections import defaultdict

from loadtest import hist
from loadtest.combine import percentiles_into

LEAVING_S = 10.0  # a live-only event not heard by a user who dropped within this long after it: not lost

# what each step counts (printed by the summary, documented in the README)
STEP_MEANING = {
    "message": "message:send acked -> message:new at every other member present (live, or by chat:sync after a drop)",
    "typing": "typing acked -> typing at every other member connected (paired with the next one heard from them)",
    "read": "chat:read that moved the mark -> chat:read at every other member connected",
    "request": "POST /api/requests 201 -> notification request:new at every master of the category connected",
    "offer": "POST /api/requests/{id}/offers 201 -> notification offer:new at the customer",
    "accept": "POST /api/offers/{id}/accept 200 -> notification offer:accepted at the master",
    "post": "POST /api/posts 201 -> post:new at every friend of the author connected",
}


def present(presence: dict[int, list], uid: int, ts: float) -> bool:
    """Whether uid was in the run at time ts (connected, or away catching up after a churn drop)."""
    return any(on <= ts and (off is None or off > ts) for on, off in presence.get(uid, ()))


def connecting_again(away: dict[int, list], uid: int, ts: float) -> bool:
    """Whether uid had dropped (churn) and was not yet reconnected at ts."""
    return any(drop <= ts and (back is None or back > ts) for drop, back in away.get(uid, ()))


def stage_of(bounds: list[float], ts: float) -> int:
    """Index of the stage a send time falls in (before the first: 0; after the last: the last)."""
    return max(0, min(len(bounds) - 2, bisect.bisect_right(bounds, ts) - 1))


def block(**counts) -> dict:
    """A figures block with its percentiles."""
    out = {k: v for k, v in counts.items() if v is not None}
    percentiles_into(out)
    return out


def staged_figures(results: list[dict], sent: dict, delivered: dict, members: dict, stages: list[dict],
                   t0: float, latency_at, latency) -> dict:  # fmt: skip
    """Per-stage and per-step figures of a staged run, and the message totals recomputed by presence."""
    presence: dict[int, list] = {}
    for r in results:
        for uid, spans in (r.get("presence") or {}).items():
            presence.setdefault(int(uid), []).extend(spans)
    away: dict[int, list] = {}
    for r in results:
        for uid, spans in (r.get("away") or {}).items():
            away.setdefault(int(uid), []).extend(spans)
    bounds = [t0]
    for st in stages:
        bounds.append(bounds[-1] + st["duration"])
    bounds[-1] = float("inf")
    n = len(stages)
    zero = {"sent": 0, "acked": 0, "expected": 0, "delivered": 0, "lost": 0}
    per = [defaultdict(int, zero) for _ in range(n)]

    # messages: expected = other members present when it was sent
    expected = lost = unexpected = counted = 0
    for cid, (chat_id, sender, ts, _ack, status, _seq) in sent.items():
        i = stage_of(bounds, ts)
        per[i]["sent"] += 1
        if status != "ok":
            per[i]["ack_errors"] += 1
            if not delivered.get(cid):
                continue  # refused or lost before the server stored it: nobody should hear it
            # no ack (the sender dropped, e.g. churn) but it was stored: every member should hear it
        else:
            per[i]["acked"] += 1
        should = sum(1 for m in members.get(chat_id, ()) if m != sender and present(presence, m, ts))
        got = delivered.get(cid, 0)
        # deliveries beyond `should` went to users still connecting when it was sent: unexpected, not delivered
        expected += should
        counted += min(got, should)
        lost += max(0, should - got)
        unexpected += max(0, got - should)
        per[i]["expected"] += should
        per[i]["delivered"] += min(got, should)
        per[i]["lost"] += max(0, should - got)
    lat_by_stage: list[list[float]] = [[] for _ in range(n)]
    for at, lat in zip(latency_at, latency, strict=True):
        lat_by_stage[stage_of(bounds, at)].append(lat * 1000)

    # events (typing, read, marketplace): joined with what was heard, by key
    heard: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    fifo: dict[tuple[str, str, int], list[float]] = defaultdict(list)
    for r in results:
        for step, key, uid, at in r.get("arrivals") or ():
            if step == "typing":
                fifo[(step, key, uid)].append(at)
            else:
                heard[(step, key)].setdefault(uid, at)
    for arrivals in fifo.values():
        arrivals.sort()
    taken: dict[tuple[str, int], int] = {}
    sends_by_key: dict[tuple[str, str], list] = defaultdict(list)
    for r in results:
        for ev in r.get("events") or ():
            sends_by_key[(ev[0], ev[1])].append(ev)
    steps: dict[str, dict] = {}
    step_lat_by_stage: list[list[float]] = [[] for _ in range(n)]
    lost_examples: dict[str, list] = defaultdict(list)
    step_lat: dict[str, list[float]] = defaultdict(list)
    for (step, key), evs in sends_by_key.items():
        evs.sort(key=lambda e: e[5])
        for _s, _k, chat_id, sender, targets, ts, status in evs:
            fig = steps.setdefault(step, defaultdict(int, zero))
            fig["sent"] += 1
            i = stage_of(bounds, ts)
            per[i][f"{step}_sent"] += 1
            if status != "ok" or key is None:
                fig["ack_errors"] += 1
                continue
            fig["acked"] += 1
            who = targets if targets is not None else [m for m in members.get(chat_id, ()) if m != sender]
            for uid in who:
                if uid == sender or not present(presence, uid, ts) or connecting_again(away, uid, ts):
                    continue  # typing, read marks and notifications are live only: no chat:sync brings them
                fig["expected"] += 1
                per[i][f"{step}_expected"] += 1
                if step == "typing":  # the first arrival at or after the send not taken by an earlier send
                    arrivals = fifo.get((step, key, uid), [])
                    p = taken.get((key, uid), 0)
                    while p < len(arrivals) and arrivals[p] < ts:
                        p += 1
                    at = arrivals[p] if p < len(arrivals) else None
                    taken[(key, uid)] = p + (at is not None)
                else:
                    at = heard.get((step, key), {}).get(uid)
                if at is None and any(ts <= drop <= ts + LEAVING_S for drop, _b in away.get(uid, ())):
                    # the receiver dropped (churn) before it could hear it: leaving, not a loss
                    fig["expected"] -= 1
                    per[i][f"{step}_expected"] -= 1
                    fig["missed_while_dropping"] += 1
                    continue
                if at is None:
                    if len(lost_examples[step]) < 5:  # for whoever investigates: who missed what, when
                        spans = [[round(d - t0, 3), b and round(b - t0, 3)] for d, b in away.get(uid, ())]
                        lost_examples[step].append(
                            {"key": key, "to": uid, "by": sender, "sent_s": round(ts - t0, 3), "away_s": spans}
                        )
                    fig["lost"] += 1
                    per[i][f"{step}_lost"] += 1
                    continue
                fig["delivered"] += 1
                per[i][f"{step}_delivered"] += 1
                step_lat[step].append((at - ts) * 1000)
                step_lat_by_stage[i].append((at - ts) * 1000)
    scenario_figures = {
        name: block(**fig, latency_hist=hist.from_values(step_lat[name]), counts=STEP_MEANING.get(name))
        for name, fig in sorted(steps.items())
    }
    for name, examples in lost_examples.items():
        scenario_figures[name]["lost_examples"] = examples
    stage_blocks = []
    for i, st in enumerate(stages):
        counts = dict(per[i])
        for key in ("expected", "delivered", "lost"):  # messages and every other step together
            counts[f"message_{key}"] = counts[key]
            counts[key] += sum(v for k, v in per[i].items() if k.endswith(f"_{key}") and not k.startswith("message"))
        end = bounds[i + 1] if i + 1 < n else bounds[0] + sum(s["duration"] for s in stages)
        stage_blocks.append(
            block(
                name=st["name"],
                duration=st["duration"],
                users=st["users"],
                connected_at_end=sum(1 for uid in presence if present(presence, uid, end - 1e-3)),
                rate=st["rate"],
                churn=st["churn"],
                **counts,
                # the stage's latency: its chat messages', or (no messages: the marketplace) its steps'
                latency_hist=hist.from_values(lat_by_stage[i] or step_lat_by_stage[i]),
            )
        )
    late = sum(r.get("synced", 0) for r in results)
    msg_delivered = counted
    scenario_figures["message"] = block(
        sent=len(sent),
        acked=sum(1 for r in sent.values() if r[4] == "ok"),
        expected=expected,
        delivered=msg_delivered,
        delivered_late=late,
        lost=lost,
        latency_hist=hist.from_values(v * 1000 for v in latency),
        counts=STEP_MEANING["message"],
    )
    if not sent:
        del scenario_figures["message"]
    others = [f for name, f in scenario_figures.items() if name != "message"]
    return {
        "expected": expected + sum(f.get("expected", 0) for f in others),
        "delivered": msg_delivered + sum(f.get("delivered", 0) for f in others),
        "lost": lost + sum(f.get("lost", 0) for f in others),
        "message_expected": expected,
        "message_lost": lost,
        "unexpected": unexpected,
        "delivered_late": late,
        "churned": sum(r.get("churned", 0) for r in results),
        "skipped": sum(r.get("skipped", 0) for r in results),
        "stages": stage_blocks,
        "scenario_figures": scenario_figures,
    }
