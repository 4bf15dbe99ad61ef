"""Every action that moves a request or an offer: offers, accepts, rejections, status changes.

Each one loads the request inside write_tx(), asks workflow.decide() whether this actor may
do this action from the status it read, then lets the database confirm it with a conditional
UPDATE (`_move`): of two transactions racing from one status exactly one changes the row and
the other gets 409 `illegal_transition`. Notifications and `request:updated` go out after commit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.db import write_tx
from app.errors import Conflict, NotFound
from app.events import emit_after_commit
from app.events.market import OfferAccepted, OfferNew, OfferRejected, RequestStatus, RequestUpdated
from app.events.messenger import ChatCreated
from app.extensions import db
from app.models.base import utcnow
from app.models.chat import Chat
from app.models.market import Master, Offer, Request
from app.permissions import membership
from app.services import workflow as wf
from app.services.chats import open_order_chat, order_changed
from app.services.notifications import notify
from app.services.requests import category_masters, load_request, offer_out, request_out, roles_of
from app.shapes.chats import chat_out


def _live_offer_masters(request_id: int) -> list[int]:
    return list(
        db.session.scalars(select(Offer.master_id).where(Offer.request_id == request_id, Offer.status == wf.LIVE))
    )


def _audience(req: Request) -> set[int]:
    ids = {req.customer_id, *_live_offer_masters(req.id)}
    ids.update(i for i in (req.master_id, req.executor_id) if i is not None)
    return ids


def _move(req: Request, old: str, new: str, **values: Any) -> None:
    """The conditional UPDATE that makes the database the judge of a race."""
    result = db.session.execute(
        update(Request)
        .where(Request.id == req.id, Request.status == old)
        .values(status=new, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict("The request changed meanwhile.", {"status": old}, code="illegal_transition")
    db.session.refresh(req)


def _close_live_offers(request_id: int, except_id: int | None = None) -> list[int]:
    """Decline every live offer of a request (but one); returns their masters."""
    stmt = select(Offer).where(Offer.request_id == request_id, Offer.status == wf.LIVE)
    offers = [o for o in db.session.scalars(stmt) if o.id != except_id]
    for o in offers:
        o.status = "declined"
    return [o.master_id for o in offers]


def _status_note(req: Request, user_ids: set[int] | list[int], by: int) -> None:
    note = RequestStatus(request_id=req.id, title=req.title, status=req.status, by=by, chat_id=req.chat_id)
    notify([u for u in user_ids if u != by], note)


def _publish(req: Request, audience: set[int]) -> dict[str, Any]:
    """`request:updated` after a status change, to everyone concerned. A request posted to a category
    was shown live to every master of it (`request:new`), so they all hear that it left (or came back
    to) `open`: their feeds drop it or show it again without a reload."""
    data = request_out(req)
    people = {req.customer_id, req.master_id, req.executor_id} - {None}
    if req.master_id is None:
        people.update(category_masters(req.category_id, exclude=req.customer_id))
    emit_after_commit(RequestUpdated, data, audience | people)
    return data


# ---- offers ----------------------------------------------------------------------------------


def make_offer(user_id: int, request_id: int, message: str, price: int | None) -> dict[str, Any]:
    """A master answers a request; Conflict (offer_exists) if they already have a live offer on it."""
    with write_tx():
        req = load_request(request_id, for_update=True)
        wf.decide(req.status, "offer", roles_of(req, user_id))
        if db.session.scalar(
            select(Offer.id).where(Offer.request_id == req.id, Offer.master_id == user_id, Offer.status == wf.LIVE)
        ):
            raise Conflict("You already have a live offer on this request.", code="offer_exists")
        offer = Offer(request_id=req.id, master_id=user_id, message=message, price=price, status=wf.LIVE)
        db.session.add(offer)
        try:
            db.session.flush()
        except IntegrityError:
            raise Conflict("You already have a live offer on this request.", code="offer_exists") from None
        out = offer_out(offer)
        notify([req.customer_id], OfferNew(offer=out, request_id=req.id, title=req.title))
        return out


def _load_offer(offer_id: int) -> tuple[Offer, Request]:
    offer = db.session.get(Offer, offer_id)
    if offer is None:
        raise NotFound("No such offer.")
    req = load_request(offer.request_id, for_update=True)
    db.session.refresh(offer)  # read after the request's lock: another change may have moved it meanwhile
    return offer, req


def _open_order_chat(req: Request, master_id: int) -> Chat:
    """Open the order chat, link the request to it, and queue each side's `chat:created` with the order."""
    chat = open_order_chat(req.customer_id, master_id, req.title, request_id=req.id)
    req.chat_id = chat.id
    db.session.flush()
    order_changed([chat.id], ChatCreated)
    return chat


def _chat_for(chat: Chat, user_id: int) -> dict[str, Any]:
    """The order chat as the actor sees it (the answer to their accept)."""
    return chat_out(chat, membership(chat.id, user_id))


def accept_offer(user_id: int, offer_id: int) -> dict[str, Any]:
    """The author accepts an offer: request active, other offers declined (masters told), order chat opened."""
    with write_tx():
        offer, req = _load_offer(offer_id)
        new = wf.decide(req.status, "accept_offer", roles_of(req, user_id, offer))
        offer.status = wf.decide_offer(offer.status, "accept_offer")
        audience = _audience(req)
        _move(req, wf.OPEN, new, executor_id=offer.master_id)
        losers = _close_live_offers(req.id, except_id=offer.id)
        chat = _open_order_chat(req, offer.master_id)
        note = {"request_id": req.id, "title": req.title, "offer_id": offer.id}
        notify([offer.master_id], OfferAccepted(**note, chat_id=chat.id))
        notify(losers, OfferRejected(**note, reason="another offer was accepted"))
        return {"request": _publish(req, audience), "chat": _chat_for(chat, user_id)}


def reject_offer(user_id: int, offer_id: int) -> dict[str, Any]:
    """The author rejects one offer; its master is told."""
    with write_tx():
        offer, req = _load_offer(offer_id)
        wf.decide(req.status, "reject_offer", roles_of(req, user_id, offer))
        offer.status = wf.decide_offer(offer.status, "reject_offer")
        db.session.flush()
        notify([offer.master_id], OfferRejected(request_id=req.id, title=req.title, offer_id=offer.id))
        return offer_out(offer)


def withdraw_offer(user_id: int, offer_id: int) -> None:
    """A master withdraws their own live offer."""
    with write_tx():
        offer, req = _load_offer(offer_id)
        wf.decide(req.status, "withdraw_offer", roles_of(req, user_id, offer))
        offer.status = wf.decide_offer(offer.status, "withdraw_offer")
        db.session.flush()
        emit_after_commit(RequestUpdated, request_out(req), [req.customer_id])


# ---- status changes --------------------------------------------------------------------------


def accept_direct(user_id: int, request_id: int) -> dict[str, Any]:
    """The master a request was sent to takes it: active, order chat opened."""
    with write_tx():
        req = load_request(request_id, for_update=True)
        new = wf.decide(req.status, "accept", roles_of(req, user_id))
        audience = _audience(req)
        _move(req, wf.OPEN, new, executor_id=user_id)
        _close_live_offers(req.id)
        chat = _open_order_chat(req, user_id)
        _status_note(req, [req.customer_id], user_id)
        return {"request": _publish(req, audience), "chat": _chat_for(chat, user_id)}


def _simple(user_id: int, request_id: int, action: str, **values: Any) -> dict[str, Any]:
    with write_tx():
        req = load_request(request_id, for_update=True)
        old = req.status
        new = wf.decide(old, action, roles_of(req, user_id))
        audience = _audience(req)
        executor, order_chat = req.executor_id, req.chat_id
        _move(req, old, new, **values)
        if new in (wf.CANCELLED, wf.DECLINED, wf.DELETED):
            _close_live_offers(req.id)
        if action == "refuse_executor":
            db.session.execute(
                update(Offer).where(Offer.request_id == req.id, Offer.status == wf.ACCEPTED).values(status=wf.REJECTED)
            )
        if new == wf.COMPLETED and executor is not None:
            db.session.execute(
                update(Master).where(Master.user_id == executor).values(completed_orders=Master.completed_orders + 1)
            )
        _status_note(req, audience, user_id)
        order_changed([order_chat, req.chat_id])  # both sides' chat heads follow (a refused one too)
        return _publish(req, audience)


def decline_direct(user_id: int, request_id: int) -> dict[str, Any]:
    """The master a request was sent to turns it down (status declined)."""
    return _simple(user_id, request_id, "decline")


def complete(user_id: int, request_id: int) -> dict[str, Any]:
    """The customer marks an active request done; the executor's completed_orders grows."""
    return _simple(user_id, request_id, "complete")


def refuse_executor(user_id: int, request_id: int) -> dict[str, Any]:
    """The customer refuses the executor: back to open, executor and chat cleared."""
    return _simple(user_id, request_id, "refuse_executor", executor_id=None, chat_id=None)


def cancel(user_id: int, request_id: int) -> dict[str, Any]:
    """The customer cancels an open or active request."""
    return _simple(user_id, request_id, "cancel")


def delete(user_id: int, request_id: int) -> None:
    """The author deletes an open request (it disappears from every list)."""
    _simple(user_id, request_id, "delete")
