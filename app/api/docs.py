"""The OpenAPI 3 document, generated from the route schemas, and Swagger UI served locally."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, send_from_directory
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from app.api.asyncapi import build_asyncapi
from app.api.base import ROUTES
from app.schemas.common import ErrorEnvelope

bp = Blueprint("docs", __name__, url_prefix="/api")

_ERROR_TEXT = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    413: "Too large",
    415: "Unsupported media type",
    422: "Validation error",
    429: "Rate limited",
}


def _path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def _operation_id(method: str, rule: str) -> str:
    return method.lower() + "_" + re.sub(r"[^a-z0-9]+", "_", rule.lower()).strip("_")


def build_openapi() -> dict[str, Any]:
    """Assemble the OpenAPI document from every registered RouteSpec."""
    models: set[type[BaseModel]] = {ErrorEnvelope}
    for spec in ROUTES:
        for m in (spec.body, spec.response):
            if m is not None:
                models.add(m)
    ordered = sorted(models, key=lambda m: m.__name__)
    keyed, top = models_json_schema(
        [(m, mode) for m in ordered for mode in ("validation", "serialization")],
        ref_template="#/components/schemas/{model}",
    )
    schemas = top.get("$defs", {})

    def ref(model: type[BaseModel], mode: str = "validation") -> dict[str, Any]:
        return keyed[(model, mode)]

    currency = current_app.config["CURRENCY"]
    paths: dict[str, Any] = {}
    for spec in ROUTES:
        op: dict[str, Any] = {
            "tags": [spec.tag],
            "summary": spec.summary,
            "operationId": _operation_id(spec.method, spec.rule),
            "responses": {},
        }
        params = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "integer" if conv == "int" else "string"}}
            for conv, name in re.findall(r"<(?:([a-z]+):)?([a-z_]+)>", spec.rule)
        ]
        if spec.query is not None:
            qschema = spec.query.model_json_schema()
            for name, prop in qschema.get("properties", {}).items():
                params.append(
                    {"name": name, "in": "query", "required": name in qschema.get("required", []), "schema": prop}
                )
        if params:
            op["parameters"] = params
        if spec.body is not None:
            op["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref(spec.body)}}}
        if spec.multipart:
            op["requestBody"] = {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": list(spec.multipart),
                            "properties": {
                                k: {"type": "string", "format": "binary", "description": v}
                                for k, v in spec.multipart.items()
                            },
                        }
                    }
                },
            }
        ok: dict[str, Any] = {"description": "Success"}
        if spec.response is not None:
            ok["content"] = {"application/json": {"schema": ref(spec.response, "serialization")}}
        op["responses"][str(spec.status)] = ok
        error_codes = set(spec.errors) | {400} | ({401} if spec.auth else set())
        if spec.body is not None:
            error_codes |= {413, 415, 422}
        for code in sorted(error_codes):
            op["responses"][str(code)] = {
                "description": _ERROR_TEXT.get(code, "Error"),
                "content": {"application/json": {"schema": ref(ErrorEnvelope, "serialization")}},
            }
        if spec.auth:
            op["security"] = [{"bearer": []}]
        paths.setdefault(_path(spec.rule), {})[spec.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Masterchat API",
            "version": "1.0.0",
            "description": (
                "REST API of Masterchat. Real-time events use Socket.IO: /api/asyncapi.json. "
                f"Prices, budgets and offers are whole units of {currency} (x-currency)."
            ),
            # CURRENCY is the server's setting (config.py); prices carry no currency of their own
            "x-currency": currency,
        },
        "servers": [{"url": current_app.config["PUBLIC_URL"]}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 document."""
    if "masterchat.openapi" not in current_app.extensions:
        current_app.extensions["masterchat.openapi"] = build_openapi()
    return jsonify(current_app.extensions["masterchat.openapi"])


@bp.get("/asyncapi.json")
def asyncapi():
    """The AsyncAPI 3 document of the Socket.IO events (app/api/asyncapi.py)."""
    if "masterchat.asyncapi" not in current_app.extensions:
        current_app.extensions["masterchat.asyncapi"] = build_asyncapi(current_app.config["PUBLIC_URL"])
    return jsonify(current_app.extensions["masterchat.asyncapi"])


_DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Masterchat API</title>
<link rel="stylesheet" href="/api/docs/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/api/docs/static/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script></body></html>"""

_DOCS_INIT = """window.ui = SwaggerUIBundle({url: '/api/openapi.json', dom_id: '#swagger-ui', deepLinking: true});"""


@bp.get("/docs")
def docs():
    """Interactive API docs (Swagger UI, served by the app itself)."""
    return Response(_DOCS_PAGE, mimetype="text/html")


@bp.get("/docs/init.js")
def docs_init():
    """Swagger UI's start-up script (kept out of the page for the CSP)."""
    return Response(_DOCS_INIT, mimetype="text/javascript")


@bp.get("/docs/static/<path:filename>")
def docs_static(filename: str):
    """Swagger UI's own files, from the swagger-ui-bundle package."""
    import swagger_ui_bundle

    return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=86400)
