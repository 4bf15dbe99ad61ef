"""Notifications: stored, pushed live to the right people only, counted, marked read."""

from __future__ import annotations

from app.events import SERVER_EVENTS
from tests.conftest import assert_error


def received(sock, name: str) -> list[dict]:
    """Payloads of `name` events a test socket got since last asked (each checked against its schema)."""
    out = []
    for event in sock.get_received():
        if event["name"] == name:
            payload = event["args"][0]
            SERVER_EVENTS[name].model_validate(payload)
            out.append(payload)
    return out


def kinds(sock) -> list[str]:
    return [n["kind"] for n in received(sock, "notification")]


def test_request_reaches_masters_of_its_category_and_ancestors_only(market, client, socket_client):
    customer = market.make_user()
    plumber, repairer, teacher = market.master("plumbing"), market.master("repairs"), market.master("math")
    socks = {u.id: socket_client(u) for u in (customer, plumber, repairer, teacher)}
    req = market.request(customer, "plumbing", title="Течёт кран")
    got = {uid: received(s, "notification") for uid, s in socks.items()}
    assert [n["kind"] for n in got[plumber.id]] == ["request:new"]
    assert [n["kind"] for n in got[repairer.id]] == ["request:new"]  # parent category sees children's requests
    assert got[teacher.id] == [] and got[customer.id] == []
    assert got[plumber.id][0]["payload"]["request"]["id"] == req["id"]

    # a request to the parent does not go down to the children's masters
    market.request(customer, "repairs")
    assert kinds(socks[repairer.id]) == ["request:new"] and kinds(socks[plumber.id]) == []

    # a direct request reaches only its master
    market.request(customer, "plumbing", master_id=teacher.id)
    assert kinds(socks[teacher.id]) == ["request:new"]
    assert kinds(socks[plumber.id]) == [] and kinds(socks[repairer.id]) == []


def test_offer_accept_reject_review_notifications(market, client, socket_client):
    customer = market.make_user()
    winner, loser, rejected = market.master("plumbing"), market.master("plumbing"), market.master("plumbing")
    sc, sw, sl, sr = (socket_client(u) for u in (customer, winner, loser, rejected))
    req = market.request(customer)
    for s in (sw, sl, sr):
        s.get_received()
    o_win, _o_lose, o_rej = (market.offer(m, req["id"]) for m in (winner, loser, rejected))
    assert kinds(sc) == ["offer:new"] * 3

    client.post(f"/api/offers/{o_rej['id']}/reject", headers=customer.headers)
    assert kinds(sr) == ["offer:rejected"] and kinds(sw) == []

    res = client.post(f"/api/offers/{o_win['id']}/accept", headers=customer.headers)
    chat_id = res.get_json()["chat"]["id"]
    win_events = sw.get_received()
    names = [e["name"] for e in win_events]
    assert "chat:created" in names and "request:updated" in names
    accepted = [e["args"][0] for e in win_events if e["name"] == "notification"]
    assert [n["kind"] for n in accepted] == ["offer:accepted"] and accepted[0]["payload"]["chat_id"] == chat_id
    lose_events = sl.get_received()
    assert [e["args"][0]["kind"] for e in lose_events if e["name"] == "notification"] == ["offer:rejected"]
    updated = [e["args"][0] for e in lose_events if e["name"] == "request:updated"]
    assert updated and updated[0]["status"] == "active"  # masters with a live offer hear about the request
    # The master rejected earlier hears it as every master of the category does: their feed greys it.
    assert [u["status"] for u in received(sr, "request:updated")] == ["active"]
    assert [u["status"] for u in received(sc, "request:updated")] == ["active"]

    client.post(f"/api/requests/{req['id']}/complete", headers=customer.headers)
    assert kinds(sw) == ["request:status"]
    client.post(f"/api/requests/{req['id']}/review", json={"rating": 5, "text": "Спасибо"}, headers=customer.headers)
    assert kinds(sw) == ["review:new"]


def test_stored_notifications_unread_count_and_mark_read(market, client):
    customer = market.make_user()
    master = market.master("plumbing")
    reqs = [market.request(customer) for _ in range(3)]
    page = client.get("/api/notifications?unread=1", headers=master.headers).get_json()
    assert page["unread"] == 3 and [n["payload"]["request"]["id"] for n in page["items"]] == [
        r["id"] for r in reversed(reqs)
    ]
    first = client.get("/api/notifications?limit=2", headers=master.headers).get_json()
    rest = client.get(f"/api/notifications?limit=2&before={first['next']}", headers=master.headers).get_json()
    assert len(first["items"]) == 2 and len(rest["items"]) == 1 and rest["next"] is None

    # someone else's ids are ignored, never marked
    market.offer(master, reqs[0]["id"])
    theirs = client.get("/api/notifications", headers=customer.headers).get_json()["items"][0]["id"]
    res = client.post("/api/notifications/read", json={"ids": [page["items"][0]["id"], theirs]}, headers=master.headers)
    assert res.get_json() == {"unread": 2}
    assert client.get("/api/notifications", headers=customer.headers).get_json()["unread"] == 1
    unread = client.get("/api/notifications?unread=1", headers=master.headers).get_json()["items"]
    assert page["items"][0]["id"] not in [n["id"] for n in unread]
    assert client.post("/api/notifications/read", json={"all": True}, headers=master.headers).get_json() == {
        "unread": 0
    }
    read = client.get("/api/notifications", headers=master.headers).get_json()["items"]
    assert all(n["read_at"] for n in read)


def test_the_bell_lists_an_offer_or_request_with_its_current_status_not_the_one_it_was_sent_with(market, client):
    """The bell offers Accept/Reject (offer:new) and Take/Turn down (a direct request:new) only while the
    offer is live and the request open: once it is taken elsewhere, the listing says what it became."""
    customer = market.make_user()
    winner, loser, target = market.master("plumbing"), market.master("plumbing"), market.master("plumbing")
    req = market.request(customer)
    o_win, o_lose = market.offer(winner, req["id"]), market.offer(loser, req["id"])

    def offer_statuses() -> dict[int, str]:
        items = client.get("/api/notifications", headers=customer.headers).get_json()["items"]
        return {n["payload"]["offer"]["id"]: n["payload"]["offer"]["status"] for n in items if n["kind"] == "offer:new"}

    assert offer_statuses() == {o_win["id"]: "live", o_lose["id"]: "live"}
    # Accepted from the request's page, not from the bell: the notifications stay unread.
    assert client.post(f"/api/offers/{o_win['id']}/accept", headers=customer.headers).status_code == 200
    assert offer_statuses() == {o_win["id"]: "accepted", o_lose["id"]: "declined"}
    assert_error(client.post(f"/api/offers/{o_lose['id']}/accept", headers=customer.headers), 409)

    direct = market.request(customer, master_id=target.id)

    def direct_status() -> str:
        items = client.get("/api/notifications", headers=target.headers).get_json()["items"]
        requests = [n["payload"]["request"] for n in items if n["kind"] == "request:new"]
        return next(r["status"] for r in requests if r["id"] == direct["id"])

    assert direct_status() == "open"
    assert client.post(f"/api/requests/{direct['id']}/cancel", headers=customer.headers).status_code == 200
    assert direct_status() == "cancelled"


def test_notification_bad_input(market, client):
    user = market.make_user()
    for body in ({}, {"ids": []}, {"ids": "1"}, {"ids": ["x"]}, {"all": "yes"}, {"ids": [1.5]}):
        assert_error(client.post("/api/notifications/read", json=body, headers=user.headers), 422)
    for query in ("unread=2", "limit=0", "limit=abc", "before=-1"):
        assert_error(client.get(f"/api/notifications?{query}", headers=user.headers), 422)
    assert_error(client.get("/api/notifications"), 401)
