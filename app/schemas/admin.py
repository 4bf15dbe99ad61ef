"""Site administration: request and response schemas of /api/admin."""

from __future__ import annotations

from typing import Any

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
