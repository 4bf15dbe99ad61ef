"""Shared fixtures: an app on a private SQLite file, users made through the services, socket clients,
and a live server process for tests that need a real network peer."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("APP_ENV", "testing")
os.environ.setdefault("INSTANCE_PATH", str(ROOT / "instance" / "test"))

from app import create_app  # noqa: E402
from app.extensions import db, socketio  # noqa: E402
from config import TestingConfig  # noqa: E402

_counter = itertools.count(1)

# Run the suite (or a chunk of it, as .ci/run does) on another database, e.g.
# TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test. Each test starts from empty tables.
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or None


@pytest.fixture
def config(tmp_path: Path) -> TestingConfig:
    """A testing config on a private SQLite file (or TEST_DATABASE_URL's database), outbox and upload folder."""
    cfg = TestingConfig()
    cfg.SQLALCHEMY_DATABASE_URI = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'test.db'}"
    cfg.UPLOAD_DIR = str(tmp_path / "uploads")
    cfg.MAIL_OUTBOX = str(tmp_path / "outbox")
    cfg.MAIL_SERVER = None
    cfg.PUBLIC_URL = "http://masterchat.test"
    return cfg


@pytest.fixture
def app(config: TestingConfig):
    """The app with its schema created and its reference data (categories, cities) in place."""
    application = create_app(config)
    with application.app_context():
        if db.engine.dialect.name != "sqlite":
            db.drop_all()  # one shared server database: start every test from empty tables
        db.create_all()
        from app.services.reference import seed_reference_data

        seed_reference_data()  # what the migrations seed: categories and cities
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """Flask's test client."""
    return app.test_client()


@dataclass
class TestUser:
    id: int
    username: str
    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


@pytest.fixture
def make_user(client):
    """Sign a user up through the API and return their credentials."""

    def _make(username: str | None = None, password: str = "correct-horse-9") -> TestUser:
        n = next(_counter)
        username = username or f"user{n}"
        email = f"{username.lower()}@example.com"
        res = client.post("/api/auth/signup", json={"email": email, "username": username, "password": password})
        assert res.status_code == 201, res.get_json()
        body = res.get_json()
        return TestUser(body["user"]["id"], username, email, password, body["access_token"], body["refresh_token"])

    return _make


@pytest.fixture
def socket_client(app):
    """Open a Flask-SocketIO test client as a given user (auth token at connect)."""
    clients = []

    def _connect(user: TestUser | None = None, token: str | None = None):
        auth = {"token": token if token is not None else user.access_token} if (user or token) else None
        c = socketio.test_client(app, auth=auth)
        clients.append(c)
        return c

    yield _connect
    for c in clients:
        if c.is_connected():
            c.disconnect()


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """`python wsgi.py` in its own process, on a free port, with its own instance folder."""

    def __init__(self, tmp: Path, async_mode: str = "eventlet", extra_env: dict[str, str] | None = None):
        self.tmp = tmp
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "APP_ENV": "testing",
            "ASYNC_MODE": async_mode,
            "INSTANCE_PATH": str(tmp),
            "DATABASE_URL": f"sqlite:///{tmp / 'live.db'}",
            "PORT": str(self.port),
            "HOST": "127.0.0.1",
            "PUBLIC_URL": self.url,
            "MAIL_OUTBOX": str(tmp / "outbox"),
            "UPLOAD_DIR": str(tmp / "uploads"),
            "SECRET_KEY": "live-test-secret-key-that-is-long-enough",
            "BCRYPT_ROUNDS": "4",
            **(extra_env or {}),
        }
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> LiveServer:
        """Start the process and wait until it answers HTTP."""
        self.log = open(  # noqa: SIM115 (closed in stop())
            self.tmp / f"server-{self.port}.log", "ab"
        )
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "wsgi.py")], cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {(self.tmp / f'server-{self.port}.log').read_text()[-3000:]}")
            try:
                # A loaded machine may accept the connection before the app can answer: a read
                # timeout is "not yet", like a refused connection.
                requests.get(self.url + "/healthz", timeout=5)
                return self
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
        raise RuntimeError("server did not start in time")

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to clean up."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        """Terminate gracefully, then kill."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        if getattr(self, "log", None):
            self.log.close()

    def signup(self, username: str, password: str = "correct-horse-9") -> dict:
        """Sign a user up over HTTP; returns the signup response body."""
        res = requests.post(
            self.url + "/api/auth/signup",
            timeout=10,
            json={"email": f"{username}@example.com", "username": username, "password": password},
        )
        assert res.status_code == 201, res.text
        return res.json()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """One live server (eventlet) per test module."""
    server = LiveServer(tmp_path_factory.mktemp("live")).start()
    yield server
    server.stop()


def assert_error(res, status: int, code: str | None = None) -> dict:
    """Assert a REST response is the contract's error shape with `status` (and `code`); return the error object."""
    assert res.status_code == status, (res.status_code, res.get_data(as_text=True)[:500])
    assert res.mimetype == "application/json", res.mimetype
    body = res.get_json()
    assert set(body) == {"error"}, body
    err = body["error"]
    assert set(err) == {"code", "message", "details"}, err
    assert isinstance(err["code"], str) and isinstance(err["message"], str) and isinstance(err["details"], dict)
    if code is not None:
        assert err["code"] == code, err
    return err


from tests.audio_fixtures import audio_samples  # noqa: E402, F401  (music: real audio made by ffmpeg)
from tests.services_fixtures import redis_url  # noqa: E402, F401

# ---- marketplace ---------------------------------------------------------------------------------


class MarketKit:
    """Builds marketplace state through the API: masters, requests, offers, by category slug."""

    def __init__(self, app, client, make_user):
        self.app, self.client, self.make_user = app, client, make_user
        with app.app_context():
            from app.services.reference import category_tree, seed_reference_data

            seed_reference_data()
            self.cats = {}
            for root in category_tree():
                self.cats[root["slug"]] = root["id"]
                for child in root["children"]:
                    self.cats[child["slug"]] = child["id"]

    def cat(self, slug: str) -> int:
        return self.cats[slug]

    def master(self, *slugs: str, username: str | None = None, **card) -> TestUser:
        """A new user with a master card in these categories."""
        user = self.make_user(username)
        body = {"category_ids": [self.cat(s) for s in slugs or ("plumbing",)], "about": card.pop("about", ""), **card}
        res = self.client.post("/api/masters", json=body, headers=user.headers)
        assert res.status_code == 201, res.get_json()
        return user

    def request(self, customer: TestUser, slug: str = "plumbing", **fields) -> dict:
        """A new open request by customer."""
        body = {"title": fields.pop("title", "Fix the tap"), "description": "it drips", **fields}
        if "service_id" not in fields:
            body.setdefault("category_id", self.cat(slug))
        res = self.client.post("/api/requests", json=body, headers=customer.headers)
        assert res.status_code == 201, res.get_json()
        return res.get_json()

    def offer(self, master: TestUser, request_id: int, price: int | None = 1000) -> dict:
        """A live offer by master."""
        res = self.client.post(
            f"/api/requests/{request_id}/offers", json={"message": "I can", "price": price}, headers=master.headers
        )
        assert res.status_code == 201, res.get_json()
        return res.get_json()


@pytest.fixture
def market(app, client, make_user) -> MarketKit:
    """Reference data seeded, and helpers to build marketplace state through the API."""
    return MarketKit(app, client, make_user)
