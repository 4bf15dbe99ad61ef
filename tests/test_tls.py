"""`python wsgi.py` serves https and wss itself when CERT_FILE and KEY_FILE are set (no proxy)."""

from __future__ import annotations

import functools
import importlib.util
import time

import pytest
import requests
import socketio as socketio_client

from tests.conftest import ROOT, LiveServer


def _certificate(folder):
    spec = importlib.util.spec_from_file_location("cluster", ROOT / "deploy" / "cluster.py")
    cluster = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cluster)
    return cluster.ensure_certificate(folder)


@pytest.mark.parametrize("mode", ["eventlet", "gevent"])
def test_wsgi_serves_https_and_wss_with_cert_file_and_key_file(tmp_path, mode):
    cert, key = _certificate(tmp_path)
    server = LiveServer(tmp_path, async_mode=mode, extra_env={"CERT_FILE": str(cert), "KEY_FILE": str(key)})
    server.url = f"https://localhost:{server.port}"
    server.env["PUBLIC_URL"] = server.url
    real_get = requests.get
    # LiveServer.start polls with requests.get: trust our certificate there (an explicit `verify`, since
    # REQUESTS_CA_BUNDLE in the environment would override a session's).
    requests.get = functools.partial(real_get, verify=str(cert))
    try:
        server.start()
    finally:
        requests.get = real_get
    try:
        assert real_get(server.url + "/healthz", verify=str(cert), timeout=10).json() == {"status": "ok"}
        body = {"email": "tls@example.com", "username": f"tls_{mode}", "password": "correct-horse-9"}
        signup = requests.post(server.url + "/api/auth/signup", json=body, verify=str(cert), timeout=10).json()
        with pytest.raises(requests.ConnectionError):  # the port speaks TLS only
            real_get(f"http://127.0.0.1:{server.port}/healthz", timeout=5)
        sock = socketio_client.Client(reconnection=False, ssl_verify=False)
        sock.connect(server.url, auth={"token": signup["access_token"]}, transports=["websocket"], wait_timeout=10)
        try:
            assert sock.transport() == "websocket"
            assert sock.eio.base_url.startswith("wss://localhost:")
            assert sock.call("ping", {}, timeout=5) == {"ok": True, "user_id": signup["user"]["id"]}
        finally:
            sock.disconnect()
        time.sleep(0.1)
    finally:
        server.stop()
