"""Live figures while a run goes: each worker reports a histogram of its last seconds' latencies and
what is already overdue; the coordinator adds them into one line (redrawn on a terminal, one line
every few seconds otherwise)."""

from __future__ import annotations

import time

from loadtest import hist

WINDOW_S = 5.0  # "p99 of the last seconds" and "lost so far" (not delivered this long after sending)
EVERY_S = 1.0  # workers recompute at most this often


class LiveMixin:
    """Worker side: what progress() adds."""

    def live_figures(self) -> dict:
        """p99 histogram of the deliveries of the last WINDOW_S s; sends acked and deliveries older than it."""
        now = time.time()
        cache = getattr(self, "_live_cache", None)
        if cache and now - cache[0] < EVERY_S:
            return cache[1]
        marks = getattr(self, "_live_marks", None)
        if marks is None:
            marks = self._live_marks = []
        marks.append((now, len(self.latency)))
        while len(marks) > 2 and marks[1][0] < now - WINDOW_S:
            marks.pop(0)
        start = marks[0][1]
        recent = hist.from_values(v * 1000 for v in self.latency[start:])
        old = now - WINDOW_S
        acked_old = sum(1 for r in self.sent.values() if r[4] == "ok" and r[2] < old)
        # recounted from the arrays each time (at most every EVERY_S)
        delivered_old = sum(1 for t in self.latency_at if t < old) + getattr(self, "synced", 0)
        figures = {"recent_hist": recent, "acked_old": acked_old, "delivered_old": delivered_old}
        self._live_cache = (now, figures)
        return figures


def live_line(coord) -> str:
    """The coordinator's live line: sent, acked, delivered, lost so far (estimated), p99 of the last seconds."""
    live = coord.live.values()
    sizes = [len(m) for m in coord.members.values()]
    fanout = sum(max(0, s - 1) for s in sizes) / max(1, len(sizes))
    acked_old = sum(d.get("acked_old", 0) for d in live)
    delivered_old = sum(d.get("delivered_old", 0) for d in live)
    lost = max(0, round(acked_old * fanout) - delivered_old)
    p99 = hist.percentile(hist.merge(d.get("recent_hist", {}) for d in live), 99)
    p99_txt = "-" if p99 is None else f"{p99:.0f} ms"
    return (
        f"sent {coord.total('sent')} acked {coord.total('acked')} delivered {coord.total('delivered')}"
        f" lost~{lost} p99({WINDOW_S:g}s) {p99_txt}"
    )
