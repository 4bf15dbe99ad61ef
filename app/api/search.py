"""Search route."""

from __future__ import annotations

from flask import g

from app.api.base import ApiBlueprint
from app.schemas.chats import SearchOut, SearchQuery
from app.services import search as service

bp = ApiBlueprint("search", __name__, tag="search", url_prefix="/api/search")


@bp.route_spec("", "GET", query=SearchQuery, response=SearchOut, errors=(401, 422))
def search(query: SearchQuery):
    """Chats, users and messages (only from my chats) matching q."""
    return service.search(g.user.id, query.q, query.limit)
