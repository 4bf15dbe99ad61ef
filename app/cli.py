"""Flask CLI commands (`flask --app wsgi:app <command>`)."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Attach the project's CLI commands to the app."""
