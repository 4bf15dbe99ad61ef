"""Real Redis and PostgreSQL servers for tests: the machine's own, or ones the tests start.

When neither a running server nor its binary is found, the test is skipped with the reason,
except in CI (CI=true), where a missing server is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

import pytest


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"CI requires this service: {reason}")
    pytest.skip(reason)


def start_redis(tmp_path_factory) -> tuple[str, subprocess.Popen | None]:
    """A Redis URL: the local server on 6379, or a private redis-server on a free port."""
    if _port_open(6379):
        return "redis://127.0.0.1:6379/15", None
    binary = shutil.which("redis-server")
    if binary is None:
        _unavailable("no Redis on 127.0.0.1:6379 and no redis-server binary to start one")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path_factory.mktemp("redis")),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not _port_open(port):
        if time.monotonic() > deadline:
            proc.kill()
            _unavailable("redis-server did not start")
        time.sleep(0.05)
    return f"redis://127.0.0.1:{port}/15", proc


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """URL of a real Redis server (database 15, flushed before use)."""
    import redis

    url, proc = start_redis(tmp_path_factory)
    redis.Redis.from_url(url).flushdb()
    yield url
    if proc is not None:
        proc.terminate()


def start_postgres() -> str:
    """The URL of a fresh, empty database on the machine's PostgreSQL (127.0.0.1:5432, trust auth)."""
    if not _port_open(5432):
        _unavailable(
            "no PostgreSQL on 127.0.0.1:5432 (start it: pg_ctlcluster --skip-systemctl-redirect "
            "$(ls /etc/postgresql) main start)"
        )
    import psycopg2

    name = f"mc_test_{os.getpid()}_{int(time.time() * 1000) % 10**8}"
    conn = psycopg2.connect("postgresql://postgres@127.0.0.1:5432/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def drop_postgres(url: str) -> None:
    """Drop a database made by start_postgres (its connections are closed first)."""
    import psycopg2

    name = url.rsplit("/", 1)[1]
    conn = psycopg2.connect("postgresql://postgres@127.0.0.1:5432/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()
