"""The two languages of the product (Russian, English): which one a request, or a mail, is in.

A signed-in user's `locale` wins (chosen in Settings, kept in the profile); a user who never chose
one (locale null) and an anonymous visitor get the browser's `Accept-Language`; Russian otherwise.
"""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context, request

from app.auth import authenticate_request
from app.errors import DomainError

LOCALES: tuple[str, ...] = ("ru", "en")
DEFAULT_LOCALE = "ru"


def supported(locale: str | None) -> str | None:
    """The locale if it is one of LOCALES, else None."""
    return locale if locale in LOCALES else None


def browser_locale() -> str:
    """The best of LOCALES for the request's Accept-Language ("en-GB,en;q=0.8" -> en), else ru."""
    if not has_request_context():
        return DEFAULT_LOCALE
    return request.accept_languages.best_match(LOCALES) or DEFAULT_LOCALE


def _request_user() -> Any:
    """The signed-in user, also on routes that do not require one (a bad token just means anonymous)."""
    if "i18n_user" not in g:
        user = None
        if request.headers.get("Authorization"):
            try:
                caller = getattr(g, "user", None)  # a route's checked caller; its row is loaded only here
                user = caller.load() if caller is not None else authenticate_request()[0]
            except DomainError:
                user = None
        g.i18n_user = user
    return g.i18n_user


def request_locale() -> str:
    """The request's language: the user's `locale`, else Accept-Language, else ru."""
    if not has_request_context():
        return DEFAULT_LOCALE
    user = _request_user()
    return supported(getattr(user, "locale", None)) or browser_locale()


def user_locale(user: Any, fallback: str | None = None) -> str:
    """The language to write to a user in (mail): theirs, else `fallback` (the browser's at request time)."""
    return supported(getattr(user, "locale", None)) or supported(fallback) or DEFAULT_LOCALE
