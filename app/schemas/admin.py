"""Site administration: request and response schemas of /api/admin."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from app.schemas.common import Model


class AdminUserQuery(Model):
    q: str = Field("", max_length=100)
    limit: int = Field(50, ge=1, le=200)
    before: int | None = Field(None, ge=0)


class AdminUserOut(BaseModel):
    id: int
    username: str
    email: str
    display_name: str
    avatar_url: str | None
    is_admin: bool
    is_master: bool
    banned: bool
    banned_reason: str | None
    deleted: bool
    created_at: str


class AdminUserPage(BaseModel):
    items: list[AdminUserOut]
    next: int | None


class BanIn(Model):
    reason: str = Field("", max_length=200)


class RevokedOut(BaseModel):
    revoked: int


class AuditQuery(Model):
    limit: int = Field(50, ge=1, le=200)
    before: int | None = Field(None, ge=0)
    user_id: int | None = Field(None, ge=0)


class AuditOut(BaseModel):
    id: int
    actor: str
    actor_id: int | None
    action: str
    target_id: int | None
    details: dict[str, Any]
    created_at: str


class AuditPage(BaseModel):
    items: list[AuditOut]
    next: int | None


class ReportsQuery(Model):
    status: Literal["open", "resolved", "dismissed", "all"] = "open"
    limit: int = Field(50, ge=1, le=200)
    before: int | None = Field(None, ge=0)


class ReportedUser(BaseModel):
    id: int
    username: str
    display_name: str
    avatar_url: str | None
    banned: bool = False


class ReportedContent(BaseModel):
    text: str = Field(description="the post's or comment's text; for a user, their name and bio")
    images: int = 0
    post_id: int | None = None
    community: str | None = None


class ReportQueueItem(BaseModel):
    id: int
    target_type: str
    target_id: int
    reason: str
    details: str | None
    status: str
    created_at: str
    resolved_at: str | None
    reporter: ReportedUser | None
    author: ReportedUser | None = Field(description="who wrote the reported content (the user, for a user report)")
    content: ReportedContent | None = Field(description="null when the content is gone")


class ReportQueuePage(BaseModel):
    items: list[ReportQueueItem]
    next: int | None


class ReportActionIn(Model):
    reason: str = Field("", max_length=200)
