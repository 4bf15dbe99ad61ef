"""Marketplace routes: requests, offers, status changes, reviews."""

from __future__ import annotations

from flask import g

from app.api.base import ApiBlueprint
from app.schemas.market import (
    AcceptOut,
    OfferIn,
    OfferOut,
    OfferPage,
    PageBefore,
    RequestIn,
    RequestListQuery,
    RequestOut,
    RequestPage,
    ReviewIn,
    ReviewOut,
)
from app.services import request_actions as actions
from app.services import requests as service
from app.services import reviews

bp = ApiBlueprint("market_requests", __name__, tag="marketplace", url_prefix="/api")

MOVE_ERRORS = (401, 403, 404, 409)


@bp.route_spec("/requests", "POST", body=RequestIn, response=RequestOut, status=201, errors=(401, 422))
def create_request(body: RequestIn):
    """Post a request to a category, or straight to a master or a service."""
    return service.create_request(g.user.id, body.model_dump())


@bp.route_spec("/requests", "GET", query=RequestListQuery, response=RequestPage, errors=(401, 422))
def list_requests(query: RequestListQuery):
    """My requests as customer (mine=1, default) or as executor (mine=0), newest first."""
    fn = service.list_mine if query.mine else service.list_taken
    items, next_cursor = fn(g.user.id, query.status, query.limit, query.before)
    return {"items": items, "next": next_cursor}


@bp.route_spec("/requests/feed", "GET", query=PageBefore, response=RequestPage, errors=(401, 403, 422))
def feed(query: PageBefore):
    """Open requests in my categories and those sent to me (masters), newest first."""
    items, next_cursor = service.feed(g.user.id, query.limit, query.before)
    return {"items": items, "next": next_cursor}


@bp.route_spec("/requests/<int:request_id>", "GET", response=RequestOut, errors=(401, 404))
def get_request(request_id: int):
    """One request."""
    return service.get_request(g.user.id, request_id)


@bp.route_spec("/requests/<int:request_id>", "DELETE", status=204, errors=MOVE_ERRORS)
def delete_request(request_id: int):
    """The author deletes an open request."""
    actions.delete(g.user.id, request_id)


@bp.route_spec(
    "/requests/<int:request_id>/offers", "POST", body=OfferIn, response=OfferOut, status=201, errors=MOVE_ERRORS
)
def make_offer(request_id: int, body: OfferIn):
    """A master answers a request with a message and a price."""
    return actions.make_offer(g.user.id, request_id, body.message, body.price)


@bp.route_spec("/requests/<int:request_id>/offers", "GET", response=OfferPage, errors=(401, 403, 404))
def list_offers(request_id: int):
    """The author sees every offer; a master sees their own."""
    return {"items": service.list_offers(g.user.id, request_id), "next": None}


@bp.route_spec("/offers/<int:offer_id>/accept", "POST", response=AcceptOut, errors=MOVE_ERRORS)
def accept_offer(offer_id: int):
    """The author accepts an offer: the request becomes active and the order chat opens."""
    return actions.accept_offer(g.user.id, offer_id)


@bp.route_spec("/offers/<int:offer_id>/reject", "POST", response=OfferOut, errors=MOVE_ERRORS)
def reject_offer(offer_id: int):
    """The author rejects an offer."""
    return actions.reject_offer(g.user.id, offer_id)


@bp.route_spec("/offers/<int:offer_id>", "DELETE", status=204, errors=MOVE_ERRORS)
def withdraw_offer(offer_id: int):
    """A master withdraws their offer."""
    actions.withdraw_offer(g.user.id, offer_id)


@bp.route_spec("/requests/<int:request_id>/accept", "POST", response=AcceptOut, errors=MOVE_ERRORS)
def accept_direct(request_id: int):
    """The master a request was sent to takes it."""
    return actions.accept_direct(g.user.id, request_id)


@bp.route_spec("/requests/<int:request_id>/decline", "POST", response=RequestOut, errors=MOVE_ERRORS)
def decline_direct(request_id: int):
    """The master a request was sent to turns it down."""
    return actions.decline_direct(g.user.id, request_id)


@bp.route_spec("/requests/<int:request_id>/complete", "POST", response=RequestOut, errors=MOVE_ERRORS)
def complete(request_id: int):
    """The customer marks an active request completed."""
    return actions.complete(g.user.id, request_id)


@bp.route_spec("/requests/<int:request_id>/refuse-executor", "POST", response=RequestOut, errors=MOVE_ERRORS)
def refuse_executor(request_id: int):
    """The customer refuses the executor; the request is open again."""
    return actions.refuse_executor(g.user.id, request_id)


@bp.route_spec("/requests/<int:request_id>/cancel", "POST", response=RequestOut, errors=MOVE_ERRORS)
def cancel(request_id: int):
    """The customer cancels an open or active request."""
    return actions.cancel(g.user.id, request_id)


@bp.route_spec(
    "/requests/<int:request_id>/review", "POST", body=ReviewIn, response=ReviewOut, status=201, errors=MOVE_ERRORS
)
def review(request_id: int, body: ReviewIn):
    """The customer reviews a completed request, once."""
    return reviews.add_review(g.user.id, request_id, body.rating, body.text)
