"""Marketplace: categories, cities, master cards, services, requests, offers, reviews.

Counters that a card shows (rating, review count, completed orders) live in the card's
row and are moved in the same transaction as the event that changes them, so viewing a
card or sorting the catalogue never scans reviews or requests.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Float, ForeignKey, Index, Integer, String, Table, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class City(db.Model):
    """A city from the reference list used by cards and requests."""

    __tablename__ = "cities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)


class Category(db.Model):
    """A node of the category tree (repairs > plumbing ...)."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    slug: Mapped[str] = mapped_column(String(64), unique=True)


master_categories = Table(
    "master_categories",
    db.metadata,
    Column("master_id", Integer, ForeignKey("masters.user_id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", Integer, ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_master_categories_category", "category_id", "master_id"),
)


class Master(db.Model):
    """A master card: one per user; `rating` is rating_sum / rating_count kept in the row."""

    __tablename__ = "masters"
    __table_args__ = (
        Index("ix_masters_rating", "rating", "rating_count", "user_id"),
        Index("ix_masters_city_rating", "city", "rating", "rating_count", "user_id"),
        Index("ix_masters_price", "price_from", "user_id"),
        Index("ix_masters_created", "created_at", "user_id"),
        CheckConstraint("price_from IS NULL OR price_from >= 0", name="ck_masters_price_from"),
        CheckConstraint("price_to IS NULL OR price_to >= 0", name="ck_masters_price_to"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    about: Mapped[str] = mapped_column(Text, default="")
    city: Mapped[str] = mapped_column(String(64), default="")
    price_from: Mapped[int | None] = mapped_column(Integer, nullable=True)
    price_to: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rating: Mapped[float] = mapped_column(Float, default=0.0)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    rating_count: Mapped[int] = mapped_column(Integer, default=0)
    completed_orders: Mapped[int] = mapped_column(Integer, default=0)
    # lower-cased name, about and service titles: what `q` matches (SQLite's lower() is ASCII-only)
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


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
