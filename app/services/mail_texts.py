# ruff: noqa: RUF001  (the Russian mails are meant to be Cyrillic beside the Latin product name)
"""The words of every mail, in Russian and English: subject and body, chosen by the reader's language.

A mail goes out in its reader's `locale` (app.i18n.user_locale); a user who never chose one gets the
language their browser asked for when the mail was triggered (Accept-Language), else Russian. A new
kind of mail adds one entry with both languages here and sends `render_mail(kind, locale, ...)`.
"""

from __future__ import annotations

from typing import Any

from app.i18n import DEFAULT_LOCALE, supported


def _minutes_ru(n: int) -> str:
    """'в течение N минут(ы)': the genitive after a number."""
    return f"{n} минуты" if n % 10 == 1 and n % 100 != 11 else f"{n} минут"


def _minutes_en(n: int) -> str:
    return f"{n} minute" if n == 1 else f"{n} minutes"


MAILS: dict[str, dict[str, tuple[str, str]]] = {
    "password_reset": {
        "ru": (
            "Сброс пароля в Masterchat",
            "Здравствуйте, {name}!\n\n"
            "Кто-то (надеемся, вы) попросил сбросить пароль в Masterchat.\n"
            "Откройте эту ссылку в течение {minutes_ru}, чтобы задать новый:\n\n{link}\n\n"
            "Если вы ничего не просили, просто не обращайте внимания на это письмо: пароль останется прежним.\n",
        ),
        "en": (
            "Reset your Masterchat password",
            "Hello {name},\n\n"
            "Someone (hopefully you) asked to reset your Masterchat password.\n"
            "Open this link within {minutes_en} to choose a new one:\n\n{link}\n\n"
            "If you did not ask for this, ignore this mail; your password stays as it is.\n",
        ),
    },
}


def render_mail(kind: str, locale: str | None, **params: Any) -> tuple[str, str]:
    """(subject, body) of a mail kind in `locale` (ru when it is not one of ours); a `minutes` param is also
    offered as `minutes_ru`/`minutes_en`, spelled with its noun. KeyError for an unknown kind."""
    texts = MAILS[kind]
    subject, body = texts[supported(locale) or DEFAULT_LOCALE]
    if "minutes" in params:
        params = {**params, "minutes_ru": _minutes_ru(params["minutes"]), "minutes_en": _minutes_en(params["minutes"])}
    return subject.format(**params), body.format(**params)
