"""`python -m loadtest merge a.json b.json ...` (add shards up) and `python -m loadtest compare old.json new.json`.

Merging adds counts and histograms; every percentile of the merged result is read from the merged
latency samples (when every input kept them, `--details`) or from the merged histograms, never
averaged from the inputs' percentiles.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from loadtest import hist
from loadtest.report import ms, percentile
from loadtest.thresholds import Thresholds, evaluate, verdict

# counts that add up across shards
SUM_KEYS = (
    "users", "connected", "connect_failed", "disconnects", "sent", "acked", "expected", "delivered",
    "delivered_late", "lost", "unexpected", "duplicates", "out_of_order", "own_echoes", "skipped",
    "delivered_per_s", "offered_deliveries_per_s", "rate",
)  # fmt: skip
# (percentile figure prefix, histogram key, samples key)
PCTS = (("", "latency_hist", "latency_ms"), ("connect_", "connect_hist", "connect_ms"), ("ack_", "ack_hist", "ack_ms"))


def percentiles_into(block: dict, samples: dict | None = None) -> None:
    """Fill a block's p50/p95/p99/max figures from its samples (exact) or its histograms."""
    for prefix, hkey, skey in PCTS:
        if hkey not in block and not (samples and skey in samples):
            continue
        if samples is not None and skey in samples:
            values = sorted(samples[skey])
            pick = lambda q, v=values: percentile(v, q)  # noqa: E731
            top = values[-1] if values else None
        else:
            h = block[hkey]
            pick = lambda q, h=h: hist.percentile(h, q)  # noqa: E731
            top = hist.bucket_value(max(map(int, h))) if h else None
        qs = (50, 95, 99) if prefix == "" else (50, 99)
        for q in qs:
            block[f"{prefix}p{q}_ms"] = ms(pick(q))
        block[f"{prefix}max_ms"] = ms(top)


def add_blocks(blocks: list[dict]) -> dict:
    """Add up figure blocks (a whole result, one stage, one scenario step): counts and histograms."""
    out: dict = {}
    for key in SUM_KEYS:
        vals = [b[key] for b in blocks if isinstance(b.get(key), (int, float))]
        if vals:
            out[key] = round(sum(vals), 3) if any(isinstance(v, float) for v in vals) else sum(vals)
    for _prefix, hkey, _skey in PCTS:
        if any(hkey in b for b in blocks):
            out[hkey] = hist.merge(b.get(hkey, {}) for b in blocks)
    errors: dict[str, int] = {}
    for b in blocks:
        for code, n in (b.get("ack_errors") or {}).items():
            errors[code] = errors.get(code, 0) + n
    if any("ack_errors" in b for b in blocks):
        out["ack_errors"] = errors
    return out


def merge_results(results: list[dict]) -> dict:
    """One result from several shards' results."""
    if not results:
        raise SystemExit("merge: no results given")
    first = results[0]
    merged = {k: v for k, v in first.items() if k not in ("messages", "samples", "plot", "thresholds", "stages")}
    merged.update(add_blocks(results))
    samples = None
    if all("samples" in r for r in results):
        samples = {k: [v for r in results for v in r["samples"].get(k, [])] for _p, _h, k in PCTS}
        merged["samples"] = samples
    percentiles_into(merged, samples)
    merged["percentiles_from"] = "samples" if samples is not None else "histograms"
    merged["merged_from"] = [
        {"shard": r.get("shard"), "tag": r.get("tag"), "host": (r.get("meta") or {}).get("machine", {}).get("hostname")}
        for r in results
    ]
    merged["room_size"] = first.get("room_size")
    # per stage and per scenario step: add the same-named blocks up
    if any(r.get("stages") for r in results):
        names = [s["name"] for s in first.get("stages", [])]
        merged["stages"] = []
        for i, name in enumerate(names):
            blocks = [r["stages"][i] for r in results if len(r.get("stages", [])) > i]
            stage = {**{k: v for k, v in blocks[0].items() if k not in SUM_KEYS}, **add_blocks(blocks), "name": name}
            percentiles_into(stage)
            merged["stages"].append(stage)
    if any(r.get("scenario_figures") for r in results):
        steps: dict[str, list[dict]] = {}
        for r in results:
            for name, block in (r.get("scenario_figures") or {}).items():
                steps.setdefault(name, []).append(block)
        merged["scenario_figures"] = {}
        for name, blocks in steps.items():
            block = {**{k: v for k, v in blocks[0].items() if k not in SUM_KEYS}, **add_blocks(blocks)}
            percentiles_into(block)
            merged["scenario_figures"][name] = block
    return merged


COMPARE_ROWS = [
    ("users", "users"),
    ("connected", "connected"),
    ("connect p50 (ms)", "connect_p50_ms"),
    ("connect p99 (ms)", "connect_p99_ms"),
    ("sent", "sent"),
    ("acked", "acked"),
    ("ack p99 (ms)", "ack_p99_ms"),
    ("expected deliveries", "expected"),
    ("delivered", "delivered"),
    ("delivered late (synced)", "delivered_late"),
    ("lost", "lost"),
    ("duplicates", "duplicates"),
    ("latency p50 (ms)", "p50_ms"),
    ("latency p95 (ms)", "p95_ms"),
    ("latency p99 (ms)", "p99_ms"),
    ("latency max (ms)", "max_ms"),
    ("delivered / s", "delivered_per_s"),
    ("server CPU % (mean while sending)", "server_cpu_pct"),
    ("server RSS MB (peak)", "server_rss_mb"),
]


def _change(old, new) -> str:
    if not isinstance(old, (int, float)) or not isinstance(new, (int, float)):
        return "" if old == new else "changed"
    diff = new - old
    if diff == 0:
        return "="
    pct = f" ({diff / old * 100:+.1f}%)" if old else ""
    return f"{diff:+.6g}{pct}"


def compare_text(old: dict, new: dict, old_name: str = "old", new_name: str = "new") -> str:
    """Each figure of two results side by side with the change; then what differs in what they ran on."""
    rows = [(label, old.get(key), new.get(key)) for label, key in COMPARE_ROWS]
    for name in sorted(set(old.get("scenario_figures") or {}) | set(new.get("scenario_figures") or {})):
        a, b = (old.get("scenario_figures") or {}).get(name, {}), (new.get("scenario_figures") or {}).get(name, {})
        for key in ("expected", "delivered", "lost", "p99_ms"):
            rows.append((f"{name}: {key}", a.get(key), b.get(key)))
    old_stages, new_stages = old.get("stages") or [], new.get("stages") or []
    for k in range(max(len(old_stages), len(new_stages))):
        a = old_stages[k] if k < len(old_stages) else {}
        b = new_stages[k] if k < len(new_stages) else {}
        name = a.get("name") or b.get("name")
        for key in ("expected", "lost", "p99_ms"):
            rows.append((f"stage {k + 1} ({name}): {key}", a.get(key), b.get(key)))
    width = max(len(r[0]) for r in rows)
    lines = [f"{'figure':<{width}}  {old_name[-20:]:>20}  {new_name[-20:]:>20}  change"]
    for label, a, b in rows:
        if a is None and b is None:
            continue
        lines.append(f"{label:<{width}}  {a!s:>20}  {b!s:>20}  {_change(a, b)}")
    lines.append("")
    lines.append("measured on:")
    for label, path in (
        ("git commit", ("meta", "git", "commit")),
        ("git dirty", ("meta", "git", "dirty")),
        ("tester host", ("meta", "machine", "hostname")),
        ("tester cores", ("meta", "machine", "nproc")),
        ("server on this machine", ("meta", "server_local")),
        ("server settings", ("meta", "server")),
        ("url", ("url",)),
        ("scenario", ("scenario",)),
    ):
        a, b = _dig(old, path), _dig(new, path)
        mark = "" if a == b else "   <- differs"
        lines.append(f"  {label}: {_short(a)} | {_short(b)}{mark}")
    return "\n".join(lines)


def _dig(d: dict, path: tuple) -> object:
    for p in path:
        d = d.get(p) if isinstance(d, dict) else None
    return d


def _short(v: object) -> str:
    if isinstance(v, dict):
        v = {k: x for k, x in v.items() if k != "source"}
        return json.dumps(v, sort_keys=True)[:160]
    return str(v)


def merge_main(argv: list[str]) -> int:
    """`python -m loadtest merge`."""
    p = argparse.ArgumentParser(prog="python -m loadtest merge", description="Add up several shards' results.")
    p.add_argument("files", nargs="+", help="result JSON files (one per shard / machine)")
    p.add_argument("--json", dest="json_out", default="loadtest-merged.json", help="where to write the sum")
    add_threshold_args(p)
    args = p.parse_args(argv)
    results = [json.loads(Path(f).read_text()) for f in args.files]
    merged = merge_results(results)
    from loadtest.report import table

    checks = evaluate(thresholds_from_args(args), merged)
    merged["thresholds"] = checks
    Path(args.json_out).write_text(json.dumps(merged, indent=2))
    print(f"merged {len(results)} results (percentiles from {merged['percentiles_from']})")
    print(table(merged))
    print(verdict(checks))
    print(f"results: {args.json_out}")
    return 1 if any(not c["held"] for c in checks) else 0


def compare_main(argv: list[str]) -> int:
    """`python -m loadtest compare`."""
    p = argparse.ArgumentParser(prog="python -m loadtest compare", description="Two results side by side.")
    p.add_argument("old")
    p.add_argument("new")
    args = p.parse_args(argv)
    old, new = (json.loads(Path(f).read_text()) for f in (args.old, args.new))
    print(compare_text(old, new, args.old, args.new))
    return 0


def add_threshold_args(p: argparse.ArgumentParser) -> None:
    """--max-p99-ms, --max-lost, --max-connect-p99-ms, --max-ack-errors and --thresholds FILE."""
    g = p.add_argument_group("thresholds (exit code 1 when any does not hold)")
    g.add_argument("--max-p99-ms", type=float, help="delivery latency p99 at most this many ms")
    g.add_argument("--max-lost", type=int, help="at most this many lost deliveries")
    g.add_argument("--max-connect-p99-ms", type=float, help="connect p99 at most this many ms")
    g.add_argument("--max-ack-errors", type=int, help="at most this many error/timeout acks")
    g.add_argument("--thresholds", dest="thresholds_file", help="a TOML file with a [thresholds] table (flags win)")


def thresholds_from_args(args: argparse.Namespace, base: Thresholds | None = None) -> Thresholds:
    """The limits from --thresholds FILE (or the scenario's), with the flags on top."""
    limits = base or Thresholds()
    if getattr(args, "thresholds_file", None):
        from loadtest.scenario import load_thresholds

        limits = load_thresholds(args.thresholds_file)
    return limits.overridden(
        max_p99_ms=args.max_p99_ms,
        max_lost=args.max_lost,
        max_connect_p99_ms=args.max_connect_p99_ms,
        max_ack_errors=args.max_ack_errors,
    )


if __name__ == "__main__":
    sys.exit(merge_main(sys.argv[1:]))
