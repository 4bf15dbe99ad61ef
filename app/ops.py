"""Operations endpoints (API.md, Operations): /healthz, /readyz, /metrics.

- `/healthz`: 200 while the process serves (a liveness probe: restart the process when it fails).
- `/readyz`: 200 when the database answers, its schema is at the migrations' head and Redis (where
  configured) answers; 503 naming the failing part otherwise (a readiness probe: nginx and
  deploy/cluster.py send traffic only to ready workers).
- `/metrics`: Prometheus text, from loopback and METRICS_ALLOW networks only (403 otherwise).
- `/metrics/gc`: this worker's garbage collector as JSON (same networks): objects per generation,
  frozen objects, open sockets, pauses; `?types=N` adds the N most common unfrozen types.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from app.errors import Forbidden
from app.logs import client_address, is_loopback

bp = Blueprint("ops", __name__)
log = logging.getLogger("masterchat.ops")


@bp.get("/healthz")
def healthz() -> Any:
    """Liveness: the process answers."""
    return jsonify(status="ok")


def _check_database() -> dict[str, str]:
    from sqlalchemy import inspect

    from app.extensions import db

    checks: dict[str, str] = {}
    try:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
            checks["database"] = "ok"
            current = set()
            if inspect(conn).has_table("alembic_version"):
                current = {row[0] for row in conn.exec_driver_sql("SELECT version_num FROM alembic_version")}
    except Exception as err:  # any failure means "not ready", never a 500
        log.warning("readyz: database check failed: %s", err)
        return {"database": f"unavailable ({type(err).__name__})"}
    heads = set(current_app.extensions["masterchat.migration_heads"])
    checks["schema"] = "ok" if current == heads else f"not at head (database {sorted(current)}, code {sorted(heads)})"
    return checks


def _check_redis() -> dict[str, str]:
    url = current_app.config["REDIS_URL"]
    if not url:
        return {}
    client = current_app.extensions.get("masterchat.ops_redis")
    if client is None:
        import redis

        client = current_app.extensions["masterchat.ops_redis"] = redis.Redis.from_url(
            url, socket_timeout=1, socket_connect_timeout=1
        )
    try:
        client.ping()
        return {"redis": "ok"}
    except Exception as err:
        log.warning("readyz: redis check failed: %s", err)
        return {"redis": f"unavailable ({type(err).__name__})"}


@bp.get("/readyz")
def readyz() -> Any:
    """Readiness: database, schema and Redis each 'ok', or 503 with the failing part named."""
    checks = {**_check_database(), **_check_redis()}
    ready = all(value == "ok" for value in checks.values())
    response = jsonify(status="ok" if ready else "unavailable", checks=checks)
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def metrics_allowed(address: str) -> bool:
    """Loopback, or an address inside one of METRICS_ALLOW's networks."""
    from ipaddress import ip_address

    if is_loopback(address):
        return True
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in current_app.config.get("METRICS_ALLOW", []))


@bp.get("/metrics")
def metrics_view() -> Any:
    """Prometheus exposition, for allowed networks only."""
    from app import metrics

    if not metrics_allowed(client_address()):
        raise Forbidden("Metrics are served to allowed networks only (METRICS_ALLOW).")
    body, content_type = metrics.render()
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})


@bp.get("/metrics/gc")
def gc_view() -> Any:
    """This worker's collector: what it walks, what is frozen, per open socket (app/gc_tuning.py)."""
    from app import gc_tuning
    from app.errors import ValidationError
    from app.extensions import socketio

    if not metrics_allowed(client_address()):
        raise Forbidden("Metrics are served to allowed networks only (METRICS_ALLOW).")
    raw = request.args.get("types", "0")
    if not raw.isdigit() or int(raw) > 200:
        message = "types must be a whole number from 0 to 200."
        raise ValidationError(message, {"fields": {"types": {"code": "out_of_range", "message": message, "max": 200}}})
    server = socketio.server
    sockets = len(server.eio.sockets) if server is not None else 0
    everything = request.args.get("frozen", "0") == "1"  # types among frozen objects too
    body = {**gc_tuning.stats(frozen=False), **gc_tuning.census(int(raw), everything), "sockets": sockets}
    body["threshold"] = list(body["threshold"])
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


def _migration_heads() -> list[str]:
    from alembic.script import ScriptDirectory

    from config import BASE_DIR

    return list(ScriptDirectory(str(BASE_DIR / "migrations")).get_heads())


def init_app(app: Flask) -> None:
    """Register the endpoints and instrument the database pool (the collector is timed by wsgi.py's tune())."""
    from app import metrics
    from app.extensions import db

    app.extensions["masterchat.migration_heads"] = _migration_heads()
    app.register_blueprint(bp)
    with app.app_context():
        pool_size = app.config["DB_POOL_SIZE"] if db.engine.dialect.name != "sqlite" else 0
        metrics.instrument_engine(db.engine, pool_size)
