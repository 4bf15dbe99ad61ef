"""Where a process's memory is, by mapping: RSS and address space of the brk heap, the anonymous
mappings and each library, from /proc/PID/smaps (Linux).

Sampled during a long run, it tells growth of the heap's address space (more memory reserved) from
growth of its RSS within the same address space (reserved pages touched for the first time), which
RSS alone cannot (docs/PERFORMANCE.md, "Thirty minutes of churn at 100 msg/s").

    .venv/bin/python bench/smaps.py PID              # a table
    .venv/bin/python bench/smaps.py PID --json F     # and the figures as JSON, with a time stamp
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

_MAPPING = re.compile(r"^[0-9a-f]+-[0-9a-f]+ ")


def read(pid: int) -> dict[str, dict[str, int]]:
    """{mapping kind: {"rss_kb", "size_kb", "mappings"}}; kinds: [heap], [anon], [stack], lib:NAME."""
    kinds: dict[str, dict[str, int]] = {}
    current: dict[str, int] | None = None
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        if _MAPPING.match(line):
            parts = line.split()
            name = parts[5] if len(parts) > 5 else "[anon]"
            kind = name if name.startswith("[") else "lib:" + name.rsplit("/", 1)[-1]
            current = kinds.setdefault(kind, {"rss_kb": 0, "size_kb": 0, "mappings": 0})
            current["mappings"] += 1
        elif current is not None and line.startswith(("Rss:", "Size:")):
            field = "rss_kb" if line.startswith("Rss:") else "size_kb"
            current[field] += int(line.split()[1])
    return kinds


def main() -> None:
    """Print the table (largest RSS first) and optionally write the JSON."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("pid", type=int)
    p.add_argument("--json", help="also write the figures here")
    p.add_argument("--top", type=int, default=8, help="rows in the table")
    args = p.parse_args()
    kinds = read(args.pid)
    total = sum(k["rss_kb"] for k in kinds.values())
    print(f"RSS {total / 1024:.1f} MB")
    print(f"{'mapping':<40} {'RSS MB':>9} {'size MB':>9} {'count':>6}")
    for name, k in sorted(kinds.items(), key=lambda kv: -kv[1]["rss_kb"])[: args.top]:
        print(f"{name[:40]:<40} {k['rss_kb'] / 1024:>9.1f} {k['size_kb'] / 1024:>9.1f} {k['mappings']:>6}")
    if args.json:
        Path(args.json).write_text(json.dumps({"t": time.time(), "pid": args.pid, "kinds": kinds}))


if __name__ == "__main__":
    main()
