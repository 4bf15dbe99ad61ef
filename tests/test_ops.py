"""Operations endpoints: /healthz, /readyz, /metrics (API.md, Operations)."""

from __future__ import annotations

import gc
from ipaddress import ip_network

from prometheus_client.parser import text_string_to_metric_families

from tests.chat_helpers import direct
from tests.conftest import assert_error, free_port


def scrape(client, **kwargs) -> dict[tuple[str, tuple], float]:
    """GET /metrics parsed: {(sample name, sorted labels): value}."""
    res = client.get("/metrics", **kwargs)
    assert res.status_code == 200, res.get_data(as_text=True)
    assert res.mimetype == "text/plain"
    out = {}
    for family in text_string_to_metric_families(res.get_data(as_text=True)):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_healthz_answers_while_the_process_serves(client):
    res = client.get("/healthz")
    assert res.status_code == 200 and res.get_json() == {"status": "ok"}


def test_readyz_wants_the_schema_at_the_migrations_head(app, client):
    """Tables made without Alembic (no version row) are not 'current': 503 naming the schema."""
    res = client.get("/readyz")
    assert res.status_code == 503
    body = res.get_json()
    assert body["status"] == "unavailable" and body["checks"]["database"] == "ok"
    assert body["checks"]["schema"].startswith("not at head")
    from flask_migrate import stamp

    with app.app_context():
        stamp()
    res = client.get("/readyz")
    assert res.status_code == 200, res.get_json()
    assert res.get_json() == {"status": "ok", "checks": {"database": "ok", "schema": "ok"}}


def test_readyz_names_an_unreachable_database_and_redis(tmp_path):
    from app import create_app
    from config import TestingConfig

    cfg = TestingConfig()
    cfg.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}"
    cfg.UPLOAD_DIR = str(tmp_path / "uploads")
    broken = create_app(cfg)
    broken.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"  # nobody listens there
    res = broken.test_client().get("/readyz")
    assert res.status_code == 503
    checks = res.get_json()["checks"]
    assert checks["database"].startswith("unavailable") and checks["redis"].startswith("unavailable")


def test_metrics_are_refused_outside_loopback_and_allowed_networks(app, client):
    assert_error(client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}), 403, "forbidden")
    app.config["METRICS_ALLOW"] = [ip_network("203.0.113.0/24")]
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code == 403
    # Behind a proxy (PROXY_HOPS=1) the proxy's loopback address is not the client's.
    app.config["PROXY_HOPS"] = 1
    res = client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.1"})
    assert res.status_code == 403
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 200


def test_metrics_count_sockets_messages_deliveries_and_http_statuses(client, make_user, socket_client):
    a, b = make_user(), make_user()
    chat = direct(client, a, b)
    before = scrape(client)
    sa, sb = socket_client(a), socket_client(b)
    during = scrape(client)
    assert value(during, "masterchat_sockets_connected") == value(before, "masterchat_sockets_connected") + 2
    ack = sa.emit("message:send", {"chat_id": chat["id"], "body": "hi", "client_id": "m1"}, callback=True)
    assert ack["ok"] is True, ack
    replay = sa.emit("message:send", {"chat_id": chat["id"], "body": "hi", "client_id": "m1"}, callback=True)
    assert replay["ok"] is True  # a replay is answered but stores nothing
    client.get("/api/nothing-here")
    after = scrape(client)
    assert value(after, "masterchat_messages_stored_total") == value(before, "masterchat_messages_stored_total") + 1
    sends = "masterchat_message_send_seconds_count"
    assert value(after, sends) == value(before, sends) + 2
    new = "masterchat_deliveries_total"
    assert value(after, new, event="message:new") == value(before, new, event="message:new") + 2  # a and b
    http = "masterchat_http_requests_total"
    assert value(after, http, status="404") >= value(before, http, status="404") + 1
    assert value(after, http, status="200") >= value(before, http, status="200") + 1
    assert ("masterchat_db_connections_in_use", ()) in after
    sa.disconnect(), sb.disconnect()
    assert value(scrape(client), "masterchat_sockets_connected") == value(before, "masterchat_sockets_connected")


def test_metrics_export_garbage_collector_pauses(client):
    from app.gc_tuning import measure

    measure(warn_ms=10_000)  # what wsgi.py's tune() installs in a served process
    before = scrape(client)
    gc.collect()
    after = scrape(client)
    name = "masterchat_gc_pause_seconds_count"
    assert value(after, name, generation="2") >= value(before, name, generation="2") + 1


def test_the_grafana_dashboard_graphs_only_metrics_the_app_exports(client, make_user, socket_client):
    """Every metric the dashboard queries exists at /metrics (a renamed metric would leave a panel empty)."""
    import json
    import re

    from tests.conftest import ROOT

    a, b = make_user(), make_user()
    chat = direct(client, a, b)
    sock = socket_client(a)
    sock.emit("message:send", {"chat_id": chat["id"], "body": "x"}, callback=True)
    exported = {name for name, _ in scrape(client)}
    dashboard = json.loads((ROOT / "deploy" / "grafana-dashboard.json").read_text())
    queried = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\bmasterchat_[a-z_]+", target["expr"])
    }
    assert len(dashboard["panels"]) >= 8 and queried
    assert queried <= exported, queried - exported
