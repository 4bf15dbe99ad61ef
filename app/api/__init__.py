"""REST blueprints, all under /api."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Import and register every REST blueprint."""
    from app.api import auth, docs, media, users

    for module in (auth, users, docs, media):
        app.register_blueprint(module.bp)
