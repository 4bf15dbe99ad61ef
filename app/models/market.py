"""Marketplace: categories, cities, master cards, services, requests, offers, reviews.

Counters that a card shows (rating, review count, completed orders) live in the card's
row and are moved in the same transaction as the event that changes them, so viewing a
card or sorting the catalogue never scans reviews or requests.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Column, Float, ForeignKey, Index, Integer, String, Table, Text, text
from sqlalchemy.orm import Mapped, mapped_column, validates

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

# Spaces, hyphens and dashes, dots, apostrophes: "Rostov-on-Don", "rostov on don" and "RostovOnDon" are one key.
_CITY_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015_.'\u2019`]+")


def city_key(name: str) -> str:
    """A city's spelling folded for comparison: case, yo/ye, spaces, hyphens and dots do not count."""
    folded = unicodedata.normalize("NFKC", name or "").casefold().replace("\u0451", "\u0435")
    return _CITY_SEPARATORS.sub("", folded)[:64]


class City(db.Model):
    """A city from the reference list: its Russian name (`name`, the canonical spelling) and English one."""

    __tablename__ = "cities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    name_en: Mapped[str] = mapped_column(String(64), default="", server_default="")


class Category(db.Model):
    """A node of the category tree (repairs > plumbing ...)."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))  # Russian
    name_en: Mapped[str] = mapped_column(String(64), default="", server_default="")  # '' falls back to name
    slug: Mapped[str] = mapped_column(String(64), unique=True)


master_categories = Table(
    "master_categories",
    db.metadata,
    Column("master_id", Integer, ForeignKey("masters.user_id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", Integer, ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_master_categories_category", "category_id", "master_id"),
)


def _city_key_default(context: Any) -> str:
    # Core inserts (the market seeder's executemany) fill city_key from the row's city.
    return city_key(context.get_current_parameters().get("city") or "")


class Master(db.Model):
    """A master card: one per user; `rating` is rating_sum / rating_count kept in the row."""

    __tablename__ = "masters"
    __table_args__ = (
        Index("ix_masters_rating", "rating", "rating_count", "user_id"),
        Index("ix_masters_city_key_rating", "city_key", "rating", "rating_count", "user_id"),
        Index("ix_masters_price", "price_from", "user_id"),
        Index("ix_masters_created", "created_at", "user_id"),
        CheckConstraint("price_from IS NULL OR price_from >= 0", name="ck_masters_price_from"),
        CheckConstraint("price_to IS NULL OR price_to >= 0", name="ck_masters_price_to"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    about: Mapped[str] = mapped_column(Text, default="")
    city: Mapped[str] = mapped_column(String(64), default="")
    # city_key(city), kept by the model: the catalogue's city filter compares keys, so "KAZAN" finds "Казань"
    # (canonicalised to the reference spelling on save) and "berlin" finds "Berlin" (kept as typed).
    city_key: Mapped[str] = mapped_column(String(64), default=_city_key_default, server_default="")
    price_from: Mapped[int | None] = mapped_column(Integer, nullable=True)
    price_to: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rating: Mapped[float] = mapped_column(Float, default=0.0)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    rating_count: Mapped[int] = mapped_column(Integer, default=0)
    completed_orders: Mapped[int] = mapped_column(Integer, default=0)
    # lower-cased name, about and service titles: what `q` matches (SQLite's lower() is ASCII-only)
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @validates("city")
    def _keep_city_key(self, _attr: str, value: str) -> str:
        self.city_key = city_key(value)
        return value


class Service(db.Model):
    """One thing a master offers: a lecture, a lesson, a repair."""

    __tablename__ = "services"
    __table_args__ = (
        Index("ix_services_master", "master_id", "id"),
        Index("ix_services_category", "category_id", "id"),
        CheckConstraint("price IS NULL OR price >= 0", name="ck_services_price"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    master_id: Mapped[int] = mapped_column(ForeignKey("masters.user_id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    rating_count: Mapped[int] = mapped_column(Integer, default=0)
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Request(db.Model):
    """A customer's request (заявка): to a category, or straight to one master (master_id)."""

    __tablename__ = "requests"
    __table_args__ = (
        Index("ix_requests_feed", "status", "category_id", "id"),
        Index("ix_requests_customer", "customer_id", "id"),
        Index("ix_requests_master", "master_id", "status"),
        Index("ix_requests_executor", "executor_id", "status"),
        CheckConstraint("budget IS NULL OR budget >= 0", name="ck_requests_budget"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    budget: Mapped[int | None] = mapped_column(Integer, nullable=True)
    city: Mapped[str] = mapped_column(String(64), default="")
    master_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id", ondelete="SET NULL"), nullable=True)
    executor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    chat_id: Mapped[int | None] = mapped_column(ForeignKey("chats.id", ondelete="SET NULL"), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Offer(db.Model):
    """A master's answer to a request; at most one `live` offer per master per request."""

    __tablename__ = "offers"
    __table_args__ = (
        Index("ix_offers_request", "request_id", "id"),
        Index("ix_offers_master", "master_id", "id"),
        Index(
            "uq_offers_live",
            "request_id",
            "master_id",
            unique=True,
            sqlite_where=text("status = 'live'"),
            postgresql_where=text("status = 'live'"),
        ),
        CheckConstraint("price IS NULL OR price >= 0", name="ck_offers_price"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    master_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="live")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Review(db.Model):
    """The customer's review of a completed request: one per request."""

    __tablename__ = "reviews"
    __table_args__ = (
        Index("ix_reviews_master", "master_id", "id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="ck_reviews_rating"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), unique=True)
    master_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id", ondelete="SET NULL"), nullable=True)
    rating: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
