"""The one state machine of requests (and of the offers made on them).

Every change of a request's or an offer's status goes through `decide()`, which looks the
(status, action) pair up in TRANSITIONS and checks the actor's roles against it:

- an actor who may never do this action gets 403 `forbidden`;
- an actor who may, but not from this status, gets 409 `illegal_transition`.

The database then confirms the decision with a conditional UPDATE (see services.requests),
so two racing transitions from one status end with exactly one winner.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import Conflict, Forbidden

# request statuses
OPEN, ACTIVE, COMPLETED, CANCELLED, DECLINED, DELETED = (
    "open",
    "active",
    "completed",
    "cancelled",
    "declined",
    "deleted",
)
REQUEST_STATUSES = (OPEN, ACTIVE, COMPLETED, CANCELLED, DECLINED, DELETED)

# offer statuses: live until the customer accepts or rejects it, another one is accepted
# (declined), its master withdraws it, or the request closes (declined)
LIVE, ACCEPTED, REJECTED, WITHDRAWN = "live", "accepted", "rejected", "withdrawn"

# roles an actor can hold towards a request
CUSTOMER = "customer"  # the author
TARGET = "target"  # the master a direct request was sent to
EXECUTOR = "executor"  # the master doing an active request
MASTER = "master"  # any other master who may answer a category request
OFFERER = "offerer"  # the author of the offer the action is about
ROLES = (CUSTOMER, TARGET, EXECUTOR, MASTER, OFFERER)


@dataclass(frozen=True)
class Transition:
    new_status: str
    who: frozenset[str]


def _t(new_status: str, *who: str) -> Transition:
    return Transition(new_status, frozenset(who))


# (request status, action) -> (request status afterwards, roles that may do it)
TRANSITIONS: dict[tuple[str, str], Transition] = {
    (OPEN, "offer"): _t(OPEN, MASTER, TARGET),
    (OPEN, "accept_offer"): _t(ACTIVE, CUSTOMER),
    (OPEN, "reject_offer"): _t(OPEN, CUSTOMER),
    (OPEN, "withdraw_offer"): _t(OPEN, OFFERER),
    (OPEN, "accept"): _t(ACTIVE, TARGET),
    (OPEN, "decline"): _t(DECLINED, TARGET),
    (OPEN, "cancel"): _t(CANCELLED, CUSTOMER),
    (OPEN, "delete"): _t(DELETED, CUSTOMER),
    (ACTIVE, "complete"): _t(COMPLETED, CUSTOMER),
    (ACTIVE, "refuse_executor"): _t(OPEN, CUSTOMER),
    (ACTIVE, "cancel"): _t(CANCELLED, CUSTOMER),
    (COMPLETED, "review"): _t(COMPLETED, CUSTOMER),
}

ACTIONS: tuple[str, ...] = tuple(sorted({action for _status, action in TRANSITIONS}))

# offer actions also need the offer itself to be live
OFFER_ACTIONS = {"accept_offer": ACCEPTED, "reject_offer": REJECTED, "withdraw_offer": WITHDRAWN}


def may_ever(action: str, roles: set[str] | frozenset[str]) -> bool:
    """Whether someone with these roles may do `action` from some status."""
    return any(a == action and t.who & roles for (_s, a), t in TRANSITIONS.items())


def decide(status: str, action: str, roles: set[str] | frozenset[str]) -> str:
    """The status a request moves to when an actor with `roles` does `action`; Forbidden or Conflict."""
    if not may_ever(action, roles):
        raise Forbidden("You may not do this with this request.", {"action": action})
    transition = TRANSITIONS.get((status, action))
    if transition is None or not transition.who & roles:
        raise Conflict(
            f"Cannot {action.replace('_', ' ')} a request that is {status}.",
            {"status": status, "action": action},
            code="illegal_transition",
        )
    return transition.new_status


def decide_offer(offer_status: str, action: str) -> str:
    """The status an offer moves to under an offer action; Conflict unless it is live."""
    if offer_status != LIVE:
        raise Conflict(
            f"This offer is {offer_status}.", {"status": offer_status, "action": action}, code="illegal_transition"
        )
    return OFFER_ACTIONS[action]


# What an order chat's head offers, in this order (see order_actions).
ORDER_ACTIONS = ("complete", "refuse_executor", "cancel", "review")


def order_actions(status: str, roles: set[str] | frozenset[str], reviewed: bool) -> list[str]:
    """The order actions someone with `roles` may take now on a request in `status` (the chat head's buttons).

    Read from TRANSITIONS, so the head never offers what decide() would refuse; a request
    reviewed once offers no second review.
    """
    out = []
    for action in ORDER_ACTIONS:
        transition = TRANSITIONS.get((status, action))
        if transition is None or not transition.who & roles:
            continue
        if action == "review" and reviewed:
            continue
        out.append(action)
    return out
