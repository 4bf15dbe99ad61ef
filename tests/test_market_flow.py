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
