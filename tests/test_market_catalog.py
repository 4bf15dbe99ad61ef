"""The catalogue: filters, sorts and pages checked against a seeded set of masters; categories, cities, services."""
# ruff: noqa: RUF001  (Russian test data is meant to be Cyrillic)

from __future__ import annotations

import pytest


def rate(market, client, customer, master, rating: int, service_id: int | None = None) -> None:
    """A whole order through the API: direct request, taken, completed, reviewed."""
    fields = {"service_id": service_id} if service_id else {"master_id": master.id}
    req = market.request(customer, **fields)
    assert client.post(f"/api/requests/{req['id']}/accept", headers=master.headers).status_code == 200
    assert client.post(f"/api/requests/{req['id']}/complete", headers=customer.headers).status_code == 200
    res = client.post(
        f"/api/requests/{req['id']}/review", json={"rating": rating, "text": "."}, headers=customer.headers
    )
    assert res.status_code == 201, res.get_json()


@pytest.fixture
def seeded(market, client):
    customer = market.make_user("buyer")
    m = {
        "a": market.master("plumbing", city="Москва", price_from=500, price_to=2000, about="Опытный сантехник"),
        "b": market.master("electrics", city="Казань", price_from=1500, price_to=5000, about="Электрик с допуском"),
        "c": market.master("plumbing", "electrics", city="москва", price_from=3000, about="Мастер на все руки"),
        "d": market.master("math", city="Москва", price_from=800, price_to=1200, about="Репетитор по МАТЕМАТИКЕ"),
        "e": market.master("web", about="Делаю сайты"),
    }
    rate(market, client, customer, m["a"], 5)
    rate(market, client, customer, m["b"], 3)
    rate(market, client, customer, m["c"], 5)
    rate(market, client, customer, m["c"], 3)
    return {"customer": customer, **m}


def ids(client, user, query: str) -> list[int]:
    res = client.get(f"/api/masters?{query}", headers=user.headers)
    assert res.status_code == 200, res.get_json()
    return [card["user"]["id"] for card in res.get_json()["items"]]


def test_filters(market, client, seeded):
    s, who = seeded, seeded["customer"]
    a, b, c, d, e = (s[k].id for k in "abcde")
    assert set(ids(client, who, f"category={market.cat('repairs')}")) == {a, b, c}  # the parent takes its children
    assert set(ids(client, who, f"category={market.cat('plumbing')}")) == {a, c}
    assert set(ids(client, who, f"category={market.cat('tutoring')}")) == {d}
    assert set(ids(client, who, "city=МОСКВА")) == {a, c, d}
    assert set(ids(client, who, f"city=Москва&category={market.cat('electrics')}")) == {c}
    assert set(ids(client, who, "q=опытный")) == {a}
    assert set(ids(client, who, "q=опытный сантехник")) == {a}  # every word must match
    assert set(ids(client, who, "q=математике")) == {d}  # case-insensitive in Cyrillic too
    assert set(ids(client, who, "q=сантехника")) == {a, c}  # category names are searchable
    assert set(ids(client, who, "min_rating=4")) == {a, c}
    assert set(ids(client, who, "min_rating=4.5")) == {a}
    assert set(ids(client, who, "min_price=700&max_price=1600")) == {b, d}
    assert set(ids(client, who, "max_price=600")) == {a}
    assert set(ids(client, who, "")) == {a, b, c, d, e}


def test_sorts_and_pages(client, seeded):
    s, who = seeded, seeded["customer"]
    a, b, c, d, e = (s[k].id for k in "abcde")
    assert ids(client, who, "sort=rating")[:3] == [a, c, b]
    assert ids(client, who, "sort=price") == [a, d, b, c, e]  # no price goes last
    assert ids(client, who, "sort=new") == [e, d, c, b, a]
    seen, cursor = [], None
    while True:
        res = client.get(
            "/api/masters?sort=price&limit=2" + (f"&cursor={cursor}" if cursor is not None else ""), headers=who.headers
        ).get_json()
        seen += [card["user"]["id"] for card in res["items"]]
        cursor = res["next"]
        if cursor is None:
            break
    assert seen == [a, d, b, c, e]


def test_short_and_full_cards(market, client, seeded):
    who, c = seeded["customer"], seeded["c"]
    short = next(
        x for x in client.get("/api/masters", headers=who.headers).get_json()["items"] if x["user"]["id"] == c.id
    )
    assert short["rating"] == 4.0 and short["rating_count"] == 2 and short["completed_orders"] == 2
    assert short["city"] == "Москва"
    assert sorted(short["category_ids"]) == sorted([market.cat("plumbing"), market.cat("electrics")])
    full = client.get(f"/api/masters/{c.id}", headers=who.headers).get_json()
    assert full["review_count"] == 2 and len(full["recent_reviews"]) == 2 and full["services"] == []
    reviews = client.get(f"/api/masters/{c.id}/reviews", headers=who.headers).get_json()["items"]
    assert [r["rating"] for r in reviews] == [3, 5]  # newest first
    me = client.get("/api/users/me", headers=c.headers).get_json()
    assert me["is_master"] is True


def test_services_and_their_rating(market, client):
    customer = market.make_user()
    master = market.master("tutoring", about="Лектор")
    res = client.post(
        "/api/masters/me/services",
        json={"title": "Лекция о космосе", "category_id": market.cat("science-lectures"), "price": 3000},
        headers=master.headers,
    )
    assert res.status_code == 201, res.get_json()
    lecture = res.get_json()
    lesson = client.post(
        "/api/masters/me/services",
        json={"title": "Урок алгебры", "category_id": market.cat("math"), "price": 1000, "description": "8 класс"},
        headers=master.headers,
    ).get_json()
    listed = client.get(f"/api/services?category={market.cat('lectures')}", headers=customer.headers).get_json()
    assert [x["id"] for x in listed["items"]] == [lecture["id"]]
    found = client.get("/api/services?q=АЛГЕБРЫ", headers=customer.headers).get_json()
    assert [x["id"] for x in found["items"]] == [lesson["id"]]
    assert ids(client, customer, "q=космосе") == [master.id]  # service titles find their master
    rate(market, client, customer, master, 4, service_id=lecture["id"])
    rate(market, client, customer, master, 5, service_id=lecture["id"])
    got = client.get(f"/api/services/{lecture['id']}", headers=customer.headers).get_json()
    assert got["rating"] == 4.5 and got["rating_count"] == 2
    res = client.patch(f"/api/services/{lesson['id']}", json={"price": 1200}, headers=master.headers)
    assert res.status_code == 200 and res.get_json()["price"] == 1200
    assert client.delete(f"/api/services/{lesson['id']}", headers=master.headers).status_code == 204
    card = client.get(f"/api/masters/{master.id}", headers=customer.headers).get_json()
    assert [x["id"] for x in card["services"]] == [lecture["id"]]
    stats = client.get(f"/api/users/{master.id}/stats", headers=customer.headers).get_json()
    assert stats["as_master"]["completed_orders"] == 2 and stats["average_rating"] == 4.5
    assert client.get(f"/api/users/{customer.id}/stats", headers=customer.headers).get_json()["as_customer"] == {
        "requests": 2,
        "completed": 2,
        "reviews_written": 2,
    }
    assert client.get("/api/stats").get_json()["completed_orders"] == 2


def test_reference_lists(market, client):
    tree = client.get("/api/categories").get_json()["items"]
    repairs = next(x for x in tree if x["slug"] == "repairs")
    assert {c["slug"] for c in repairs["children"]} >= {"plumbing", "electrics", "appliances"}
    assert {x["slug"] for x in tree} >= {"repairs", "tutoring", "lectures", "beauty", "it", "moving", "cleaning"}
    cities = client.get("/api/cities").get_json()["items"]
    assert len(cities) >= 30 and any(c["name"] == "Санкт-Петербург" for c in cities)
    assert [c["name"] for c in client.get("/api/cities?q=петер").get_json()["items"]] == ["Санкт-Петербург"]


def test_master_card_edit(market, client):
    master = market.master("plumbing", city="Казань")
    res = client.patch(
        "/api/masters/me",
        json={"about": "Новое описание", "city": "Орел", "category_ids": [market.cat("appliances")]},
        headers=master.headers,
    )
    assert res.status_code == 200, res.get_json()
    card = res.get_json()
    assert card["about"] == "Новое описание" and card["city"] == "Орёл"
    assert card["category_ids"] == [market.cat("appliances")]
    assert ids(client, master, f"category={market.cat('plumbing')}") == []


def test_empty_query_parameters_mean_not_given(client, seeded):
    who = seeded["customer"]
    assert len(ids(client, who, "category=&city=&q=&min_rating=&min_price=&max_price=&cursor=")) == 5
    res = client.get("/api/services?category=&master_id=", headers=who.headers)
    assert res.status_code == 200


def test_the_services_catalogue_filters_and_sorts_like_the_masters_one(market, client):
    customer = market.make_user()
    kazan = market.master("math", city="Казань")
    moscow = market.master("math", city="Москва")

    def add(master, title, price):
        body = {"title": title, "category_id": market.cat("math"), "price": price}
        res = client.post("/api/masters/me/services", json=body, headers=master.headers)
        assert res.status_code == 201, res.get_json()
        return res.get_json()["id"]

    cheap_k, dear_k = add(kazan, "Algebra basics", 800), add(kazan, "Olympiad algebra", 3000)
    mid_m, free_m = add(moscow, "Algebra for adults", 1500), add(moscow, "Algebra trial lesson", None)
    rate(market, client, customer, kazan, 5, service_id=dear_k)
    rate(market, client, customer, moscow, 3, service_id=mid_m)

    def listed(query: str) -> list[int]:
        res = client.get(f"/api/services?q=algebra&{query}")
        assert res.status_code == 200, res.get_json()
        return [s["id"] for s in res.get_json()["items"]]

    assert listed("") == [free_m, mid_m, dear_k, cheap_k]  # newest first
    assert listed("city=казань") == [dear_k, cheap_k]
    assert listed("sort=price") == [cheap_k, mid_m, dear_k, free_m]  # "on request" last
    assert listed("min_price=1000&max_price=2000") == [mid_m]
    assert listed("sort=rating") == [dear_k, mid_m, free_m, cheap_k]  # unrated after rated, newest first
    assert listed("min_rating=4") == [dear_k]
    assert listed("city=Kazan") == [dear_k, cheap_k]  # either language's spelling
    assert listed("city=Atlantis") == []  # a city outside the list: nobody there yet, not an error


def test_a_renamed_master_is_found_by_the_new_name(market, client):
    master = market.master("plumbing", about="Taps")
    res = client.patch("/api/users/me", json={"display_name": "Zebediah Pipewright"}, headers=master.headers)
    assert res.status_code == 200
    assert [m["user"]["id"] for m in client.get("/api/masters?q=zebediah").get_json()["items"]] == [master.id]
