"""The catalogue: master cards and their services, filtered, sorted and paginated.

Counters a card shows (rating, review count, completed orders) are kept in the card's row
by the services that change them; nothing here scans reviews or requests.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, insert, select, update

from app.db import write_tx
from app.errors import Conflict, Forbidden, NotFound, ValidationError
from app.extensions import db
from app.models import User
from app.models.market import Category, Master, Review, Service, master_categories
from app.permissions import listed
from app.services.reference import check_categories, check_city, city_filter_key, with_descendants
from app.shapes.market import review_out, service_out, short_card

# ---- master cards ----------------------------------------------------------------------------


def _category_ids(master_ids: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {mid: [] for mid in master_ids}
    rows = db.session.execute(
        select(master_categories.c.master_id, master_categories.c.category_id)
        .where(master_categories.c.master_id.in_(master_ids))
        .order_by(master_categories.c.category_id)
    )
    for mid, cid in rows:
        out[mid].append(cid)
    return out


def recent_reviews(master_id: int, limit: int, before: int | None = None) -> tuple[list[dict[str, Any]], int | None]:
    """A master's reviews, newest first, paginated by id (`before`)."""
    stmt = (
        select(Review, User)
        .join(User, User.id == Review.customer_id)
        .where(Review.master_id == master_id)
        .order_by(Review.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        stmt = stmt.where(Review.id < before)
    rows = db.session.execute(stmt).all()
    next_cursor = rows[limit - 1][0].id if len(rows) > limit else None
    return [review_out(r, u) for r, u in rows[:limit]], next_cursor


def get_master(master_id: int) -> Master:
    """A master card by user id, or NotFound."""
    master = db.session.get(Master, master_id)
    user = db.session.get(User, master_id) if master is not None else None
    if master is None or user is None or user.banned_at is not None or user.deleted_at is not None:
        raise NotFound("No such master.")
    return master


def hidden_masters() -> tuple[Any, ...]:
    """WHERE clauses (on User) that leave out banned and deleted accounts' cards (app.permissions.listed)."""
    return (listed(),)


def master_card(master_id: int) -> dict[str, Any]:
    """The full card: short card plus services, review count and recent reviews."""
    master = get_master(master_id)
    user = db.session.get(User, master_id)
    services = db.session.scalars(select(Service).where(Service.master_id == master_id).order_by(Service.id))
    reviews, _ = recent_reviews(master_id, 5)
    return {
        **short_card(master, user, _category_ids([master_id])[master_id]),
        "about": master.about,
        "review_count": master.rating_count,
        "services": [service_out(s) for s in services],
        "recent_reviews": reviews,
    }


def _refresh_search_text(master: Master) -> None:
    user = db.session.get(User, master.user_id)
    titles = db.session.scalars(select(Service.title).where(Service.master_id == master.user_id))
    names = db.session.execute(
        select(Category.name, Category.name_en)
        .join(master_categories, master_categories.c.category_id == Category.id)
        .where(master_categories.c.master_id == master.user_id)
    ).all()
    # both languages' category names: "plumbing" finds a plumber as "сантехника" does
    parts = [user.username, user.display_name, master.about, *titles, *(n for pair in names for n in pair)]
    master.search_text = " ".join(p for p in parts if p).casefold()


def refresh_master_search(user_id: int) -> None:
    """Rebuild a master's catalogue search text (it holds their names) after their profile changed; no-op
    for a user without a card. Call inside the write transaction that changed the profile."""
    master = db.session.get(Master, user_id)
    if master is not None:
        _refresh_search_text(master)


def _set_categories(master_id: int, category_ids: list[int]) -> None:
    db.session.execute(delete(master_categories).where(master_categories.c.master_id == master_id))
    db.session.execute(
        insert(master_categories), [{"master_id": master_id, "category_id": cid} for cid in category_ids]
    )


def _check_range(price_from: int | None, price_to: int | None) -> None:
    if price_from is not None and price_to is not None and price_from > price_to:
        raise ValidationError.field(
            "price_to",
            "out_of_range",
            f"Must be at least price_from ({price_from}).",
            min=price_from,
            summary="price_from must not exceed price_to.",
        )


def create_master(user_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Open the user's master card (users.is_master becomes true); Conflict if they have one."""
    with write_tx():
        if db.session.get(Master, user_id) is not None:
            raise Conflict("You already have a master card.", code="master_exists")
        category_ids = check_categories(data["category_ids"])
        _check_range(data.get("price_from"), data.get("price_to"))
        master = Master(
            user_id=user_id,
            about=data.get("about") or "",
            city=check_city(data.get("city")),
            price_from=data.get("price_from"),
            price_to=data.get("price_to"),
        )
        db.session.add(master)
        db.session.flush()
        _set_categories(user_id, category_ids)
        db.session.execute(update(User).where(User.id == user_id).values(is_master=True))
        _refresh_search_text(master)
    return master_card(user_id)


def update_master(user_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Edit my master card; only the fields sent change. NotFound without a card."""
    with write_tx():
        master = get_master(user_id)
        if changes.get("category_ids") is not None:
            _set_categories(user_id, check_categories(changes["category_ids"]))
        if "city" in changes:
            master.city = check_city(changes["city"])
        if changes.get("about") is not None:
            master.about = changes["about"]
        for field in ("price_from", "price_to"):
            if field in changes:
                setattr(master, field, changes[field])
        _check_range(master.price_from, master.price_to)
        _refresh_search_text(master)
    return master_card(user_id)


def _like_words(column: Any, q: str) -> list[Any]:
    words = q.casefold().split()[:5]
    return [
        column.like("%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%", escape="\\")
        for w in words
    ]


def list_masters(
    category: int | None = None,
    city: str | None = None,
    q: str = "",
    min_rating: float | None = None,
    min_price: int | None = None,
    max_price: int | None = None,
    sort: str = "rating",
    limit: int = 50,
    cursor: int | None = None,
) -> tuple[list[dict[str, Any]], int | None]:
    """The catalogue of masters (short cards), filtered and sorted; `next` is the offset of the next page."""
    stmt = select(Master, User).join(User, User.id == Master.user_id).where(*hidden_masters())
    if category is not None:
        ids = with_descendants(category)
        stmt = stmt.where(
            Master.user_id.in_(select(master_categories.c.master_id).where(master_categories.c.category_id.in_(ids)))
        )
    if city:
        stmt = stmt.where(Master.city_key == city_filter_key(city))  # any spelling finds the city
    for clause in _like_words(Master.search_text, q):
        stmt = stmt.where(clause)
    if min_rating is not None:
        stmt = stmt.where(Master.rating >= min_rating)
    if min_price is not None:
        stmt = stmt.where(Master.price_from >= min_price)
    if max_price is not None:
        stmt = stmt.where(Master.price_from <= max_price)
    if sort == "price":
        stmt = stmt.order_by(Master.price_from.asc().nulls_last(), Master.user_id)
    elif sort == "new":
        stmt = stmt.order_by(Master.created_at.desc(), Master.user_id.desc())
    else:
        stmt = stmt.order_by(Master.rating.desc(), Master.rating_count.desc(), Master.user_id.desc())
    offset = cursor or 0
    rows = db.session.execute(stmt.offset(offset).limit(limit + 1)).all()
    page = rows[:limit]
    cats = _category_ids([m.user_id for m, _u in page])
    items = [short_card(m, u, cats[m.user_id]) for m, u in page]
    return items, (offset + limit if len(rows) > limit else None)


# ---- services --------------------------------------------------------------------------------


def _own_service(user_id: int, service_id: int) -> Service:
    service = db.session.get(Service, service_id)
    if service is None:
        raise NotFound("No such service.")
    if service.master_id != user_id:
        raise Forbidden("Only its master may change this service.")
    return service


def _service_search(s: Service) -> str:
    return f"{s.title} {s.description}".casefold()


def add_service(user_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Add a service to my card; NotFound (code no_master_card) without a card."""
    with write_tx():
        master = db.session.get(Master, user_id)
        if master is None:
            raise NotFound("Open a master card first.", code="no_master_card")
        check_categories([data["category_id"]], "category_id")
        service = Service(
            master_id=user_id,
            category_id=data["category_id"],
            title=data["title"],
            description=data.get("description") or "",
            price=data.get("price"),
        )
        service.search_text = _service_search(service)
        db.session.add(service)
        db.session.flush()
        _refresh_search_text(master)
        return service_out(service)


def update_service(user_id: int, service_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Edit one of my services; Forbidden for someone else's."""
    with write_tx():
        service = _own_service(user_id, service_id)
        if changes.get("category_id") is not None:
            check_categories([changes["category_id"]], "category_id")
            service.category_id = changes["category_id"]
        for field in ("title", "description"):
            if changes.get(field) is not None:
                setattr(service, field, changes[field])
        if "price" in changes:
            service.price = changes["price"]
        service.search_text = _service_search(service)
        _refresh_search_text(get_master(user_id))
        return service_out(service)


def delete_service(user_id: int, service_id: int) -> None:
    """Remove one of my services; Forbidden for someone else's."""
    with write_tx():
        service = _own_service(user_id, service_id)
        db.session.delete(service)
        db.session.flush()
        _refresh_search_text(get_master(user_id))


def get_service(service_id: int) -> Service:
    """A service by id, or NotFound."""
    service = db.session.get(Service, service_id)
    if service is None:
        raise NotFound("No such service.")
    return service


def list_services(
    category: int | None,
    master_id: int | None,
    q: str,
    limit: int,
    cursor: int | None,
    city: str | None = None,
    min_rating: float | None = None,
    min_price: int | None = None,
    max_price: int | None = None,
    sort: str = "new",
) -> tuple[list[dict[str, Any]], int | None]:
    """The catalogue of services: by category (with subcategories), master, text, the master's city, the
    service's own rating and its price; newest first, best rated or cheapest; offset pagination."""
    stmt = select(Service).where(Service.master_id.in_(select(User.id).where(*hidden_masters())))
    if category is not None:
        stmt = stmt.where(Service.category_id.in_(with_descendants(category)))
    if master_id is not None:
        stmt = stmt.where(Service.master_id == master_id)
    if city:
        stmt = stmt.join(Master, Master.user_id == Service.master_id).where(Master.city_key == city_filter_key(city))
    if min_rating is not None:
        stmt = stmt.where(Service.rating_count > 0, Service.rating_sum >= min_rating * Service.rating_count)
    if min_price is not None:
        stmt = stmt.where(Service.price >= min_price)
    if max_price is not None:
        stmt = stmt.where(Service.price <= max_price)
    for clause in _like_words(Service.search_text, q):
        stmt = stmt.where(clause)
    if sort == "price":
        stmt = stmt.order_by(Service.price.asc().nulls_last(), Service.id.desc())
    elif sort == "rating":
        average = Service.rating_sum * 1.0 / func.nullif(Service.rating_count, 0)
        stmt = stmt.order_by(average.desc().nulls_last(), Service.rating_count.desc(), Service.id.desc())
    else:
        stmt = stmt.order_by(Service.id.desc())
    offset = cursor or 0
    rows = list(db.session.scalars(stmt.offset(offset).limit(limit + 1)))
    return [service_out(s) for s in rows[:limit]], (offset + limit if len(rows) > limit else None)
