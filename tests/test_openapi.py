"""The OpenAPI document is valid, complete, and the interactive docs load without leaving the server."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

# Routes that serve the documentation itself or non-API content; everything else under /api must be documented.
UNDOCUMENTED = {
    "/api/openapi.json",
    "/api/asyncapi.json",
    "/api/docs",
    "/api/docs/init.js",
    "/api/docs/static/<path:filename>",
}


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


@pytest.fixture
def spec(client) -> dict:
    res = client.get("/api/openapi.json")
    assert res.status_code == 200 and res.mimetype == "application/json"
    return res.get_json()


def test_openapi_document_is_valid(spec):
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert spec["servers"] == [{"url": "http://masterchat.test"}]


def test_every_registered_api_route_is_documented(app, spec):
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.rule in UNDOCUMENTED:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if method.lower() not in spec["paths"].get(_openapi_path(rule.rule), {}):
                missing.append(f"{method} {rule.rule}")
    assert not missing, missing


def test_documented_routes_exist(app, spec):
    registered = {
        (_openapi_path(r.rule), m.lower()) for r in app.url_map.iter_rules() for m in r.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    assert documented <= registered, documented - registered


@pytest.mark.parametrize(
    ("path", "method", "status"),
    [
        ("/api/auth/signup", "post", "201"),
        ("/api/auth/login", "post", "200"),
        ("/api/auth/refresh", "post", "200"),
        ("/api/auth/logout", "post", "204"),
        ("/api/auth/reset-password", "post", "202"),
        ("/api/auth/reset-password/confirm", "post", "204"),
        ("/api/auth/change-password", "post", "204"),
        ("/api/users/me", "get", "200"),
        ("/api/users/me", "patch", "200"),
        ("/api/users/me/avatar", "put", "200"),
        ("/api/users/{user_id}", "get", "200"),
        ("/api/users", "get", "200"),
    ],
)
def test_account_routes_carry_their_schemas(spec, path, method, status):
    op = spec["paths"][path][method]
    assert status in op["responses"]
    for code, response in op["responses"].items():
        if code.startswith("4"):
            assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorEnvelope"}
    public = path in {"/api/auth/signup", "/api/auth/login", "/api/auth/refresh"} or path.startswith(
        "/api/auth/reset-password"
    )
    assert ("security" in op) is not public
    if method in {"post", "patch"} and path not in {"/api/auth/logout"}:
        assert "application/json" in op["requestBody"]["content"]


def test_signup_schema_matches_the_contract(spec):
    schema_ref = spec["paths"]["/api/auth/signup"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    name = schema_ref["$ref"].rsplit("/", 1)[1]
    schema = spec["components"]["schemas"][name]
    assert set(schema["required"]) == {"email", "username", "password"}


def test_search_documents_its_query_parameters(spec):
    params = {p["name"]: p for p in spec["paths"]["/api/users"]["get"]["parameters"]}
    assert {"q", "limit", "after"} <= set(params)
    assert all(p["in"] == "query" for p in params.values())


def test_docs_page_loads_only_local_assets(client):
    res = client.get("/api/docs")
    assert res.status_code == 200 and res.mimetype == "text/html"
    html = res.get_data(as_text=True)
    assert "http://" not in html and "https://" not in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for asset in assets:
        assert asset.startswith("/") and not asset.startswith("//"), asset
        loaded = client.get(asset)
        assert loaded.status_code == 200, asset
        expected = "text/css" if asset.endswith(".css") else "text/javascript"
        assert loaded.mimetype == expected, (asset, loaded.mimetype)
        if asset.endswith(".css"):
            assert not re.search(r"url\(\s*['\"]?(https?:)?//", loaded.get_data(as_text=True)), asset
    init = client.get("/api/docs/init.js").get_data(as_text=True)
    assert "/api/openapi.json" in init and "http" not in init
    # The page's CSP would block anything external anyway.
    assert "default-src 'self'" in res.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "path", ["/api/auth/signup", "/api/auth/login", "/api/auth/reset-password", "/api/auth/change-password"]
)
def test_rate_limited_routes_document_429(spec, path):
    assert "429" in spec["paths"][path]["post"]["responses"]
