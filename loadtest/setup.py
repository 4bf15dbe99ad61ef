"""Before and after a run: the note when the server is elsewhere, this shard's part of the seed, the
direct-chat and marketplace set-up over the API, and what every result records (histograms, git
revision, server settings, machine, thresholds)."""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request

from loadtest import hist, meta
from loadtest.thresholds import evaluate

MASTERS_PER_ROOM = 2  # marketplace: the first two members of each seed chat are masters, the rest customers


def announce(args) -> None:
    """Say plainly when the server is not on this machine (CPU/RSS then cannot be sampled)."""
    args.server_local = meta.is_local(args.url)
    if not args.server_local:
        print(
            f"note: {args.url} is not on this machine: server CPU and memory are not measured, the network "
            "between here and there is part of every latency (all clients share this machine's clock, so "
            "latencies stay exact), and a shared server's other traffic is not yours.",
            file=sys.stderr,
        )


def shard(seed: dict, i: int, n: int) -> dict:
    """The i-th (1-based) of n shares of the seed: whole chats (every member with them), chat k to shard
    k % n + 1, so shards never split a room and their counts add up."""
    chats = [c for k, c in enumerate(seed["chats"]) if k % n == i - 1]
    ids = {m for c in chats for m in c["member_ids"]}
    return {**seed, "chats": chats, "users": [u for u in seed["users"] if u["id"] in ids]}


def _api(url: str, method: str, path: str, token: str, body: dict | None = None) -> dict:
    req = urllib.request.Request(
        url.rstrip("/") + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return json.loads(res.read() or b"{}")
    except urllib.error.HTTPError as err:
        raise SystemExit(f"set-up: {method} {path} answered {err.code}: {err.read()[:300]!r}") from None


def _leaf_categories(url: str, token: str) -> list[int]:
    tree = _api(url, "GET", "/api/categories", token)
    items = tree if isinstance(tree, list) else tree.get("items", tree.get("categories", []))
    leaves: list[int] = []

    def walk(nodes):
        for node in nodes:
            kids = node.get("children") or []
            if kids:
                walk(kids)
            else:
                leaves.append(node["id"])

    walk(items)
    return leaves


def prepare(args, seed: dict) -> dict:
    """This shard's users; then per scenario: direct chats in pairs, masters and customers, or each chat's
    first member made friends with the others (the feed)."""
    if args.shard:
        seed = shard(seed, *args.shard)
        if not seed["users"]:
            raise SystemExit(f"shard {args.shard[0]}/{args.shard[1]} has no users (more shards than chats?)")
    kind = args.scenario.scenario
    by_id = {u["id"]: u for u in seed["users"]}
    if kind == "direct":
        chats, users = [], []
        for c in seed["chats"]:
            ms = c["member_ids"]
            for a, b in zip(ms[0::2], ms[1::2], strict=False):
                chat = _api(args.url, "POST", "/api/chats", by_id[a]["token"], {"type": "direct", "user_id": b})
                chats.append({"id": chat["id"], "member_ids": [a, b]})
                users += [{**by_id[a], "chat_id": chat["id"]}, {**by_id[b], "chat_id": chat["id"]}]
        seed = {**seed, "chats": chats, "users": users}
    elif kind == "market":
        leaves = _leaf_categories(args.url, seed["users"][0]["token"])
        masters: dict[str, list[int]] = {}
        customers: dict[str, int] = {}
        for k, c in enumerate(seed["chats"]):
            category = leaves[k % len(leaves)]
            for n, uid in enumerate(c["member_ids"]):
                if n < MASTERS_PER_ROOM:
                    body = {"category_ids": [category], "about": "load test master"}
                    _api(args.url, "POST", "/api/masters", by_id[uid]["token"], body)
                    masters.setdefault(str(category), []).append(uid)
                else:
                    customers[str(uid)] = category
        seed = {**seed, "market": {"masters": masters, "customers": customers}}
    elif kind == "feed":
        seed = {**seed, "feed": {"authors": _befriend_rooms(args.url, seed, by_id)}}
    return seed


def _befriend_rooms(url: str, seed: dict, by_id: dict) -> dict[str, list[int]]:
    """Feed set-up over the API: in each seed chat the first member (the author) becomes friends with every
    other member (asks, they accept: two calls each, 8 at a time). Returns author -> friend ids."""
    from concurrent.futures import ThreadPoolExecutor

    authors: dict[str, list[int]] = {}
    pairs = []
    # A seed without chats (seed-users -r 0, e.g. for one author with 5,000 friends: a 5,001-member chat
    # would make every connect announce presence to 5,000 people) is one room of everyone.
    for members in [c["member_ids"] for c in seed["chats"]] or [[u["id"] for u in seed["users"]]]:
        author, *friends = members
        if friends:
            authors[str(author)] = list(friends)
            pairs += [(author, f) for f in friends]

    def befriend(pair: tuple[int, int]) -> None:
        a, b = pair
        _api(url, "POST", f"/api/friends/{b}", by_id[a]["token"])
        _api(url, "POST", f"/api/friends/{a}", by_id[b]["token"])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(befriend, pairs))
    return authors


def finish(result: dict, coordinator, args) -> list[dict]:
    """Add histograms, samples (--details), what it ran on, and the thresholds' checks to the result."""
    samples = coordinator._samples
    result["latency_hist"] = hist.from_values(samples["latency_ms"])
    result["connect_hist"] = hist.from_values(samples["connect_ms"])
    result["ack_hist"] = hist.from_values(samples["ack_ms"])
    if args.details:
        result["samples"] = {k: [round(v, 3) for v in vals] for k, vals in samples.items()}
    result["scenario"] = args.scenario.scenario
    result["shard"] = f"{args.shard[0]}/{args.shard[1]}" if args.shard else None
    result["label"] = args.label
    result["meta"] = {
        "git": meta.git_revision(),
        "machine": meta.machine(),
        "server_local": args.server_local,
        "server": meta.server_settings(result.get("server_pid"), args.url),
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": ["python", "-m", "loadtest", *sys.argv[1:]],
    }
    if args.stages:
        result["stage_plan"] = args.stages
    steps = result.get("scenario_figures") or {}
    if not samples["latency_ms"] and steps:
        # no chat messages (e.g. the marketplace): the run's latency is its steps' notification latency
        from loadtest.combine import percentiles_into

        result["latency_hist"] = hist.merge(f.get("latency_hist", {}) for f in steps.values())
        percentiles_into(result)
    checks = evaluate(args.limits, result)
    result["thresholds"] = checks
    return checks


def print_extra(result: dict) -> None:
    """Per-stage and per-step figures, when the run had them."""
    if result.get("delivered_late") or result.get("churned"):
        print(f"churn: {result.get('churned', 0)} drops; {result.get('delivered_late', 0)} deliveries came late "
              "by chat:sync (counted as delivered)")  # fmt: skip
    if result.get("stages"):
        print(f"{'stage':<16} {'users':>6} {'rate':>7} {'actions':>7} {'expected':>9} {'delivered':>9} {'lost':>5} "
              f"{'p50 ms':>8} {'p99 ms':>8}")  # fmt: skip
        for st in result["stages"]:
            print(
                f"{st['name'][:16]:<16} {st.get('connected_at_end', st['users']):>6} {st['rate']:>7g} "
                f"{st.get('sent', 0) + sum(v for k, v in st.items() if k.endswith('_sent')):>7} "
                f"{st.get('expected', 0):>9} {st.get('delivered', 0):>9} {st.get('lost', 0):>5} "
                f"{st.get('p50_ms')!s:>8} {st.get('p99_ms')!s:>8}"
            )
    for name, f in (result.get("scenario_figures") or {}).items():
        print(
            f"{name}: expected {f.get('expected', 0)}, delivered {f.get('delivered', 0)}, lost {f.get('lost', 0)}, "
            f"p50 {f.get('p50_ms')} ms, p99 {f.get('p99_ms')} ms  ({f.get('counts')})"
        )
