"""Headers and names: HSTS over https, a CSP whose connect-src is this origin, every error in the contract's
shape (a 10 kB Authorization header included), attachment names cleaned."""

from __future__ import annotations

import io

import pytest
import requests
from PIL import Image

from app import create_app
from app.services.attachments import clean_filename
from tests.conftest import LiveServer


def test_csp_connects_only_to_this_origin(client):
    csp = client.get("/").headers["Content-Security-Policy"]
    connect = next(d for d in csp.split(";") if d.strip().startswith("connect-src")).split()[1:]
    assert connect == ["'self'", "ws://masterchat.test"]
    assert "ws:" not in connect and "wss:" not in connect


def test_hsts_when_the_site_is_https(config):
    config.PUBLIC_URL = "https://masterchat.example"
    app = create_app(config)
    client = app.test_client()
    for path in ("/", "/api/openapi.json", "/api/users/me"):
        assert client.get(path).headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "connect-src 'self' wss://masterchat.example;" in csp


def test_hsts_on_a_request_over_https_and_not_over_plain_http(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    assert "Strict-Transport-Security" in client.get("/", base_url="https://localhost").headers


@pytest.fixture(scope="module", params=["eventlet", "gevent"])
def server(request, tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("hdr"), async_mode=request.param).start()
    yield live
    live.stop()


@pytest.mark.parametrize("size", [10_000, 30_000])
def test_oversized_authorization_header_gets_the_contract_shape(server, size):
    res = requests.get(server.url + "/api/users/me", headers={"Authorization": "Bearer " + "a" * size}, timeout=5)
    assert res.status_code == 401
    assert res.json()["error"]["code"] == "unauthorized"


def test_backslash_paths_are_cut_to_the_last_part():
    # Werkzeug's multipart parser unescapes backslashes itself; a name that keeps them is cut here.
    assert clean_filename("C:\\Users\\ann\\evil\x00name\x07.png") == "evilname.png"
    assert clean_filename(None) == "file"
    assert len(clean_filename("x" * 500 + ".png")) == 200


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("evil\x00name\x07.png", "evilname.png"),
        ("/etc/passwd/../photo.png", "photo.png"),
        ("a\u202egnp.exe", "agnp.exe"),  # right-to-left override
        ("\x00\x01", "file"),
        ("..", "file"),
        ("отпуск 2026.png", "отпуск 2026.png"),
    ],
)
def test_attachment_names_are_cleaned(client, make_user, sent, shown):
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    user = make_user()
    res = client.post(
        "/api/attachments",
        headers=user.headers,
        data={"file": (io.BytesIO(out.getvalue()), sent)},
        content_type="multipart/form-data",
    )
    assert res.status_code == 201, res.get_json()
    assert res.get_json()["name"] == shown
