"""Adding up the workers' counts: percentiles, the summary table, the progress bar and the latency plot."""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path


def percentile(sorted_values: list[float], q: float) -> float | None:
    """The q-th percentile (0..100) of already sorted values, nearest-rank; None when empty."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def ms(value: float | None) -> float | None:
    """Round a millisecond figure for the report."""
    return None if value is None else round(value, 2)


class Progress:
    """A one-line progress bar on stderr (redrawn at most 5 times a second)."""

    def __init__(self, stream=None, enabled: bool = True) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self._last = 0.0
        self._width = 0

    def show(self, label: str, done: float, total: float, extra: str = "", force: bool = False) -> None:
        """Draw `label [#####.....] done/total extra`."""
        if not self.enabled:
            return
        now = time.monotonic()
        tty = self.stream.isatty()
        if not force and now - self._last < (0.2 if tty else 2.0):
            return
        self._last = now
        frac = 0.0 if total <= 0 else max(0.0, min(1.0, done / total))
        bar = "#" * int(frac * 30)
        line = f"\r{label:<10} [{bar:<30}] {frac * 100:5.1f}% {extra}"
        if not tty:
            line = line[1:] + "\n"
        self._width = max(self._width, len(line))
        self.stream.write(line.ljust(self._width) if tty else line)
        self.stream.flush()

    def done(self) -> None:
        """End the current bar's line."""
        if self.enabled and self.stream.isatty():
            self.stream.write("\n")
            self.stream.flush()
            self._width = 0


ROWS = [
    ("users", "users"),
    ("connected", "connected"),
    ("connect p50 / p99 (ms)", ("connect_p50_ms", "connect_p99_ms")),
    ("sent", "sent"),
    ("acked", "acked"),
    ("ack p50 / p99 (ms)", ("ack_p50_ms", "ack_p99_ms")),
    ("expected deliveries", "expected"),
    ("delivered", "delivered"),
    ("lost", "lost"),
    ("duplicates", "duplicates"),
    ("out of order", "out_of_order"),
    ("latency p50 (ms)", "p50_ms"),
    ("latency p95 (ms)", "p95_ms"),
    ("latency p99 (ms)", "p99_ms"),
    ("latency max (ms)", "max_ms"),
    ("delivered / s", "delivered_per_s"),
    ("server CPU % (mean while sending)", "server_cpu_pct"),
    ("server RSS MB (peak)", "server_rss_mb"),
    ("server KB per connected user (idle)", "server_kb_per_user"),
]


def table(result: dict) -> str:
    """The summary table printed on stdout."""
    lines = []
    for label, key in ROWS:
        value = " / ".join(str(result.get(k)) for k in key) if isinstance(key, tuple) else str(result.get(key))
        lines.append(f"{label:<38} {value:>16}")
    width = max(len(line) for line in lines)
    return "\n".join(["-" * width, *lines, "-" * width])


def plot(result: dict, latency_at: list[float], latency: list[float], t0: float, path: Path) -> Path | None:
    """Latency (ms) against send time, with p50/p99 per second, plus a histogram; PNG at `path`."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    xs = [t - t0 for t in latency_at]
    ys = [v * 1000 for v in latency]
    step = max(1, len(xs) // 20000)
    ax1.scatter(xs[::step], ys[::step], s=2, alpha=0.3, label="deliveries")
    buckets: dict[int, list[float]] = {}
    for x, y in zip(xs, ys, strict=True):
        buckets.setdefault(int(x), []).append(y)
    secs = sorted(buckets)
    for q, style in ((50, "g-"), (99, "r-")):
        ax1.plot([s + 0.5 for s in secs], [percentile(sorted(buckets[s]), q) for s in secs], style, label=f"p{q}")
    ax1.set_xlabel("send time (s from start)")
    ax1.set_ylabel("delivery latency (ms)")
    ax1.set_yscale("log" if ys and max(ys) > 50 * max(1e-3, min(ys)) else "linear")
    ax1.legend(loc="upper left")
    ax1.set_title(
        f"{result['users']} users, rooms of {result['room_size']}, {result['rate']}/s sends"
        f" -> {result['delivered_per_s']} deliveries/s"
    )
    ax2.hist(ys, bins=60, log=True)
    ax2.set_xlabel("delivery latency (ms)")
    ax2.set_ylabel("deliveries")
    ax2.set_title(f"p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, lost {result['lost']}")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
