"""The server's CPU and memory, sampled with psutil while the test runs."""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit


def find_server_pid(url: str) -> int | None:
    """The pid of the process listening on the URL's port on this machine, if any can be seen."""
    import psutil

    port = urlsplit(url).port or 80
    try:
        conns = psutil.net_connections(kind="tcp")
    except (psutil.AccessDenied, PermissionError):
        return None
    for c in conns:
        if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port and c.pid:
            return c.pid
    return None


class ServerMonitor:
    """Samples one process (and its children) every `interval` s in a background thread."""

    def __init__(self, pid: int | None, interval: float = 0.5) -> None:
        self.pid = pid
        self.interval = interval
        self.samples: list[tuple[float, float, float, str]] = []  # (time, cpu %, rss MB, phase)
        self.phase = "idle"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> ServerMonitor:
        """Begin sampling (no-op without a pid)."""
        if self.pid:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def _procs(self, root):
        import psutil

        try:
            return [root, *root.children(recursive=True)]
        except psutil.Error:
            return [root]

    def _run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
            for p in self._procs(root):
                p.cpu_percent(None)
        except psutil.Error:
            return
        while not self._stop.wait(self.interval):
            try:
                procs = self._procs(root)
                cpu = sum(p.cpu_percent(None) for p in procs)
                rss = sum(p.memory_info().rss for p in procs) / 2**20
            except psutil.Error:
                return
            self.samples.append((time.time(), cpu, rss, self.phase))

    def rss_now(self) -> float | None:
        """The current RSS in MB."""
        import psutil

        if not self.pid:
            return None
        try:
            root = psutil.Process(self.pid)
            return sum(p.memory_info().rss for p in self._procs(root)) / 2**20
        except psutil.Error:
            return None

    def stop(self) -> None:
        """Stop sampling."""
        self._stop.set()
        if self._thread:
            self._thread.join(2)

    def cpu_ms(self, phases: tuple[str, ...]) -> float | None:
        """CPU time used in these phases, ms: each sample's CPU % times the time since the one before it
        (so exact to within one sampling interval at the phases' edges)."""
        if not self.samples:
            return None
        total, last = 0.0, None
        for t, cpu, _rss, phase in self.samples:
            if phase in phases:
                total += cpu / 100 * (t - last if last is not None else self.interval) * 1000
            last = t
        return total

    def summary(self) -> dict:
        """Mean CPU while sending, CPU time while sending and draining, peak RSS overall."""
        sending = [s for s in self.samples if s[3] == "send"]
        send_ms = self.cpu_ms(("send", "drain"))
        connecting = [s for s in self.samples if s[3] == "connect"]
        return {
            "server_cpu_connect_pct": (
                round(sum(s[1] for s in connecting) / len(connecting), 1) if connecting else None
            ),
            "server_pid": self.pid,
            "server_cpu_pct": round(sum(s[1] for s in sending) / len(sending), 1) if sending else None,
            "server_cpu_max_pct": round(max(s[1] for s in sending), 1) if sending else None,
            "server_cpu_send_ms": round(send_ms, 1) if send_ms is not None else None,
            "server_rss_mb": round(max(s[2] for s in self.samples), 1) if self.samples else None,
        }
