"""The request state machine, table-driven: every status x action x actor, over the REST routes.

Who holds which role in each scenario is written out here by hand (ROLES_BY_KIND); what each
role may do from each status comes from workflow.TRANSITIONS. For every combination the test
checks the HTTP answer (success, 403 for a wrong actor, 409 `illegal_transition` for a wrong
status, 404 once deleted), that a success moves the request to the table's status, and that a
refusal changes nothing.
"""

from __future__ import annotations

import pytest

from app.services import workflow as wf
from tests.conftest import assert_error

KINDS = ("category", "direct")
STATUSES = ("open", "active", "completed", "cancelled", "declined", "deleted")
ACTORS = ("customer", "target", "offerer", "master", "stranger")

# Roles each actor holds towards the request, by kind of request (the executor is whoever took it).
ROLES_BY_KIND = {
    "category": {
        "customer": {wf.CUSTOMER},
        "target": {wf.MASTER},  # a master in the category who has not answered
        "offerer": {wf.MASTER, wf.OFFERER},
        "master": {wf.MASTER},
        "stranger": set(),
    },
    "direct": {
        "customer": {wf.CUSTOMER},
        "target": {wf.TARGET, wf.OFFERER},
        "offerer": set(),  # a master of the category: a direct request is not theirs
        "master": set(),
        "stranger": set(),
    },
}
EXECUTOR = {"category": "offerer", "direct": "target"}

SUCCESS = {
    "offer": 201,
    "accept_offer": 200,
    "reject_offer": 200,
    "withdraw_offer": 204,
    "accept": 200,
    "decline": 200,
    "cancel": 200,
    "delete": 204,
    "complete": 200,
    "refuse_executor": 200,
    "review": 201,
}


def test_the_table_covers_every_action_the_api_has():
    assert set(wf.ACTIONS) == set(SUCCESS)
    # spot checks written out literally, so the table itself is under test too
    assert wf.TRANSITIONS[("open", "accept_offer")].new_status == "active"
    assert wf.TRANSITIONS[("active", "refuse_executor")].new_status == "open"
    assert wf.TRANSITIONS[("active", "complete")].who == {"customer"}
    assert ("completed", "cancel") not in wf.TRANSITIONS
    assert ("open", "complete") not in wf.TRANSITIONS


class Scenario:
    """One request of a kind driven into a status, with the users around it."""

    def __init__(self, market, client, people, kind: str, status: str):
        self.client, self.p, self.kind = client, people, kind
        customer, target, offerer = people["customer"], people["target"], people["offerer"]
        if kind == "category":
            self.req = market.request(customer, "plumbing")
            self.offer = market.offer(offerer, self.req["id"])
        else:
            self.req = market.request(customer, "plumbing", master_id=target.id)
            self.offer = market.offer(target, self.req["id"])
        rid = self.req["id"]
        steps = {
            "open": [],
            "active": ["take"],
            "completed": ["take", "complete"],
            "cancelled": ["cancel"],
            "declined": ["decline"],
            "deleted": ["delete"],
        }[status]
        for step in steps:
            if step == "take":
                res = client.post(f"/api/offers/{self.offer['id']}/accept", headers=customer.headers)
            elif step == "decline":
                res = client.post(f"/api/requests/{rid}/decline", headers=target.headers)
            elif step == "delete":
                res = client.delete(f"/api/requests/{rid}", headers=customer.headers)
            else:
                res = client.post(f"/api/requests/{rid}/{step}", headers=customer.headers)
            assert res.status_code in (200, 204), (kind, status, step, res.get_json())

    def do(self, action: str, actor: str):
        user = self.p[actor]
        rid, oid, c = self.req["id"], self.offer["id"], self.client
        h = user.headers
        if action == "offer":
            return c.post(f"/api/requests/{rid}/offers", json={"message": "me too", "price": 10}, headers=h)
        if action == "accept_offer":
            return c.post(f"/api/offers/{oid}/accept", headers=h)
        if action == "reject_offer":
            return c.post(f"/api/offers/{oid}/reject", headers=h)
        if action == "withdraw_offer":
            return c.delete(f"/api/offers/{oid}", headers=h)
        if action == "delete":
            return c.delete(f"/api/requests/{rid}", headers=h)
        if action == "review":
            return c.post(f"/api/requests/{rid}/review", json={"rating": 5, "text": "good"}, headers=h)
        path = action.replace("_", "-")
        return c.post(f"/api/requests/{rid}/{path}", headers=h)

    def snapshot(self) -> tuple:
        rid = self.req["id"]
        res = self.client.get(f"/api/requests/{rid}", headers=self.p["customer"].headers)
        if res.status_code == 404:
            return ("gone",)
        req = res.get_json()
        offers = self.client.get(f"/api/requests/{rid}/offers", headers=self.p["customer"].headers).get_json()
        offer_states = tuple((o["id"], o["status"]) for o in offers["items"])
        return (req["status"], req["executor_id"], req["reviewed"], offer_states)


def expected(kind: str, status: str, action: str, actor: str) -> tuple[int, str | None]:
    """(HTTP status, error code) the contract promises for this combination."""
    if status == "deleted":
        return 404, "not_found"
    roles = set(ROLES_BY_KIND[kind][actor])
    if status in ("active", "completed") and actor == EXECUTOR[kind]:
        roles.add(wf.EXECUTOR)
    if not wf.may_ever(action, roles):
        return 403, "forbidden"
    transition = wf.TRANSITIONS.get((status, action))
    if transition is None or not transition.who & roles:
        return 409, "illegal_transition"
    if action == "offer" and wf.OFFERER in roles:
        return 409, "offer_exists"  # they already have a live offer here: one per master per request
    return SUCCESS[action], None


@pytest.fixture
def people(market):
    return {
        "customer": market.make_user(),
        "target": market.master("plumbing"),
        "offerer": market.master("plumbing"),
        "master": market.master("repairs"),  # sees plumbing through the parent category
        "stranger": market.make_user(),
    }


@pytest.mark.parametrize("kind", KINDS)
def test_every_status_action_and_actor(market, client, people, kind):
    statuses = [s for s in STATUSES if not (kind == "category" and s == "declined")]
    failures = []
    for status in statuses:
        shared = Scenario(market, client, people, kind, status)
        before = shared.snapshot()
        for action in SUCCESS:
            for actor in ACTORS:
                want_status, want_code = expected(kind, status, action, actor)
                scenario = shared if want_code else Scenario(market, client, people, kind, status)
                res = scenario.do(action, actor)
                case = (kind, status, action, actor)
                if res.status_code != want_status:
                    failures.append((case, want_status, res.status_code, res.get_json()))
                    continue
                if want_code:
                    err = assert_error(res, want_status)
                    if err["code"] != want_code:
                        failures.append((case, want_code, err["code"]))
                elif action not in ("offer", "reject_offer", "withdraw_offer"):
                    new = wf.TRANSITIONS[(status, action)].new_status
                    snap = scenario.snapshot()
                    if snap[0] != ("gone" if new == "deleted" else new):
                        failures.append((case, new, snap))
        if shared.snapshot() != before:
            failures.append(((kind, status), "refusals changed the request", before, shared.snapshot()))
    assert not failures, "\n".join(map(str, failures))


def test_refusing_the_executor_reopens_the_request_for_new_offers(market, client, people):
    customer, offerer, master = people["customer"], people["offerer"], people["master"]
    req = market.request(customer, "plumbing")
    offer = market.offer(offerer, req["id"])
    client.post(f"/api/offers/{offer['id']}/accept", headers=customer.headers)
    res = client.post(f"/api/requests/{req['id']}/refuse-executor", headers=customer.headers)
    body = res.get_json()
    assert body["status"] == "open" and body["executor_id"] is None and body["chat_id"] is None
    second = market.offer(master, req["id"])
    again = market.offer(offerer, req["id"])  # the refused master may try again
    res = client.post(f"/api/offers/{second['id']}/accept", headers=customer.headers)
    assert res.status_code == 200 and res.get_json()["request"]["executor_id"] == master.id
    offers = client.get(f"/api/requests/{req['id']}/offers", headers=customer.headers).get_json()["items"]
    assert {o["id"]: o["status"] for o in offers} == {
        offer["id"]: "rejected",
        second["id"]: "accepted",
        again["id"]: "declined",
    }
