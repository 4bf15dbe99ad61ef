"""Bad input gets the contract's error shape and never a 500: bodies, passwords, Flask's own errors, bad tokens."""

from __future__ import annotations

import base64
import io
import json
import time
import warnings

import jwt
import pytest
import requests

from tests.conftest import assert_error

JSON_ROUTES = [
    ("POST", "/api/auth/signup", False),
    ("POST", "/api/auth/login", False),
    ("POST", "/api/auth/refresh", False),
    ("POST", "/api/auth/reset-password", False),
    ("POST", "/api/auth/reset-password/confirm", False),
    ("POST", "/api/auth/change-password", True),
    ("PATCH", "/api/users/me", True),
]


@pytest.fixture
def call(client, make_user):
    """Send raw bytes to a route, with a token when the route needs one."""
    user = make_user()

    def _call(method, path, needs_auth, data=None, content_type="application/json", **kwargs):
        headers = user.headers if needs_auth else {}
        return client.open(path, method=method, data=data, content_type=content_type, headers=headers, **kwargs)

    return _call


@pytest.mark.parametrize(("method", "path", "needs_auth"), JSON_ROUTES)
@pytest.mark.parametrize(
    "raw",
    [b"{", b'{"email": }', b"not json at all", b"\xff\xfe\x00garbage", b"[" * 50_000, b'{"a": 1}x', b"{'a': 1}"],
    ids=["open brace", "missing value", "text", "bad bytes", "50k nested arrays", "trailing garbage", "single quotes"],
)
def test_malformed_json_is_400(call, method, path, needs_auth, raw):
    assert_error(call(method, path, needs_auth, raw), 400, "invalid_json")


@pytest.mark.parametrize(("method", "path", "needs_auth"), JSON_ROUTES)
@pytest.mark.parametrize("raw", [b"[]", b'[{"email": "a@b.c"}]', b'"a string"', b"42", b"null", b"true"])
def test_json_that_is_not_an_object_is_422(call, method, path, needs_auth, raw):
    err = assert_error(call(method, path, needs_auth, raw), 422, "validation_error")
    assert err["details"]["fields"]["body"]["code"] == "not_an_object", err


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/auth/signup", {"email": "a@example.com", "username": "anna", "password": 12345678}, "password"),
        ("/api/auth/signup", {"email": ["a@example.com"], "username": "anna", "password": "long-enough"}, "email"),
        ("/api/auth/signup", {"email": "a@example.com", "username": {"x": 1}, "password": "long-enough"}, "username"),
        ("/api/auth/login", {"login": None, "password": "x"}, "login"),
        ("/api/auth/login", {"login": "ann", "password": ["x"]}, "password"),
        ("/api/auth/refresh", {"refresh_token": 5}, "refresh_token"),
        ("/api/auth/reset-password", {"email": False}, "email"),
        ("/api/auth/reset-password/confirm", {"token": 1, "password": "long-enough"}, "token"),
    ],
)
def test_wrong_types_are_422_naming_the_field(client, path, body, field):
    err = assert_error(client.post(path, json=body), 422, "validation_error")
    assert field in err["details"]["fields"], err


@pytest.mark.parametrize(
    ("path", "body", "missing"),
    [
        ("/api/auth/signup", {"username": "anna", "password": "long-enough"}, {"email"}),
        ("/api/auth/signup", {}, {"email", "username", "password"}),
        ("/api/auth/login", {"login": "ann"}, {"password"}),
        ("/api/auth/refresh", {}, {"refresh_token"}),
        ("/api/auth/reset-password", {}, {"email"}),
        ("/api/auth/reset-password/confirm", {"password": "long-enough"}, {"token"}),
    ],
)
def test_missing_fields_are_422(client, path, body, missing):
    err = assert_error(client.post(path, json=body), 422, "validation_error")
    assert missing <= set(err["details"]["fields"]), err


def test_empty_body_is_missing_fields_not_a_crash(client):
    err = assert_error(client.post("/api/auth/login"), 422, "validation_error")
    assert {"login", "password"} <= set(err["details"]["fields"])


@pytest.mark.parametrize(("method", "path", "needs_auth"), JSON_ROUTES)
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_wrong_content_type_is_415(call, method, path, needs_auth, content_type):
    raw = b'{"login": "ann", "password": "x"}'
    assert_error(call(method, path, needs_auth, raw, content_type=content_type), 415, "unsupported_media_type")


@pytest.mark.parametrize(("method", "path", "needs_auth"), JSON_ROUTES)
def test_body_over_256k_is_413(call, method, path, needs_auth):
    raw = json.dumps({"login": "x" * (300 * 1024), "password": "x"}).encode()
    assert_error(call(method, path, needs_auth, raw), 413, "payload_too_large")


def test_upload_over_12mb_gets_flasks_413_in_the_contract_shape(client, make_user):
    ann = make_user()
    assert client.application.config["MAX_CONTENT_LENGTH"] == 12 * 1024 * 1024
    big = io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * (13 * 1024 * 1024))
    res = client.put(
        "/api/users/me/avatar", data={"file": (big, "big.png")}, headers=ann.headers, content_type="multipart/form-data"
    )
    assert_error(res, 413, "payload_too_large")


# --- passwords ------------------------------------------------------------------------------------

TOO_LONG = {
    "73 ascii bytes": "a" * 73,
    "74 bytes in 37 two-byte chars": "é" * 37,
    "75 bytes in 25 three-byte chars": "€" * 25,
    "76 bytes in 19 four-byte chars": "😀" * 19,
    "200 KB": "p" * (200 * 1024),
}


@pytest.mark.parametrize("password", TOO_LONG.values(), ids=TOO_LONG.keys())
def test_password_over_72_bytes_is_422_on_signup(client, password):
    res = client.post("/api/auth/signup", json={"email": "a@example.com", "username": "anna", "password": password})
    err = assert_error(res, 422, "validation_error")
    assert "password" in err["details"]["fields"]


@pytest.mark.parametrize("password", TOO_LONG.values(), ids=TOO_LONG.keys())
def test_password_over_72_bytes_is_422_on_change_and_reset(client, make_user, password):
    ann = make_user()
    res = client.post(
        "/api/auth/change-password", json={"old_password": ann.password, "password": password}, headers=ann.headers
    )
    assert_error(res, 422, "validation_error")
    res = client.post("/api/auth/reset-password/confirm", json={"token": "t" * 40, "password": password})
    assert_error(res, 422, "validation_error")


@pytest.mark.parametrize("password", TOO_LONG.values(), ids=TOO_LONG.keys())
def test_password_over_72_bytes_on_login_is_a_plain_401(client, make_user, password):
    ann = make_user()
    res = client.post("/api/auth/login", json={"login": ann.username, "password": password})
    assert res.status_code in (401, 422)
    assert_error(res, res.status_code)


@pytest.mark.parametrize("password", ["a" * 72, "€" * 24, "😀" * 18], ids=["72 ascii", "72 in 3-byte", "72 in 4-byte"])
def test_password_of_exactly_72_bytes_works(client, password):
    res = client.post("/api/auth/signup", json={"email": "a@example.com", "username": "anna", "password": password})
    assert res.status_code == 201
    assert client.post("/api/auth/login", json={"login": "anna", "password": password}).status_code == 200
    # One byte less is a different password: nothing is silently cut.
    assert client.post("/api/auth/login", json={"login": "anna", "password": password[:-1]}).status_code == 401


@pytest.mark.parametrize("path", ["/api/auth/signup", "/api/auth/login", "/api/auth/reset-password/confirm"])
def test_one_megabyte_password_is_refused_by_the_body_limit(client, path):
    body = {"email": "a@example.com", "username": "anna", "login": "anna", "token": "t", "password": "p" * (1 << 20)}
    assert_error(client.post(path, json=body), 413, "payload_too_large")


def test_short_password_is_422(client):
    res = client.post("/api/auth/signup", json={"email": "a@example.com", "username": "anna", "password": "short"})
    assert "password" in assert_error(res, 422, "validation_error")["details"]["fields"]


# --- Flask's own errors ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/nothing-here", "/api/users/me/nope", "/api/users/abc", "/no/such/page"])
def test_flask_404_in_contract_shape(client, path):
    assert_error(client.get(path), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/auth/login"),
        ("DELETE", "/api/auth/signup"),
        ("PUT", "/api/users/me"),
        ("POST", "/api/openapi.json"),
    ],
)
def test_flask_405_in_contract_shape(client, method, path):
    res = client.open(path, method=method)
    assert_error(res, 405, "method_not_allowed")
    assert res.headers.get("Allow")


# --- tokens on REST -------------------------------------------------------------------------------


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def bad_tokens(secret: str, access_token: str, refresh_token: str) -> dict[str, str]:
    """Tokens that must all be refused: forged, expired, alg none, wrong secret, missing claims..."""
    claims = jwt.decode(access_token, options={"verify_signature": False})
    now = int(time.time())
    good = {**claims, "iat": now, "exp": now + 600}
    no_exp = {k: v for k, v in good.items() if k != "exp"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyJWT warns that the key is short for SHA-512; that is not the point here
        hs512 = jwt.encode(good, secret, algorithm="HS512")
    return {
        "garbage": "not-a-jwt",
        "three dots": "a.b.c",
        "wrong secret": jwt.encode(good, "some-other-secret-that-is-long-enough", algorithm="HS256"),
        "expired": jwt.encode({**good, "iat": now - 3600, "exp": now - 60}, secret, algorithm="HS256"),
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(good)}.",
        "alg None with signature": f"{_b64({'alg': 'None', 'typ': 'JWT'})}.{_b64(good)}.{access_token.split('.')[2]}",
        "missing exp": jwt.encode(no_exp, secret, algorithm="HS256"),
        "HS512 with the right secret": hs512,
        "tampered payload": f"{access_token.split('.')[0]}.{_b64({**good, 'sub': '999'})}.{access_token.split('.')[2]}",
        "wrong type": jwt.encode({**good, "typ": "refresh"}, secret, algorithm="HS256"),
        "sub not a number": jwt.encode({**good, "sub": "admin"}, secret, algorithm="HS256"),
        "unknown session": jwt.encode({**good, "sid": 987654}, secret, algorithm="HS256"),
        "refresh token as access token": refresh_token,
        "huge": "a" * 10_000,
    }


BAD_TOKEN_NAMES = list(bad_tokens("k" * 64, jwt.encode({"sub": "1", "sid": 1}, "k" * 64), "r"))


@pytest.mark.parametrize("name", BAD_TOKEN_NAMES)
@pytest.mark.parametrize(("method", "path"), [("GET", "/api/users/me"), ("POST", "/api/auth/logout")])
def test_bad_tokens_on_rest_are_401(app, client, make_user, name, method, path):
    ann = make_user()
    token = bad_tokens(app.config["SECRET_KEY"], ann.access_token, ann.refresh_token)[name]
    assert_error(client.open(path, method=method, headers={"Authorization": f"Bearer {token}"}), 401)
    assert client.get("/api/users/me", headers=ann.headers).status_code == 200  # the real token still works


def test_expired_token_says_so(app, client, make_user):
    ann = make_user()
    token = bad_tokens(app.config["SECRET_KEY"], ann.access_token, ann.refresh_token)["expired"]
    assert_error(client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"}), 401, "token_expired")


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer ", "Basic abc", "Token abc", "bearer"])
def test_missing_or_malformed_authorization_header_is_401(client, header):
    assert_error(client.get("/api/users/me", headers={"Authorization": header} if header else {}), 401)


# --- chunked bodies on a real server (eventlet does not mark chunked input as terminated) ----------


def _chunks(head: bytes, filler: int, tail: bytes):
    yield head
    for _ in range(filler):
        yield b"x" * 1024
    yield tail


def test_live_chunked_json_body_is_read(live_server):
    res = requests.post(
        f"{live_server.url}/api/auth/login",
        data=_chunks(b'{"login": "nobody", ', 0, b'"password": "wrong-password"}'),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert res.request.headers.get("Transfer-Encoding") == "chunked"
    assert res.status_code == 401 and res.json()["error"]["code"] == "invalid_credentials", res.text


@pytest.mark.parametrize("kilobytes", [300, 13 * 1024], ids=["300 KB", "13 MB"])
def test_live_chunked_huge_json_body_is_413(live_server, kilobytes):
    res = requests.post(
        f"{live_server.url}/api/auth/login",
        data=_chunks(b'{"login": "', kilobytes, b'", "password": "x"}'),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert res.status_code == 413
    assert res.json()["error"]["code"] == "payload_too_large"


BIG = 2**70  # past what SQLite (2**63) and PostgreSQL bigint can bind


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("get", f"/api/users/{BIG}", None, 404),
        ("get", f"/api/chats/{BIG}", None, 404),
        ("get", f"/api/messages/{BIG}", None, 404),
        ("post", f"/api/offers/{BIG}/accept", None, 404),
        ("get", f"/api/masters/{BIG}", None, 404),
        ("get", f"/api/requests/{BIG}", None, 404),
        ("get", f"/api/attachments/{BIG}", None, 404),
        ("get", f"/api/services?master_id={BIG}", None, 422),
        ("post", "/api/requests", {"title": "Fix a tap", "description": "drips", "category_id": BIG}, 422),
        ("post", "/api/messages", {"chat_id": BIG, "body": "x", "client_id": "big"}, 422),
    ],
)
def test_numbers_past_what_the_database_holds_get_the_contracts_error(client, make_user, method, path, body, status):
    """An id or number of 2**70 names nothing: 404 in a path, 422 in a body or query; never a 500."""
    user = make_user()
    kwargs = {"headers": user.headers} | ({"json": body} if body is not None else {})
    res = getattr(client, method)(path, **kwargs)
    assert_error(res, status)
