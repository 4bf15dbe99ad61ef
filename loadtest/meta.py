"""What a result was measured against: the code's git revision, the server's settings that matter,
the machine the tester ran on, and whether the server is on this machine at all."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import platform
import socket
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent

# Server settings that change the numbers (read from the server process's environment when it runs
# here; secrets never: DATABASE_URL and REDIS_URL are reduced to their kind).
SETTINGS = (
    "ASYNC_MODE",
    "WEB_CONCURRENCY",
    "WORKERS",
    "RATE_LIMITS",
    "LOG_LEVEL",
    "GROUP_COMMIT",
    "CONNECT_CONCURRENCY",
    "APP_ENV",
)


def local_addresses() -> set[str]:
    """Every address of this machine's interfaces."""
    addrs = {"localhost"}
    with contextlib.suppress(Exception):
        import psutil

        for entries in psutil.net_if_addrs().values():
            addrs.update(e.address.split("%")[0] for e in entries if e.family in (socket.AF_INET, socket.AF_INET6))
    return addrs


def is_local(url: str) -> bool:
    """Whether the URL's host is this machine (loopback or one of its own addresses)."""
    host = urlsplit(url).hostname or ""
    if host in local_addresses():
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        try:
            ip = ipaddress.ip_address(socket.gethostbyname(host))
        except OSError:
            return False
    return ip.is_loopback or str(ip) in local_addresses()


def git_revision() -> dict:
    """The tester's checkout: commit, branch, and whether files were changed (the code under test when local)."""

    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout.strip() if out.returncode == 0 else None

    status = git("status", "--porcelain", "--untracked-files=no")
    return {
        "commit": git("rev-parse", "HEAD"),
        "branch": git("rev-parse", "--abbrev-ref", "HEAD"),
        "dirty": None if status is None else bool(status),
    }


def machine() -> dict:
    """The machine the tester ran on."""
    info = {
        "hostname": socket.gethostname(),
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(Exception):
        import psutil

        info["memory_gb"] = round(psutil.virtual_memory().total / 2**30, 1)
        info["load_avg"] = [round(x, 2) for x in os.getloadavg()]
    return info


def _kind(url: str | None) -> str | None:
    return None if not url else (urlsplit(url).scheme.split("+")[0] or "set")


def server_settings(pid: int | None, url: str) -> dict:
    """The settings that matter, from the server process's environment (when it runs here and is ours to
    read) and what /readyz says about its database and Redis."""
    found: dict = {"source": []}
    if pid:
        with contextlib.suppress(Exception):
            import psutil

            env = psutil.Process(pid).environ()
            found.update({k.lower(): env[k] for k in SETTINGS if k in env})
            found["database"] = _kind(env.get("DATABASE_URL")) or "sqlite (default)"
            found["redis"] = "yes" if env.get("REDIS_URL") else "no"
            with contextlib.suppress(Exception):
                found["workers_seen"] = 1 + len(psutil.Process(pid).children(recursive=True))
            found["source"].append("process environment")
    with contextlib.suppress(Exception):
        import json
        import urllib.request

        with urllib.request.urlopen(url.rstrip("/") + "/readyz", timeout=3) as res:
            found["readyz"] = json.loads(res.read()).get("checks")
            found["source"].append("/readyz")
    return found
