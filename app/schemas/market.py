"""Marketplace schemas: REST bodies and queries, response shapes, server event payloads."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, Strict, model_validator

from app.schemas.chats import ChatOut
from app.schemas.common import Model
from app.schemas.users import UserBrief

# JSON bodies take real numbers only: "5" or true for an integer is a 422, not a silent cast
Int = Annotated[int, Strict()]
# Whole units of the server's CURRENCY (default RUB; OpenAPI info.x-currency), never a fraction.
MONEY = "whole units of the server's CURRENCY (default RUB)"
Price = Field(None, ge=0, le=100_000_000, description=MONEY)


# ---- reference data -------------------------------------------------------------------------


class CityOut(BaseModel):
    """A reference city: `name` in the request's language, and both spellings. Profiles, cards and requests
    store a listed city as its `name_ru` (the canonical spelling), any other city as typed."""

    id: int
    name: str = Field(description="in the request's language (the user's locale, else Accept-Language, else ru)")
    name_ru: str
    name_en: str


class CityList(BaseModel):
    items: list[CityOut]
    next: int | None = None


class CityQuery(Model):
    q: str = Field("", max_length=64, description="any part of a name in either language (Kazan, казань, ...)")


class CategoryOut(BaseModel):
    id: int
    parent_id: int | None
    name: str = Field(description="in the request's language (the user's locale, else Accept-Language, else ru)")
    name_ru: str
    name_en: str
    slug: str
    children: list[CategoryOut] = Field(default_factory=list)


class CategoryTree(BaseModel):
    items: list[CategoryOut]
    next: int | None = None


# ---- master cards and services --------------------------------------------------------------


class MasterIn(Model):
    """A new master card."""

    category_ids: list[Int] = Field(..., min_length=1, max_length=20)
    about: str = Field("", max_length=4000)
    city: str | None = Field(None, max_length=64)
    price_from: Int | None = Price
    price_to: Int | None = Price

    @model_validator(mode="after")
    def _range(self) -> MasterIn:
        if self.price_from is not None and self.price_to is not None and self.price_from > self.price_to:
            raise ValueError("price_from must not exceed price_to")
        return self


class MasterPatch(Model):
    """Changes to my master card; absent fields are left alone."""

    category_ids: list[Int] | None = Field(None, min_length=1, max_length=20)
    about: str | None = Field(None, max_length=4000)
    city: str | None = Field(None, max_length=64)
    price_from: Int | None = Price
    price_to: Int | None = Price


class ServiceIn(Model):
    title: str = Field(..., min_length=1, max_length=120)
    category_id: Int
    price: Int | None = Price
    description: str = Field("", max_length=4000)


class ServicePatch(Model):
    title: str | None = Field(None, min_length=1, max_length=120)
    category_id: Int | None = None
    price: Int | None = Price
    description: str | None = Field(None, max_length=4000)


class ServiceOut(BaseModel):
    id: int
    master_id: int
    category_id: int
    title: str
    description: str
    price: int | None = Field(..., description=MONEY)
    rating: float | None
    rating_count: int
    created_at: str


class ReviewOut(BaseModel):
    id: int
    request_id: int
    master_id: int
    service_id: int | None
    customer: UserBrief
    rating: int
    text: str
    created_at: str


class MasterShort(BaseModel):
    """A card as the catalogue lists it."""

    user: UserBrief
    about: str
    city: str
    price_from: int | None = Field(..., description=MONEY)
    price_to: int | None = Field(..., description=MONEY)
    category_ids: list[int]
    rating: float | None
    rating_count: int
    completed_orders: int
    created_at: str


class MasterFull(MasterShort):
    """The full card: services, review count, recent reviews."""

    review_count: int
    services: list[ServiceOut]
    recent_reviews: list[ReviewOut]


class _Query(Model):
    """A query string: an empty parameter (`?city=&category=`, as HTML forms send) means not given."""

    @model_validator(mode="before")
    @classmethod
    def _drop_empty(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v != ""}
        return data


class MasterQuery(_Query):
    category: int | None = None
    city: str | None = Field(None, max_length=64)
    q: str = Field("", max_length=100)
    min_rating: float | None = Field(None, ge=0, le=5)
    min_price: int | None = Field(None, ge=0)
    max_price: int | None = Field(None, ge=0)
    sort: Literal["rating", "price", "new"] = "rating"
    limit: int = Field(50, ge=1, le=200)
    cursor: int | None = Field(None, ge=0, le=1_000_000)


class MasterPage(BaseModel):
    items: list[MasterShort]
    next: int | None


class ServiceQuery(_Query):
    category: int | None = None
    master_id: int | None = None
    q: str = Field("", max_length=100)
    city: str | None = Field(None, max_length=64, description="the master's city")
    min_rating: float | None = Field(None, ge=0, le=5, description="the service's own average rating")
    min_price: int | None = Field(None, ge=0)
    max_price: int | None = Field(None, ge=0)
    sort: Literal["new", "rating", "price"] = "new"
    limit: int = Field(50, ge=1, le=200)
    cursor: int | None = Field(None, ge=0, le=1_000_000)


class ServicePage(BaseModel):
    items: list[ServiceOut]
    next: int | None


class ReviewPage(BaseModel):
    items: list[ReviewOut]
    next: int | None


class PageBefore(Model):
    limit: int = Field(50, ge=1, le=200)
    before: int | None = Field(None, ge=0)


# ---- requests and offers --------------------------------------------------------------------


class RequestIn(Model):
    """A new request: to a category, or straight to a master (master_id) or a service (service_id)."""

    category_id: Int | None = None
    title: str = Field(..., min_length=1, max_length=120)
    description: str = Field("", max_length=4000)
    budget: Int | None = Price
    city: str | None = Field(None, max_length=64)
    master_id: Int | None = None
    service_id: Int | None = None

    @model_validator(mode="after")
    def _target(self) -> RequestIn:
        if self.category_id is None and self.service_id is None:
            raise ValueError("category_id is required unless service_id is given")
        return self


class RequestOut(BaseModel):
    id: int
    customer: UserBrief
    category_id: int
    title: str
    description: str
    budget: int | None = Field(..., description=MONEY)
    city: str
    master_id: int | None
    service_id: int | None
    executor_id: int | None
    chat_id: int | None
    status: str
    offers_count: int
    reviewed: bool
    created_at: str
    updated_at: str
    my_offer: OfferOut | None = Field(None, description="in the feed (GET /api/requests/feed): my live offer, if any")


class RequestListQuery(Model):
    mine: int = Field(1, ge=0, le=1)
    status: Literal["open", "active", "completed", "cancelled", "declined"] | None = None
    limit: int = Field(50, ge=1, le=200)
    before: int | None = Field(None, ge=0)


class RequestPage(BaseModel):
    items: list[RequestOut]
    next: int | None


class OfferIn(Model):
    message: str = Field(..., min_length=1, max_length=4000)
    price: Int | None = Price


class OfferOut(BaseModel):
    id: int
    request_id: int
    master: UserBrief
    message: str
    price: int | None = Field(..., description=MONEY)
    status: str
    created_at: str


class OfferPage(BaseModel):
    items: list[OfferOut]
    next: int | None


class AcceptOut(BaseModel):
    request: RequestOut
    chat: ChatOut | None = Field(description="the order chat as I see it, with its `order`")


class ReviewIn(Model):
    rating: Int = Field(..., ge=1, le=5)
    text: str = Field("", max_length=4000)


# ---- stats -----------------------------------------------------------------------------------


class StatsOut(BaseModel):
    completed_orders: int
    masters: int
    open_requests: int


class CustomerStats(BaseModel):
    requests: int
    completed: int
    reviews_written: int


class MasterStats(BaseModel):
    is_master: bool
    completed_orders: int
    rating: float | None
    rating_count: int
    services: int


class UserStatsOut(BaseModel):
    user_id: int
    as_customer: CustomerStats
    as_master: MasterStats
    average_rating: float | None


# ---- notifications ---------------------------------------------------------------------------

# NotificationOut (one payload model per kind) and NotificationPage: app/events/notifications.py


class NotificationQuery(Model):
    unread: int = Field(0, ge=0, le=1)
    limit: int = Field(50, ge=1, le=200)
    before: int | None = Field(None, ge=0)


class MarkReadIn(Model):
    ids: list[Int] | None = Field(None, max_length=500)
    all: Annotated[bool, Strict()] = False

    @model_validator(mode="after")
    def _one(self) -> MarkReadIn:
        if not self.all and not self.ids:
            raise ValueError("send ids or all: true")
        return self


class UnreadOut(BaseModel):
    unread: int
