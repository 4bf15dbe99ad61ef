"""Bad input on every marketplace route: the contract's error, never a 500, and nothing changed."""

from __future__ import annotations

import re

from sqlalchemy import text

from tests.conftest import assert_error

TABLES = ("masters", "master_categories", "services", "requests", "offers", "reviews", "notifications", "chats")


def snapshot(app) -> dict[str, list]:
    """Every row of every marketplace table (and chats): what must not move."""
    from app.extensions import db

    with app.app_context():
        return {t: db.session.execute(text(f"SELECT * FROM {t} ORDER BY 1")).all() for t in TABLES}


def test_bad_input_everywhere(app, market, client):
    customer, stranger = market.make_user(), market.make_user()
    master = market.master("plumbing", city="Москва", price_from=100, price_to=200)
    other_master = market.master("math")
    service = client.post(
        "/api/masters/me/services",
        json={"title": "Замена смесителя", "category_id": market.cat("plumbing"), "price": 1500},
        headers=master.headers,
    ).get_json()
    open_req = market.request(customer)
    offer = market.offer(master, open_req["id"])
    direct = market.request(customer, master_id=master.id)
    plumbing = market.cat("plumbing")

    c, s, m, o = customer, stranger, master, other_master
    rid, oid, did, sid = open_req["id"], offer["id"], direct["id"], service["id"]
    cases = [
        # master cards
        ("POST", "/api/masters", {"category_ids": [plumbing], "price_from": -1}, s, 422, None),
        ("POST", "/api/masters", {"category_ids": [plumbing], "price_from": 10, "price_to": 5}, s, 422, None),
        ("POST", "/api/masters", {"category_ids": [999999]}, s, 422, "unknown_category"),
        ("POST", "/api/masters", {"category_ids": []}, s, 422, None),
        ("POST", "/api/masters", {"category_ids": "1"}, s, 422, None),
        ("POST", "/api/masters", {"category_ids": [str(plumbing)]}, s, 422, None),
        ("POST", "/api/masters", {"category_ids": [plumbing], "price_from": "100"}, s, 422, None),
        ("POST", "/api/masters", {"category_ids": [plumbing], "city": "1234"}, s, 422, "invalid_city"),
        ("POST", "/api/masters", {"category_ids": [plumbing], "about": "x" * 5000}, s, 422, None),
        ("POST", "/api/masters", {"category_ids": [plumbing]}, m, 409, "master_exists"),
        ("POST", "/api/masters", [1, 2], s, 422, None),
        ("PATCH", "/api/masters/me", {"about": "hi"}, s, 404, None),
        ("PATCH", "/api/masters/me", {"price_from": -5}, m, 422, None),
        ("PATCH", "/api/masters/me", {"price_from": 500}, m, 422, None),  # above price_to
        ("PATCH", "/api/masters/me", {"category_ids": [0]}, m, 422, "unknown_category"),
        ("PATCH", "/api/masters/me", {"city": "--"}, m, 422, "invalid_city"),
        ("PATCH", "/api/masters/me", {"city": "Нигде" * 20}, m, 422, None),
        ("GET", f"/api/masters/{s.id}", None, c, 404, None),
        ("GET", "/api/masters/999999/reviews", None, c, 404, None),
        ("GET", "/api/masters?min_rating=6", None, c, 422, None),
        ("GET", "/api/masters?min_price=-1", None, c, 422, None),
        ("GET", "/api/masters?sort=cheapest", None, c, 422, None),
        ("GET", "/api/masters?limit=0", None, c, 422, None),
        ("GET", "/api/masters?limit=201", None, c, 422, None),
        ("GET", "/api/masters?category=abc", None, c, 422, None),
        ("GET", "/api/masters?category=999999", None, c, 422, "unknown_category"),
        ("GET", "/api/masters?city=42", None, c, 422, "invalid_city"),
        ("GET", "/api/masters?cursor=-1", None, c, 422, None),
        # services
        ("POST", "/api/masters/me/services", {"title": "x", "category_id": plumbing}, s, 404, "no_master_card"),
        ("POST", "/api/masters/me/services", {"title": "x", "category_id": plumbing, "price": -1}, m, 422, None),
        ("POST", "/api/masters/me/services", {"title": "x", "category_id": 999999}, m, 422, "unknown_category"),
        ("POST", "/api/masters/me/services", {"title": "", "category_id": plumbing}, m, 422, None),
        ("POST", "/api/masters/me/services", {"title": "x", "category_id": plumbing, "price": "9"}, m, 422, None),
        ("PATCH", f"/api/services/{sid}", {"price": 1}, o, 403, None),
        ("PATCH", f"/api/services/{sid}", {"price": -1}, m, 422, None),
        ("PATCH", f"/api/services/{sid}", {"category_id": 999999}, m, 422, "unknown_category"),
        ("PATCH", "/api/services/999999", {"price": 1}, m, 404, None),
        ("DELETE", f"/api/services/{sid}", None, o, 403, None),
        ("DELETE", "/api/services/999999", None, m, 404, None),
        ("GET", "/api/services?category=-x", None, c, 422, None),
        ("GET", "/api/services?category=999999", None, c, 422, "unknown_category"),
        # requests
        ("POST", "/api/requests", {"title": "t", "category_id": 999999}, c, 422, "unknown_category"),
        ("POST", "/api/requests", {"title": "t"}, c, 422, None),
        ("POST", "/api/requests", {"category_id": plumbing}, c, 422, None),
        ("POST", "/api/requests", {"title": "t", "category_id": plumbing, "budget": -100}, c, 422, None),
        ("POST", "/api/requests", {"title": "t", "category_id": plumbing, "budget": "100"}, c, 422, None),
        ("POST", "/api/requests", {"title": "t", "category_id": str(plumbing)}, c, 422, None),
        ("POST", "/api/requests", {"title": "t", "category_id": plumbing, "city": "Ma\x00rs"}, c, 422, "invalid_city"),
        ("POST", "/api/requests", {"title": "t", "category_id": plumbing, "master_id": s.id}, c, 422, None),
        ("POST", "/api/requests", {"title": "t", "category_id": plumbing, "master_id": m.id}, m, 422, None),
        ("POST", "/api/requests", {"title": "t", "service_id": 999999}, c, 422, None),
        ("POST", "/api/requests", {"title": "t", "service_id": sid, "master_id": o.id}, c, 422, None),
        ("POST", "/api/requests", {"title": "t" * 200, "category_id": plumbing}, c, 422, None),
        ("GET", "/api/requests?mine=5", None, c, 422, None),
        ("GET", "/api/requests?status=lost", None, c, 422, None),
        ("GET", "/api/requests/feed", None, s, 403, "no_master_card"),
        ("GET", "/api/requests/feed?limit=-3", None, m, 422, None),
        ("GET", "/api/requests/999999", None, c, 404, None),
        ("GET", f"/api/requests/{did}", None, o, 404, None),  # someone else's direct request
        ("DELETE", f"/api/requests/{rid}", None, s, 403, None),
        ("DELETE", f"/api/requests/{rid}", None, m, 403, None),
        ("DELETE", "/api/requests/999999", None, c, 404, None),
        # offers
        ("POST", f"/api/requests/{rid}/offers", {"message": "me"}, c, 403, None),  # own request
        ("POST", f"/api/requests/{rid}/offers", {"message": "me"}, s, 403, None),  # not a master
        ("POST", f"/api/requests/{rid}/offers", {"message": "me"}, o, 403, None),  # another category
        ("POST", f"/api/requests/{rid}/offers", {"message": "again"}, m, 409, "offer_exists"),
        ("POST", f"/api/requests/{rid}/offers", {"message": "x", "price": -1}, m, 422, None),
        ("POST", f"/api/requests/{rid}/offers", {"message": ""}, m, 422, None),
        ("POST", f"/api/requests/{rid}/offers", {"message": "x", "price": "10"}, m, 422, None),
        ("POST", "/api/requests/999999/offers", {"message": "x"}, m, 404, None),
        ("POST", f"/api/requests/{did}/offers", {"message": "x"}, o, 403, None),
        ("GET", f"/api/requests/{rid}/offers", None, s, 403, None),
        ("GET", "/api/requests/999999/offers", None, c, 404, None),
        ("POST", f"/api/offers/{oid}/accept", None, s, 403, None),
        ("POST", f"/api/offers/{oid}/accept", None, m, 403, None),  # a master cannot accept their own offer
        ("POST", "/api/offers/999999/accept", None, c, 404, None),
        ("POST", f"/api/offers/{oid}/reject", None, o, 403, None),
        ("DELETE", f"/api/offers/{oid}", None, c, 403, None),
        ("DELETE", f"/api/offers/{oid}", None, o, 403, None),
        ("DELETE", "/api/offers/999999", None, m, 404, None),
        # status changes by the wrong person or from the wrong status
        ("POST", f"/api/requests/{did}/accept", None, c, 403, None),
        ("POST", f"/api/requests/{did}/accept", None, o, 403, None),
        ("POST", f"/api/requests/{rid}/accept", None, m, 403, None),  # not a direct request
        ("POST", f"/api/requests/{did}/decline", None, s, 403, None),
        ("POST", f"/api/requests/{rid}/complete", None, c, 409, "illegal_transition"),
        ("POST", f"/api/requests/{rid}/complete", None, m, 403, None),
        ("POST", f"/api/requests/{rid}/refuse-executor", None, c, 409, "illegal_transition"),
        ("POST", f"/api/requests/{rid}/cancel", None, s, 403, None),
        ("POST", "/api/requests/999999/cancel", None, c, 404, None),
        # reviews
        ("POST", f"/api/requests/{rid}/review", {"rating": 5, "text": "x"}, c, 409, "illegal_transition"),
        ("POST", f"/api/requests/{rid}/review", {"rating": 0, "text": "x"}, c, 422, None),
        ("POST", f"/api/requests/{rid}/review", {"rating": 6, "text": "x"}, c, 422, None),
        ("POST", f"/api/requests/{rid}/review", {"rating": "5", "text": "x"}, c, 422, None),
        ("POST", f"/api/requests/{rid}/review", {"rating": 4.5, "text": "x"}, c, 422, None),
        ("POST", f"/api/requests/{rid}/review", {"rating": 5, "text": "x"}, m, 403, None),
        # stats
        ("GET", "/api/users/999999/stats", None, c, 404, None),
    ]
    before = snapshot(app)
    problems = []
    for method, path, body, user, status, code in cases:
        kwargs = {"headers": user.headers}
        if body is not None:
            kwargs["json"] = body
        res = client.open(path, method=method, **kwargs)
        try:
            assert_error(res, status, code)
        except AssertionError as err:
            problems.append((method, path, body, str(err)[:300]))
    assert not problems, "\n".join(map(str, problems))
    assert snapshot(app) == before

    # without a token, every route is a 401: the public reference lists, stats and catalogue reads aside
    public = re.compile(r"^/api/(masters|services)(/\d+(/reviews)?)?(\?.*)?$")
    for method, path, *_ in cases:
        if path.startswith("/api/users/") or (method == "GET" and public.match(path)):
            continue
        assert_error(client.open(path, method=method, json={}), 401)


def test_review_only_once_and_only_when_completed(market, client):
    customer = market.make_user()
    master = market.master("plumbing")
    req = market.request(customer, master_id=master.id)
    client.post(f"/api/requests/{req['id']}/accept", headers=master.headers)
    body = {"rating": 5, "text": "ok"}
    assert_error(client.post(f"/api/requests/{req['id']}/review", json=body, headers=customer.headers), 409)
    client.post(f"/api/requests/{req['id']}/complete", headers=customer.headers)
    assert client.post(f"/api/requests/{req['id']}/review", json=body, headers=customer.headers).status_code == 201
    err = assert_error(client.post(f"/api/requests/{req['id']}/review", json=body, headers=customer.headers), 409)
    assert err["code"] == "already_reviewed"
    card = client.get(f"/api/masters/{master.id}", headers=customer.headers).get_json()
    assert card["rating_count"] == 1
