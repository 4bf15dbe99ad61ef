"""Pydantic schemas: one schema validates REST bodies and socket payloads alike, and feeds OpenAPI."""

from app.schemas.common import Model, validate

__all__ = ["Model", "validate"]
