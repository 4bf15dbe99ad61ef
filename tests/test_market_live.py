"""The whole marketplace flow against a live server with real Socket.IO clients.

A request reaches the masters of its category, and only them, within a second; offers reach
the customer within a second; accepting opens an order chat in which both talk live; then
complete, review, and the rating on the card.
"""
# ruff: noqa: RUF001  (Russian test data is meant to be Cyrillic)

from __future__ import annotations

import threading
import time

import pytest
import requests
import socketio

pytestmark = pytest.mark.live
WITHIN = 1.0


class Peer:
    """A user of the live server: their token, a real socket, and the events it heard."""

    def __init__(self, server, username: str):
        self.server = server
        body = server.signup(username)
        self.id = body["user"]["id"]
        self.token = body["access_token"]
        self.events: list[tuple[str, dict]] = []
        self.lock = threading.Condition()
        self.sock = socketio.Client(reconnection=False)
        for name in ("notification", "request:updated", "chat:created", "message:new"):
            self.sock.on(name, self._recorder(name))
        self.sock.connect(server.url, auth={"token": self.token}, transports=["websocket"], wait_timeout=5)

    def _recorder(self, name):
        def record(data):
            with self.lock:
                self.events.append((name, data))
                self.lock.notify_all()

        return record

    def http(self, method: str, path: str, json=None, status: int = 200) -> dict:
        res = requests.request(
            method, self.server.url + path, json=json, timeout=10, headers={"Authorization": f"Bearer {self.token}"}
        )
        assert res.status_code == status, (path, res.status_code, res.text[:300])
        return res.json() if res.content else {}

    def wait_for(self, name: str, match=lambda d: True, timeout: float = WITHIN) -> dict:
        """The first `name` event matching, waiting at most `timeout` seconds for it."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                for event, data in self.events:
                    if event == name and match(data):
                        return data
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {name} within {timeout}s; heard {[e for e, _ in self.events]}")
                self.lock.wait(left)

    def heard(self, name: str, match=lambda d: True) -> list[dict]:
        with self.lock:
            return [d for e, d in self.events if e == name and match(d)]

    def close(self) -> None:
        self.sock.disconnect()


def is_kind(kind: str):
    return lambda n: n["kind"] == kind


def test_marketplace_flow_live(live_server):
    peers: list[Peer] = []
    try:
        customer, plumber, rival, teacher, bystander = (
            Peer(live_server, name) for name in ("lcustomer", "lplumber", "lrival", "lteacher", "lbystander")
        )
        peers += [customer, plumber, rival, teacher, bystander]
        tree = requests.get(live_server.url + "/api/categories", timeout=5).json()["items"]
        slugs = {c["slug"]: c["id"] for root in tree for c in [root, *root["children"]]}
        plumber.http("POST", "/api/masters", {"category_ids": [slugs["plumbing"]], "city": "Москва"}, 201)
        rival.http("POST", "/api/masters", {"category_ids": [slugs["repairs"]], "price_from": 700}, 201)
        teacher.http("POST", "/api/masters", {"category_ids": [slugs["math"]]}, 201)

        # the request reaches the masters of its category (and its parent's), and only them
        req = customer.http(
            "POST", "/api/requests", {"category_id": slugs["plumbing"], "title": "Течёт кран", "budget": 3000}, 201
        )
        for master in (plumber, rival):
            note = master.wait_for("notification", is_kind("request:new"))
            assert note["payload"]["request"]["id"] == req["id"]
        time.sleep(0.3)  # give a wrong delivery the chance to show up
        for other in (teacher, bystander, customer):
            assert other.heard("notification") == []
        feed = plumber.http("GET", "/api/requests/feed")
        assert [r["id"] for r in feed["items"]] == [req["id"]]

        # offers reach the customer
        offer = plumber.http(
            "POST", f"/api/requests/{req['id']}/offers", {"message": "Приеду сегодня", "price": 2500}, 201
        )
        customer.wait_for(
            "notification", lambda n: n["kind"] == "offer:new" and n["payload"]["offer"]["id"] == offer["id"]
        )
        rival_offer = rival.http("POST", f"/api/requests/{req['id']}/offers", {"message": "Могу завтра"}, 201)
        customer.wait_for(
            "notification", lambda n: n["kind"] == "offer:new" and n["payload"]["offer"]["id"] == rival_offer["id"]
        )

        # accept: active request, order chat, the rival told
        accepted = customer.http("POST", f"/api/offers/{offer['id']}/accept")
        assert accepted["request"]["status"] == "active" and accepted["chat"]["type"] == "order"
        chat_id = accepted["chat"]["id"]
        plumber.wait_for("notification", is_kind("offer:accepted"))
        plumber.wait_for("chat:created", lambda c: c["id"] == chat_id)
        rival.wait_for("notification", is_kind("offer:rejected"))
        rival.wait_for("request:updated", lambda r: r["status"] == "active")

        # both talk live in the order chat
        ack = customer.sock.call("message:send", {"chat_id": chat_id, "body": "Здравствуйте!", "client_id": "c1"})
        assert ack["ok"], ack
        assert plumber.wait_for("message:new", lambda m: m["client_id"] == "c1")["body"] == "Здравствуйте!"
        ack = plumber.sock.call("message:send", {"chat_id": chat_id, "body": "Буду в 18:00", "client_id": "p1"})
        assert ack["ok"], ack
        customer.wait_for("message:new", lambda m: m["client_id"] == "p1")
        assert rival.heard("message:new") == [] and bystander.heard("message:new") == []

        # complete, review, rating
        customer.http("POST", f"/api/requests/{req['id']}/complete")
        plumber.wait_for(
            "notification", lambda n: n["kind"] == "request:status" and n["payload"]["status"] == "completed"
        )
        customer.http("POST", f"/api/requests/{req['id']}/review", {"rating": 5, "text": "Отлично"}, 201)
        plumber.wait_for("notification", is_kind("review:new"))
        card = bystander.http("GET", f"/api/masters/{plumber.id}")
        assert card["rating"] == 5.0 and card["rating_count"] == 1 and card["completed_orders"] == 1
        stats = bystander.http("GET", f"/api/users/{customer.id}/stats")
        assert stats["as_customer"]["completed"] == 1
        unread = plumber.http("GET", "/api/notifications?unread=1")
        assert unread["unread"] == len(plumber.heard("notification"))
    finally:
        for peer in peers:
            peer.close()


def test_racing_accepts_on_the_live_server(live_server):
    """Eight clients accept eight different offers of one request at once: one 200, seven 409."""
    customer = live_server.signup("racecustomer")
    auth = {"Authorization": f"Bearer {customer['access_token']}"}
    tree = requests.get(live_server.url + "/api/categories", timeout=5).json()["items"]
    plumbing = next(c["id"] for root in tree for c in root["children"] if c["slug"] == "plumbing")
    req = requests.post(
        live_server.url + "/api/requests", json={"category_id": plumbing, "title": "Race"}, headers=auth, timeout=10
    ).json()
    offer_ids = []
    for n in range(8):
        master = live_server.signup(f"racer{n}")
        headers = {"Authorization": f"Bearer {master['access_token']}"}
        res = requests.post(
            live_server.url + "/api/masters", json={"category_ids": [plumbing]}, headers=headers, timeout=10
        )
        assert res.status_code == 201
        res = requests.post(
            live_server.url + f"/api/requests/{req['id']}/offers", json={"message": "me"}, headers=headers, timeout=10
        )
        offer_ids.append(res.json()["id"])
    barrier = threading.Barrier(len(offer_ids))
    statuses: list[int] = []

    def accept(offer_id: int) -> None:
        session = requests.Session()
        barrier.wait()
        statuses.append(
            session.post(live_server.url + f"/api/offers/{offer_id}/accept", headers=auth, timeout=10).status_code
        )

    threads = [threading.Thread(target=accept, args=(oid,)) for oid in offer_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert sorted(statuses) == [200] + [409] * 7, statuses
    got = requests.get(live_server.url + f"/api/requests/{req['id']}", headers=auth, timeout=10).json()
    assert got["status"] == "active"
