"""Shared schema pieces and the one validate() that turns pydantic errors into ours."""

from __future__ import annotations

from typing import Any, Literal, TypeVar

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from app.errors import ValidationError

M = TypeVar("M", bound=BaseModel)


class Model(BaseModel):
    """Base for input schemas: strips whitespace, ignores unknown keys."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")


def validate(schema: type[M], data: Any) -> M:
    """Validate `data` against `schema`, raising our ValidationError with per-field details."""
    if not isinstance(data, dict):
        raise ValidationError("Expected a JSON object.", {"body": "must be an object"})
    try:
        return schema.model_validate(data)
    except pydantic.ValidationError as exc:
        fields: dict[str, str] = {}
        for err in exc.errors(include_url=False, include_input=False):
            loc = ".".join(str(part) for part in err["loc"]) or "body"
            fields.setdefault(loc, err["msg"])
        first = next(iter(fields.items()))
        raise ValidationError(f"{first[0]}: {first[1]}", {"fields": fields}) from None


class ErrorObject(BaseModel):
    code: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorEnvelope(BaseModel):
    """The contract's error shape."""

    error: ErrorObject


class OkAck(BaseModel):
    """A socket event's acknowledgement when it carries nothing more."""

    model_config = ConfigDict(extra="forbid")
    ok: Literal[True]


class ErrorAck(BaseModel):
    """A socket event's acknowledgement when it failed: the contract's error object."""

    model_config = ConfigDict(extra="forbid")
    ok: Literal[False]
    error: ErrorObject


class PageQuery(Model):
    """Pagination: limit (1..200, default 50) and a before/after cursor."""

    limit: int = Field(50, ge=1, le=200)
    before: int | None = Field(None, ge=0)
    after: int | None = Field(None, ge=0)
