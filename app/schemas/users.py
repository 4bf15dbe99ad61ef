"""Profile schemas."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, EmailStr, Field, StringConstraints

from app.schemas.common import Model


class UserOut(BaseModel):
    """A profile as the contract shows it; phone, birth_date and email only to the owner."""

    id: int
    username: str
    display_name: str
    avatar_url: str | None
    bio: str
    city: str
    telegram: str
    created_at: str
    is_master: bool
    online: bool | None = Field(None, description="null unless the viewer may see it: themself and chat partners")
    email: str | None = None
    phone: str | None = None
    birth_date: str | None = None
    locale: Literal["ru", "en"] | None = Field(
        None, description="owner only: the interface and mail language; null follows the browser"
    )
    share_listening: bool | None = None  # music: only to the owner
    is_admin: bool | None = Field(None, description="owner only: a site admin (the menu links the admin page)")


class UserBrief(BaseModel):
    id: int
    username: str
    display_name: str
    avatar_url: str | None


class ProfilePatch(Model):
    """Fields a user may change on their own profile; absent fields are left alone."""

    display_name: str | None = Field(None, max_length=64)
    bio: str | None = Field(None, max_length=2000)
    city: str | None = Field(
        None, max_length=64, description="any city: a listed one in either language is stored as its name_ru"
    )
    locale: Literal["ru", "en"] | None = Field(None, description="null: follow the browser's language")
    telegram: Annotated[str, StringConstraints(max_length=64, pattern=r"^@?[A-Za-z0-9_]{0,32}$")] | None = None
    phone: Annotated[str, StringConstraints(max_length=32, pattern=r"^[+0-9 ()-]{0,32}$")] | None = None
    birth_date: date | None = None
    username: Annotated[str, StringConstraints(min_length=3, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")] | None = None
    email: EmailStr | None = Field(None, max_length=254)  # needs current_password; confirmed by mail
    current_password: str | None = Field(None, max_length=1024)
    share_listening: bool | None = Field(None, description="music: others may see what I play")


class EmailConfirmIn(Model):
    """The token from the link mailed to the new address."""

    token: str = Field(min_length=1, max_length=2048)


class UserSearchQuery(Model):
    """The directory: no q lists everyone newest first (`before`); q's words match in any order (`after`)."""

    q: str = Field("", max_length=100)
    city: str = Field("", max_length=64)
    limit: int = Field(50, ge=1, le=200)  # the contract's default for every list
    after: int | None = Field(None, ge=0, le=2**53)
    before: int | None = Field(None, ge=0, le=2**53)


class UserPage(BaseModel):
    items: list[UserOut]
    next: int | None
