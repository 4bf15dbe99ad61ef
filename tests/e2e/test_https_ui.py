"""HTTPS end to end: `deploy/cluster.py start` (what `make cluster` runs) serves https with its own
certificate for localhost, HSTS and secure headers, redirects http; in a real browser two people log
in and chat over https and wss through nginx."""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from tests.conftest import ROOT, free_port
from tests.e2e.conftest import LAPTOP, login_as, shot
from tests.services_fixtures import _unavailable, drop_postgres, start_postgres, start_redis

pytestmark = pytest.mark.timeout(240)


@dataclass
class TlsCluster:
    url: str  # https://localhost:PORT (nginx)
    http_url: str  # http://127.0.0.1:PORT (redirects)
    cert: Path
    worker: str  # http://127.0.0.1:PORT of the one worker

    def signup(self, username: str, display_name: str) -> dict:
        """Sign up over https (the certificate checked against the one the cluster made)."""
        body = {"email": f"{username}@example.com", "username": username, "password": "correct-horse-9"}
        res = requests.post(self.url + "/api/auth/signup", json=body, verify=str(self.cert), timeout=10)
        assert res.status_code == 201, res.text
        out = res.json()
        headers = {"Authorization": f"Bearer {out['access_token']}"}
        patch = {"display_name": display_name}
        res = requests.patch(self.url + "/api/users/me", json=patch, headers=headers, verify=str(self.cert), timeout=10)
        assert res.status_code == 200, res.text
        return out


@pytest.fixture(scope="module")
def tls_cluster(tmp_path_factory):
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        _unavailable("nginx is not installed (apt-get install nginx)")
    redis_base, redis_proc = start_redis(tmp_path_factory)
    database_url = start_postgres()
    prefix = tmp_path_factory.mktemp("tls-cluster")
    http_port, https_port, worker = free_port(), free_port(), free_port()
    common = [sys.executable, str(ROOT / "deploy" / "cluster.py")]
    args = [
        "--prefix",
        str(prefix),
        "--workers",
        str(worker),
        "--port",
        str(http_port),
        "--https-port",
        str(https_port),
        "--database-url",
        database_url,
        "--redis-url",
        redis_base.rsplit("/", 1)[0] + "/13",
        "--env",
        "BCRYPT_ROUNDS=4",
        "--env",
        "RATE_LIMITS=off",
        "--env",
        f"REDIS_CHANNEL=mc-tls-{uuid.uuid4().hex[:8]}",
    ]
    started = subprocess.run([*common, "start", *args], capture_output=True, text=True, timeout=180)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        assert f"https://localhost:{https_port}" in started.stdout
        yield TlsCluster(
            f"https://localhost:{https_port}",
            f"http://127.0.0.1:{http_port}",
            prefix / "tls-cert.pem",
            f"http://127.0.0.1:{worker}",
        )
    finally:
        subprocess.run([*common, "stop", "--prefix", str(prefix)], capture_output=True, timeout=60)
        drop_postgres(database_url)
        if redis_proc is not None:
            redis_proc.terminate()


def test_http_redirects_and_https_carries_hsts_and_secure_headers(tls_cluster):
    res = requests.get(tls_cluster.http_url + "/api/stats?x=1", allow_redirects=False, timeout=10)
    assert res.status_code == 301
    assert res.headers["Location"] == tls_cluster.http_url.replace("http://", "https://").rsplit(":", 1)[0] + (
        f":{tls_cluster.url.rsplit(':', 1)[1]}/api/stats?x=1"
    )
    page = requests.get(tls_cluster.url + "/", verify=str(tls_cluster.cert), timeout=10)
    assert page.status_code == 200
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert page.headers["X-Content-Type-Options"] == "nosniff"  # once, not doubled by nginx and the app
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    missing = requests.get(tls_cluster.url + "/nowhere", verify=str(tls_cluster.cert), timeout=10)
    assert missing.status_code == 404 and "Strict-Transport-Security" in missing.headers
    ready = requests.get(tls_cluster.url + "/readyz", verify=str(tls_cluster.cert), timeout=10)
    assert ready.status_code == 200, ready.text


def test_two_people_log_in_and_chat_over_https_and_wss(tls_cluster, browser, problems):
    alice = tls_cluster.signup(f"tls_alice_{uuid.uuid4().hex[:4]}", "Alice Secure")
    bob = tls_cluster.signup(f"tls_bob_{uuid.uuid4().hex[:4]}", "Bob Secure")
    contexts = []

    def page_for():
        ctx = browser.new_context(viewport=LAPTOP, base_url=tls_cluster.url, ignore_https_errors=True, locale="en-US")
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        page = ctx.new_page()
        page.on("console", problems.console)
        page.on("pageerror", lambda err: problems.errors.append(f"page error: {err}"))
        return page

    try:
        pa, pb = page_for(), page_for()
        login_as(pa, tls_cluster, alice, "#/chats")
        login_as(pb, tls_cluster, bob, "#/chats")
        assert pa.url.startswith("https://localhost:")
        expect(pb.locator(".chat-list h2")).to_be_visible()
        pa.fill("#chat-search", "Bob Secure")
        pa.locator(".person-row", has_text="Bob Secure").get_by_role("button", name="Message").click()
        expect(pa.locator(".chat-head .chat-title")).to_have_text("Bob Secure")
        pa.fill("#composer", "Over TLS, end to end")
        pa.press("#composer", "Enter")
        # Bob hears it live: over wss (an https page may not open a plain ws:// socket).
        expect(pb.locator(".chat-item", has_text="Alice Secure").locator(".badge")).to_have_text("1")
        pb.locator(".chat-item", has_text="Alice Secure").click()
        expect(pb.locator(".msg .msg-body", has_text="Over TLS, end to end")).to_have_count(1)
        pb.fill("#composer", "Received securely")
        pb.press("#composer", "Enter")
        expect(pa.locator(".msg:not(.mine) .msg-body", has_text="Received securely")).to_have_count(1)
        metrics = requests.get(tls_cluster.worker + "/metrics", timeout=10).text
        sockets = next(line for line in metrics.splitlines() if line.startswith("masterchat_sockets_connected"))
        assert float(sockets.split()[-1]) >= 2  # both browsers hold a socket through nginx
        shot(pa, "https-chat")
    finally:
        for ctx in contexts:
            ctx.close()
    assert not problems.errors, "\n".join(problems.errors)
