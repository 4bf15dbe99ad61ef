"""REST on PostgreSQL when the server drops the app's connections (a restart, a failover).

Runs on a database of its own on the machine's PostgreSQL (tests/services_fixtures.py: a failure in CI
when there is none, a skip elsewhere), or on TEST_DATABASE_URL's when that is set.
"""

from __future__ import annotations

import psycopg2
import pytest

from tests.conftest import TEST_DATABASE_URL, assert_error
from tests.services_fixtures import drop_postgres, start_postgres


@pytest.fixture
def config(config):
    """The testing config on PostgreSQL: TEST_DATABASE_URL's, else a fresh database dropped afterwards."""
    if TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgresql"):
        yield config
        return
    url = start_postgres()
    config.SQLALCHEMY_DATABASE_URI = url
    yield config
    drop_postgres(url)


def test_rest_recovers_after_the_database_dropped_its_connections(app, client, make_user):
    # REST checks the login session on a bare pooled connection (app.db.autocommit_first_row); a dead
    # one must end in the contract's 503 at worst, never a 500, and the next request must work.
    ann = make_user()
    assert client.get("/api/users/me", headers=ann.headers).status_code == 200
    killer = psycopg2.connect(app.config["SQLALCHEMY_DATABASE_URI"])
    killer.autocommit = True
    with killer.cursor() as cur:
        cur.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cur.fetchone()[0] >= 1
    killer.close()
    first = client.get("/api/users/me", headers=ann.headers)
    if first.status_code != 200:
        assert_error(first, 503)
    again = client.get("/api/users/me", headers=ann.headers)
    assert again.status_code == 200 and again.get_json()["id"] == ann.id
