"""Two (or twelve) accepts racing for one request: the database lets exactly one win."""

from __future__ import annotations

import threading

from sqlalchemy import func, select


def _race(app, calls):
    """Run each (method, path, headers) at once from its own thread with its own client; return statuses."""
    barrier = threading.Barrier(len(calls))
    results: list[int | None] = [None] * len(calls)

    def run(i, method, path, headers):
        client = app.test_client()
        barrier.wait()
        results[i] = client.open(path, method=method, headers=headers).status_code

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_concurrent_accepts_of_different_offers_have_one_winner(app, market, client):
    customer = market.make_user()
    masters = [market.master("plumbing") for _ in range(12)]
    req = market.request(customer)
    offers = [market.offer(m, req["id"]) for m in masters]

    statuses = _race(app, [("POST", f"/api/offers/{o['id']}/accept", customer.headers) for o in offers])

    assert sorted(statuses) == [200] + [409] * (len(offers) - 1), statuses
    winner = offers[statuses.index(200)]
    got = client.get(f"/api/requests/{req['id']}", headers=customer.headers).get_json()
    assert got["status"] == "active" and got["executor_id"] == winner["master"]["id"]
    listed = client.get(f"/api/requests/{req['id']}/offers", headers=customer.headers).get_json()["items"]
    assert sorted(o["status"] for o in listed) == ["accepted"] + ["declined"] * (len(offers) - 1)
    with app.app_context():
        from app.extensions import db
        from app.models.chat import Chat

        assert db.session.scalar(select(func.count()).select_from(Chat).where(Chat.type == "order")) == 1


def test_accept_racing_cancel_and_direct_accept_racing_decline(app, market, client):
    customer = market.make_user()
    plumber = market.master("plumbing")
    req = market.request(customer)
    offer = market.offer(plumber, req["id"])
    statuses = _race(
        app,
        [
            ("POST", f"/api/offers/{offer['id']}/accept", customer.headers),
            ("POST", f"/api/requests/{req['id']}/cancel", customer.headers),
        ],
    )
    final = client.get(f"/api/requests/{req['id']}", headers=customer.headers).get_json()["status"]
    # both may succeed only in the order accept -> cancel (cancel is legal from active too)
    if statuses == [200, 200]:
        assert final == "cancelled"
    else:
        assert sorted(statuses) == [200, 409] and final in ("active", "cancelled")

    direct = market.request(customer, master_id=plumber.id)
    statuses = _race(
        app,
        [
            ("POST", f"/api/requests/{direct['id']}/accept", plumber.headers),
            ("POST", f"/api/requests/{direct['id']}/decline", plumber.headers),
        ],
    )
    assert sorted(statuses) == [200, 409], statuses
