"""The marketplace end to end through the REST API (in-process)."""


def test_request_offer_accept_complete_review(market, client, make_user):
    plumber = market.master("plumbing", city="Москва", price_from=500, price_to=3000)
    other = market.master("plumbing")
    customer = make_user()
    req = market.request(customer, city="москва", budget=2000)
    assert req["status"] == "open" and req["city"] == "Москва"
    offer = market.offer(plumber, req["id"])
    market.offer(other, req["id"])
    res = client.post(f"/api/offers/{offer['id']}/accept", headers=customer.headers)
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["request"]["status"] == "active" and body["request"]["executor_id"] == plumber.id
    assert body["chat"]["type"] == "order"
    assert body["request"]["chat_id"] == body["chat"]["id"]
    res = client.post(f"/api/requests/{req['id']}/complete", headers=customer.headers)
    assert res.status_code == 200 and res.get_json()["status"] == "completed"
    res = client.post(f"/api/requests/{req['id']}/review", json={"rating": 4, "text": "ok"}, headers=customer.headers)
    assert res.status_code == 201, res.get_json()
    card = client.get(f"/api/masters/{plumber.id}", headers=customer.headers).get_json()
    assert card["rating"] == 4.0 and card["rating_count"] == 1 and card["completed_orders"] == 1
    assert card["recent_reviews"][0]["text"] == "ok"


def test_visitors_browse_the_catalogue_but_need_an_account_to_ask(market, client, make_user):
    plumber = market.master("plumbing", city="Москва")
    market.request(make_user(), "plumbing")
    assert client.get("/api/masters").status_code == 200
    card = client.get(f"/api/masters/{plumber.id}")
    assert card.status_code == 200 and card.get_json()["user"]["id"] == plumber.id
    assert client.get(f"/api/masters/{plumber.id}/reviews").status_code == 200
    assert client.get("/api/services").status_code == 200
    res = client.post("/api/requests", json={"title": "t", "description": "d", "category_id": market.cat("plumbing")})
    assert res.status_code == 401
    assert client.get("/api/requests/feed").status_code == 401


def test_the_feed_marks_the_requests_i_already_answered(market, client, make_user):
    plumber = market.master("plumbing")
    answered = market.request(make_user(), "plumbing", title="answered")
    fresh = market.request(make_user(), "plumbing", title="fresh")
    offer = market.offer(plumber, answered["id"], price=700)
    items = {i["title"]: i for i in client.get("/api/requests/feed", headers=plumber.headers).get_json()["items"]}
    assert items["answered"]["my_offer"]["id"] == offer["id"] and items["answered"]["my_offer"]["price"] == 700
    assert items["fresh"]["my_offer"] is None and fresh["id"] == items["fresh"]["id"]


def test_every_master_of_the_category_hears_when_a_request_is_taken(market, client, make_user, socket_client):
    """Masters who saw the request arrive live see it leave `open`, offer or not; others hear nothing."""
    winner, idle = market.master("plumbing"), market.master("plumbing")
    elsewhere = market.master("math")
    customer = make_user()
    req = market.request(customer, "plumbing")
    offer = market.offer(winner, req["id"])
    idle_sock, elsewhere_sock = socket_client(idle), socket_client(elsewhere)
    idle_sock.get_received()
    assert client.post(f"/api/offers/{offer['id']}/accept", headers=customer.headers).status_code == 200
    heard = [e["args"][0] for e in idle_sock.get_received() if e["name"] == "request:updated"]
    assert [(r["id"], r["status"]) for r in heard] == [(req["id"], "active")]
    assert [e for e in elsewhere_sock.get_received() if e["name"] == "request:updated"] == []
