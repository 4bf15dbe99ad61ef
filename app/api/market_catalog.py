"""Marketplace catalogue routes: categories, cities, master cards, services."""

from __future__ import annotations

from flask import g

from app.api.base import ApiBlueprint
from app.i18n import request_locale
from app.schemas.market import (
    CategoryTree,
    CityList,
    CityQuery,
    MasterFull,
    MasterIn,
    MasterPage,
    MasterPatch,
    MasterQuery,
    PageBefore,
    ReviewPage,
    ServiceIn,
    ServiceOut,
    ServicePage,
    ServicePatch,
    ServiceQuery,
)
from app.services import catalog, reference, reviews

bp = ApiBlueprint("market_catalog", __name__, tag="marketplace", url_prefix="/api")


@bp.route_spec("/categories", "GET", response=CategoryTree, auth=False)
def categories():
    """The category tree, named in both languages and (`name`) in the request's."""
    return {"items": reference.category_tree(request_locale()), "next": None}


@bp.route_spec("/cities", "GET", query=CityQuery, response=CityList, auth=False, errors=(422,))
def cities(query: CityQuery):
    """The reference list of cities, suggested for q typed in either language (a city outside it is allowed)."""
    return {"items": reference.cities(query.q, request_locale()), "next": None}


@bp.route_spec("/masters", "POST", body=MasterIn, response=MasterFull, status=201, errors=(401, 409, 422))
def create_master(body: MasterIn):
    """Open my master card."""
    return catalog.create_master(g.user.id, body.model_dump())


@bp.route_spec("/masters/me", "PATCH", body=MasterPatch, response=MasterFull, errors=(401, 404, 422))
def edit_master(body: MasterPatch):
    """Edit my master card; only the fields sent change."""
    return catalog.update_master(g.user.id, body.model_dump(exclude_unset=True))


@bp.route_spec("/masters/<int:master_id>", "GET", response=MasterFull, auth=False, errors=(404,))
def get_master(master_id: int):
    """A master's full card: services, rating, review count, completed orders, recent reviews."""
    return catalog.master_card(master_id)


@bp.route_spec("/masters", "GET", query=MasterQuery, response=MasterPage, auth=False, errors=(422,))
def list_masters(query: MasterQuery):
    """The catalogue of masters, short cards; `next` is the cursor of the next page."""
    items, next_cursor = catalog.list_masters(**query.model_dump())
    return {"items": items, "next": next_cursor}


@bp.route_spec(
    "/masters/<int:master_id>/reviews", "GET", query=PageBefore, response=ReviewPage, auth=False, errors=(404,)
)
def master_reviews(master_id: int, query: PageBefore):
    """A master's reviews, newest first."""
    items, next_cursor = reviews.master_reviews(master_id, query.limit, query.before)
    return {"items": items, "next": next_cursor}


@bp.route_spec("/masters/me/services", "POST", body=ServiceIn, response=ServiceOut, status=201, errors=(401, 404, 422))
def add_service(body: ServiceIn):
    """Add a service (a lecture, a lesson, a repair) to my card."""
    return catalog.add_service(g.user.id, body.model_dump())


@bp.route_spec("/services/<int:service_id>", "PATCH", body=ServicePatch, response=ServiceOut, errors=(401, 403, 404))
def edit_service(service_id: int, body: ServicePatch):
    """Edit one of my services."""
    return catalog.update_service(g.user.id, service_id, body.model_dump(exclude_unset=True))


@bp.route_spec("/services/<int:service_id>", "DELETE", status=204, errors=(401, 403, 404))
def delete_service(service_id: int):
    """Remove one of my services."""
    catalog.delete_service(g.user.id, service_id)


@bp.route_spec("/services/<int:service_id>", "GET", response=ServiceOut, auth=False, errors=(404,))
def get_service(service_id: int):
    """One service."""
    return catalog.service_out(catalog.get_service(service_id))


@bp.route_spec("/services", "GET", query=ServiceQuery, response=ServicePage, auth=False, errors=(422,))
def list_services(query: ServiceQuery):
    """The catalogue of services: category (with subcategories), master, text, city, rating, price; sorted."""
    items, next_cursor = catalog.list_services(**query.model_dump())
    return {"items": items, "next": next_cursor}
