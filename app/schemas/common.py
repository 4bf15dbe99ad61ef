"""Shared schema pieces and the one validate() that turns pydantic errors into ours."""

from __future__ import annotations

import re
from typing import Any, Literal, TypeVar

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from app.errors import ValidationError, field_problem

M = TypeVar("M", bound=BaseModel)


class Model(BaseModel):
    """Base for input schemas: strips whitespace, ignores unknown keys."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")


def validate(schema: type[M], data: Any) -> M:
    """Validate `data` against `schema`, raising our ValidationError with per-field details:
    `details.fields[field] = {code, message, ...params}` (see field_problem_from_pydantic)."""
    if not isinstance(data, dict):
        raise ValidationError.field("body", "not_an_object", "The request body must be a JSON object.")
    try:
        return schema.model_validate(data)
    except pydantic.ValidationError as exc:
        fields: dict[str, dict[str, Any]] = {}
        for err in exc.errors(include_url=False, include_input=False):
            loc = ".".join(str(part) for part in err["loc"]) or "body"
            fields.setdefault(loc, field_problem_from_pydantic(err))
        raise ValidationError(None, {"fields": fields}) from None


def _sentence(text: str) -> str:
    """Pydantic's message as a sentence: no "Value error, " prefix, a capital (unless it starts with a field
    name such as price_from) and a full stop."""
    text = text.removeprefix("Value error, ").removeprefix("Assertion failed, ").strip()
    first = text.split(" ", 1)[0]
    if text and "_" not in first:
        text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _choices(expected: str) -> list[str]:
    return re.findall(r"'([^']*)'", expected) or [expected]


_NUMBER = {"int_parsing", "int_type", "float_parsing", "float_type", "decimal_parsing", "decimal_type", "finite_number"}
_DATE = {"date_parsing", "date_type", "date_from_datetime_parsing", "date_from_datetime_inexact", "date_past",
         "date_future", "datetime_parsing", "datetime_type", "datetime_from_date_parsing"}  # fmt: skip
_PLAIN = {
    "missing": ("required", "Required."),
    "int_from_float": ("not_an_integer", "Must be a whole number."),
    "bool_type": ("not_a_boolean", "Must be true or false."),
    "bool_parsing": ("not_a_boolean", "Must be true or false."),
    "string_type": ("not_a_string", "Must be text."),
    "string_unicode": ("not_a_string", "Must be text."),
    "list_type": ("not_a_list", "Must be a list."),
    "dict_type": ("not_an_object", "Must be an object."),
    "model_type": ("not_an_object", "Must be an object."),
    "model_attributes_type": ("not_an_object", "Must be an object."),
    "string_pattern_mismatch": ("invalid_format", "Contains characters that are not allowed here."),
    "url_parsing": ("invalid_url", "Must be a URL."),
    "url_type": ("invalid_url", "Must be a URL."),
    "url_scheme": ("invalid_url", "Must be an http or https URL."),
}


def field_problem_from_pydantic(err: Any) -> dict[str, Any]:
    """One pydantic error as `{code, message, ...params}`: a stable code a client can translate, with its
    numbers (min_length, max_length, unit, min, max, choices), and a plain English sentence."""
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind in _PLAIN:
        return field_problem(*_PLAIN[kind])
    if kind == "string_too_short":
        n = ctx.get("min_length", 1)
        if n <= 1:
            return field_problem("required", "Required.")
        return field_problem("too_short", f"Must be at least {n} characters.", min_length=n, unit="characters")
    if kind == "string_too_long":
        n = ctx.get("max_length")
        return field_problem("too_long", f"Must be at most {n} characters.", max_length=n, unit="characters")
    if kind in ("too_short", "too_long") and "unit" in ctx:  # ours (PydanticCustomError), already said well
        return field_problem(kind, err["msg"], **{k: v for k, v in ctx.items() if _plain(v)})
    if kind == "too_short":
        n = ctx.get("min_length", 1)
        return field_problem("too_short", f"Must have at least {n} item{'s' if n != 1 else ''}.", min_length=n,
                             unit="items")  # fmt: skip
    if kind == "too_long":
        n = ctx.get("max_length")
        return field_problem("too_long", f"Must have at most {n} items.", max_length=n, unit="items")
    if kind in _NUMBER:
        return field_problem("not_a_number", "Must be a number.")
    if kind in _DATE:
        return field_problem("invalid_date", "Must be a date such as 2001-12-31.")
    if kind == "greater_than_equal":
        return field_problem("out_of_range", f"Must be at least {ctx['ge']}.", min=ctx["ge"])
    if kind == "less_than_equal":
        return field_problem("out_of_range", f"Must be at most {ctx['le']}.", max=ctx["le"])
    if kind == "greater_than":
        return field_problem("out_of_range", f"Must be greater than {ctx['gt']}.", greater_than=ctx["gt"])
    if kind == "less_than":
        return field_problem("out_of_range", f"Must be less than {ctx['lt']}.", less_than=ctx["lt"])
    if kind in ("literal_error", "enum"):
        choices = _choices(str(ctx.get("expected", "")))
        return field_problem("invalid_choice", "Must be one of: " + ", ".join(choices) + ".", choices=choices)
    if kind == "value_error" and "email" in err["msg"].lower():
        return field_problem("invalid_email", "Must be an email address such as ann@example.com.")
    if kind in ("value_error", "assertion_error"):
        return field_problem("invalid", _sentence(err["msg"]))
    # A PydanticCustomError raised by one of our validators: its type is already our code.
    return field_problem(kind, _sentence(err["msg"]), **{k: v for k, v in ctx.items() if _plain(v)})


def _plain(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) or value is None


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
