"""Start or stop a local Masterchat cluster: N workers behind nginx, on PostgreSQL and Redis.

    python deploy/cluster.py start [--port 8000] [--https-port 8443] [--no-tls] [--workers 5001,5002]
                                   [--database-url URL] [--redis-url URL]
    python deploy/cluster.py stop  [--prefix DIR]
    python deploy/cluster.py env   [--prefix DIR]     # the environment of the workers, for `flask seed-users`
    python deploy/cluster.py kill-worker  --worker 5001 [--signal TERM|KILL]   # TERM drains it
    python deploy/cluster.py start-worker --worker 5001
    python deploy/cluster.py restart-worker --worker 5001 [--signal TERM|KILL]   # a rolling restart step

`make cluster` and `make cluster-stop` call it. It creates the PostgreSQL database if missing,
applies the migrations once, generates a SECRET_KEY shared by every worker (into the prefix
folder, default instance/cluster), starts each worker (`python wsgi.py`, PORT set) and nginx with
deploy/nginx.conf rendered into the prefix, and waits until each is ready (/readyz). nginx serves
https on --https-port with a self-signed certificate for localhost made here (openssl), HSTS and
secure headers, and redirects http on --port to it; --no-tls serves plain http on --port instead. Logs and pid files
live in the prefix folder. `tests/test_cluster.py` runs exactly this.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/masterchat"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def _ports(text: str) -> list[int]:
    return [int(p) for p in text.split(",") if p.strip()]


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in url if it does not exist (no-op for other databases)."""
    if not url.startswith("postgresql"):
        return
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    conn = psycopg2.connect(admin)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()


def worker_env(args: argparse.Namespace, prefix: Path, port: int | None = None) -> dict[str, str]:
    """The environment every worker runs with (and `flask seed-users` must run with)."""
    key_file = prefix / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    env = {
        **os.environ,
        "APP_ENV": args.app_env,
        "ASYNC_MODE": args.async_mode,
        "INSTANCE_PATH": str(prefix),
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "SECRET_KEY": key_file.read_text().strip(),
        "PUBLIC_URL": args.public_url
        or (f"http://127.0.0.1:{args.port}" if args.no_tls else f"https://localhost:{args.https_port}"),
        "PROXY_HOPS": "1",
        "HOST": "127.0.0.1",
        "UPLOAD_DIR": str(prefix / "uploads"),
        "MAIL_OUTBOX": str(prefix / "outbox"),
        # Every worker writes its metrics here and /metrics (any worker) adds them up (app/metrics.py).
        "PROMETHEUS_MULTIPROC_DIR": str(prefix / "metrics"),
    }
    if not getattr(args, "no_nginx", False):
        env["MEDIA_ACCEL_REDIRECT"] = "/_protected/tracks"  # nginx sends track streams (deploy/nginx.conf)
    for item in args.env or []:
        name, _, value = item.partition("=")
        env[name] = value
    if port is not None:
        env["PORT"] = str(port)
    return env


def _wait_http(url: str, proc: subprocess.Popen | None, log: Path, timeout: float, cafile: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    context = ssl.create_default_context(cafile=str(cafile)) if cafile else None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"{url}: process exited; last log lines:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2, context=context):  # noqa: S310 (127.0.0.1)
                return  # 200: database answers, schema at head, Redis answers
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s (see {log})")


def _start_process(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _drop_block(text: str, name: str) -> str:
    """Remove the lines from `# --- begin NAME` to `# --- end NAME` of nginx.conf."""
    return re.sub(rf"\n[ \t]*# --- begin {name}.*?# --- end {name}\n", "\n", text, flags=re.S)


def ensure_certificate(prefix: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1 in the prefix (openssl), made once."""
    cert, key = prefix / "tls-cert.pem", prefix / "tls-key.pem"
    if cert.exists() and key.exists():
        return cert, key
    openssl = shutil.which("openssl")
    if openssl is None:
        raise SystemExit("openssl not found: apt-get install openssl (or --no-tls for plain http)")
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "365", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    key.chmod(0o600)
    return cert, key


CONNECT_RATE = 100  # new sockets a second per worker that nginx lets through in a reconnect storm


def render_nginx(
    prefix: Path,
    listen: int,
    workers: list[int],
    https_port: int | None = None,
    cert: tuple[Path, Path] | None = None,
    connect_rate: int = CONNECT_RATE,
) -> Path:
    """deploy/nginx.conf with the prefix, the ports, the certificate and the upstream workers filled in.

    With https_port: https there, and `listen` only redirects to it. Without: plain http on `listen`.
    `connect_rate` new sockets a second per worker are let through; more wait their turn in nginx
    (docs/RELIABILITY.md, "Reconnect storms"); 0: no limit.
    """
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=0;" for p in workers)
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    if https_port and cert:
        text = text.replace("@LISTEN@", f"127.0.0.1:{https_port} ssl").replace("@HTTPS_PORT@", str(https_port))
        text = text.replace("@HTTP_LISTEN@", f"127.0.0.1:{listen}")
        text = text.replace("@CERT_FILE@", str(cert[0])).replace("@KEY_FILE@", str(cert[1]))
    else:
        text = _drop_block(_drop_block(text, "http-redirect"), "tls")
        text = text.replace("@LISTEN@", f"127.0.0.1:{listen}")
    text = text.replace("@PREFIX@", str(prefix)).replace("@UPSTREAM_SERVERS@", servers)
    # 0: no limit in effect (a rate no storm reaches)
    text = text.replace("@CONNECT_RATE@", str(connect_rate * len(workers) if connect_rate > 0 else 1_000_000))
    path = prefix / "nginx.conf"
    path.write_text(text)
    return path


def start(args: argparse.Namespace) -> None:
    """Migrate once, start the workers, then nginx; wait until all answer."""
    prefix = Path(args.prefix).resolve()
    prefix.mkdir(parents=True, exist_ok=True)
    workers = _ports(args.workers)
    if (prefix / "cluster.json").exists():
        stop(args)
    ensure_database(args.database_url)
    env = worker_env(args, prefix)
    metrics_dir = Path(env["PROMETHEUS_MULTIPROC_DIR"])
    shutil.rmtree(metrics_dir, ignore_errors=True)  # the client library wants it empty at start
    metrics_dir.mkdir(parents=True)
    migrate = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi:app", "db", "upgrade"],
        cwd=ROOT,
        env={**env, "ASYNC_MODE": "threading"},
        capture_output=True,
        text=True,
    )
    if migrate.returncode != 0:
        raise SystemExit(f"migration failed:\n{migrate.stdout[-2000:]}{migrate.stderr[-3000:]}")
    # The workers' settings, so that `start-worker` brings one back exactly as it was.
    saved = {k: getattr(args, k) for k in _WORKER_ARGS}
    state: dict = {"workers": {}, "port": args.port, "nginx": None, "args": saved}
    procs = []
    for port in workers:
        log = prefix / f"worker-{port}.log"
        proc = _start_process([sys.executable, "wsgi.py"], worker_env(args, prefix, port), log)
        state["workers"][str(port)] = proc.pid
        procs.append((port, proc, log))
    (prefix / "cluster.json").write_text(json.dumps(state))
    for port, proc, log in procs:
        _wait_http(f"http://127.0.0.1:{port}", proc, log, args.timeout)
    if args.no_nginx:
        print(f"workers on {', '.join(str(p) for p in workers)} (no nginx)")
        return
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise SystemExit("nginx not found: apt-get install nginx (or --no-nginx to run the workers alone)")
    cert = None if args.no_tls else ensure_certificate(prefix)
    conf = render_nginx(
        prefix, args.port, workers, None if args.no_tls else args.https_port, cert, connect_rate=args.connect_rate
    )
    result = subprocess.run([nginx, "-p", str(prefix), "-c", str(conf)], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"nginx failed to start:\n{result.stderr}")
    state["nginx"] = int((prefix / "nginx.pid").read_text())
    (prefix / "cluster.json").write_text(json.dumps(state))
    ports = ", ".join(str(p) for p in workers)
    if cert is None:
        _wait_http(f"http://127.0.0.1:{args.port}", None, prefix / "nginx-error.log", args.timeout)
        print(f"Masterchat cluster: http://127.0.0.1:{args.port} -> workers {ports}")
        return
    front = f"https://localhost:{args.https_port}"
    _wait_http(front, None, prefix / "nginx-error.log", args.timeout, cafile=cert[0])
    print(f"Masterchat cluster: {front} (http://127.0.0.1:{args.port} redirects there) -> workers {ports}")
    print(f"The certificate is self-signed for localhost: trust {cert[0]} or accept it in the browser.")


def _kill(pid: int, timeout: float = 15.0) -> None:
    """SIGTERM the process group (a worker drains within DRAIN_TIMEOUT), SIGKILL it after `timeout`."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def stop(args: argparse.Namespace) -> None:
    """Stop nginx and every worker started from this prefix."""
    prefix = Path(args.prefix).resolve()
    state_file = prefix / "cluster.json"
    if not state_file.exists():
        print("no cluster running from", prefix)
        return
    state = json.loads(state_file.read_text())
    if state.get("nginx"):
        with contextlib.suppress(ProcessLookupError):
            os.kill(state["nginx"], signal.SIGQUIT)
    for pid in state["workers"].values():
        _kill(pid)
    state_file.unlink()
    print("cluster stopped")


_WORKER_ARGS = (
    "app_env", "async_mode", "database_url", "redis_url", "public_url", "port", "https_port", "no_tls", "env"
)  # fmt: skip


def _state(prefix: Path) -> dict:
    state_file = prefix / "cluster.json"
    if not state_file.exists():
        raise SystemExit(f"no cluster running from {prefix}")
    return json.loads(state_file.read_text())


def _running(pid: int) -> bool:
    """Whether pid is alive (a zombie, exited but not yet reaped by its parent, is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return True


def kill_worker(args: argparse.Namespace) -> float:
    """Signal one worker (TERM: it drains and exits; KILL: a crash) and wait for it to exit; returns seconds."""
    prefix = Path(args.prefix).resolve()
    state = _state(prefix)
    pid = state["workers"].get(str(args.worker))
    if pid is None:
        raise SystemExit(f"no worker on port {args.worker}")
    started = time.monotonic()
    sig = signal.SIGKILL if args.signal.upper() == "KILL" else signal.SIGTERM
    try:
        os.kill(pid, sig)  # the worker itself: its drain (app/upkeep.py) runs in it
    except ProcessLookupError:
        return 0.0
    deadline = started + args.timeout
    while time.monotonic() < deadline:
        try:
            waited, _ = os.waitpid(pid, os.WNOHANG)
            if waited == pid:
                break
        except ChildProcessError:  # not our child (started by another `cluster.py` call)
            pass
        if not _running(pid):
            break
        time.sleep(0.05)
    else:
        _kill(pid, 0)
    took = time.monotonic() - started
    print(f"worker {args.worker} ({args.signal.upper()}) exited after {took:.2f} s")
    return took


def start_worker(args: argparse.Namespace) -> None:
    """Start one worker of the cluster again (same environment) and wait until it answers."""
    prefix = Path(args.prefix).resolve()
    state = _state(prefix)
    for name, value in state.get("args", {}).items():
        setattr(args, name, value)
    log = prefix / f"worker-{args.worker}.log"
    proc = _start_process([sys.executable, "wsgi.py"], worker_env(args, prefix, args.worker), log)
    state["workers"][str(args.worker)] = proc.pid
    (prefix / "cluster.json").write_text(json.dumps(state))
    _wait_http(f"http://127.0.0.1:{args.worker}", proc, log, args.timeout)
    print(f"worker {args.worker} started")


def main(argv: list[str] | None = None) -> None:
    """Command line: start, stop or env."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["start", "stop", "env", "kill-worker", "start-worker", "restart-worker"])
    parser.add_argument("--worker", type=int, help="a worker's port (kill-worker, start-worker, restart-worker)")
    parser.add_argument("--signal", default="TERM", help="TERM (drain) or KILL (kill-worker, restart-worker)")
    parser.add_argument("--prefix", default=str(ROOT / "instance" / "cluster"))
    parser.add_argument("--port", type=int, default=8000, help="nginx's http port (redirects to https)")
    parser.add_argument("--https-port", type=int, default=8443, help="nginx's https port")
    parser.add_argument("--no-tls", action="store_true", help="plain http on --port, no https (benchmarks)")
    parser.add_argument("--workers", default="5001,5002", help="worker ports")
    parser.add_argument("--database-url", default=os.environ.get("CLUSTER_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--redis-url", default=os.environ.get("CLUSTER_REDIS_URL", DEFAULT_REDIS))
    parser.add_argument("--async-mode", default=os.environ.get("ASYNC_MODE", "eventlet"))
    parser.add_argument("--app-env", default="production")
    parser.add_argument("--public-url", default=None)
    parser.add_argument("--env", action="append", help="NAME=VALUE for every worker (repeatable)")
    parser.add_argument("--no-nginx", action="store_true", help="start the workers only")
    parser.add_argument(
        "--connect-rate",
        type=int,
        default=int(os.environ.get("CLUSTER_CONNECT_RATE", CONNECT_RATE)),
        help="new sockets a second per worker that nginx admits, more wait their turn (reconnect storms); 0: no limit",
    )
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    if args.command == "start":
        start(args)
    elif args.command == "stop":
        stop(args)
    elif args.command == "kill-worker":
        kill_worker(args)
    elif args.command == "start-worker":
        start_worker(args)
    elif args.command == "restart-worker":
        kill_worker(args)
        start_worker(args)
    else:
        prefix = Path(args.prefix).resolve()
        prefix.mkdir(parents=True, exist_ok=True)
        if (prefix / "cluster.json").exists():  # the running cluster's own settings
            for name, value in _state(prefix).get("args", {}).items():
                setattr(args, name, value)
        env = worker_env(args, prefix)
        for name in ("APP_ENV", "INSTANCE_PATH", "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PUBLIC_URL"):
            print(f"export {name}={env[name]}")


if __name__ == "__main__":
    main()
