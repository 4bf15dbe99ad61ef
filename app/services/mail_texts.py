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


def _hours_ru(n: int) -> str:
    """'в течение N часа/часов': the genitive after a number."""
    return f"{n} часа" if n % 10 == 1 and n % 100 != 11 else f"{n} часов"


def _hours_en(n: int) -> str:
    return f"{n} hour" if n == 1 else f"{n} hours"


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
    # The email change (POST /api/users/me/email): a link to the new address, a notice to the old one.
    "email_change_confirm": {
        "ru": (
            "Подтвердите новый адрес в Masterchat",
            "Здравствуйте, {name}!\n\n"
            "Откройте эту ссылку в течение {hours_ru}, чтобы этот адрес стал вашим адресом в Masterchat:\n\n"
            "{link}\n\nЕсли вы ничего не просили, просто не обращайте внимания на это письмо.\n",
        ),
        "en": (
            "Confirm your new Masterchat email",
            "Hello {name},\n\nOpen this link within {hours_en} to make this your Masterchat address:\n\n"
            "{link}\n\nIf you did not ask for this, ignore this mail.\n",
        ),
    },
    "email_taken": {
        "ru": (
            "Masterchat: на этот адрес уже есть аккаунт",
            "Здравствуйте!\n\n"
            "Кто-то попросил перенести аккаунт Masterchat на этот адрес, но на нём уже есть свой аккаунт, "
            "поэтому ничего не изменилось.\nЕсли это были вы, войдите с этим адресом или сбросьте его пароль.\n",
        ),
        "en": (
            "Masterchat: this address already has an account",
            "Hello,\n\nSomeone asked to move a Masterchat account to this address, which already has an "
            "account of its own, so nothing changed.\nIf that was you, log in with this address, "
            "or reset its password.\n",
        ),
    },
    "email_change_requested": {
        "ru": (
            "Masterchat: запрошена смена адреса почты",
            "Здравствуйте, {name}!\n\n"
            "Кто-то, войдя под вашим именем, попросил сменить адрес почты в Masterchat на {masked}. "
            "Адрес сменится, только когда откроют ссылку, отправленную туда.\n"
            "Если это были не вы, смените пароль прямо сейчас: это отменит и смену адреса.\n",
        ),
        "en": (
            "Masterchat: a change of your email was requested",
            "Hello {name},\n\nSomeone signed in as you asked to change your Masterchat email to "
            "{masked}. It changes only when the link sent there is opened.\n"
            "If this was not you, change your password now: that also cancels the change.\n",
        ),
    },
    "email_changed": {
        "ru": (
            "Masterchat: адрес почты изменён",
            "Здравствуйте, {name}!\n\n"
            "Ваш адрес почты в Masterchat теперь {masked}. Если это были не вы, напишите в поддержку: "
            "на этот адрес больше не приходят ссылки для сброса пароля.\n",
        ),
        "en": (
            "Masterchat: your email was changed",
            "Hello {name},\n\nYour Masterchat email is now {masked}. If this was not you, "
            "contact support: this address no longer receives password resets.\n",
        ),
    },
}


def render_mail(kind: str, locale: str | None, **params: Any) -> tuple[str, str]:
    """(subject, body) of a mail kind in `locale` (ru when it is not one of ours); a `minutes` or `hours` param
    is also offered as `minutes_ru`/`minutes_en` (`hours_ru`/`hours_en`), spelled with its noun. KeyError for
    an unknown kind or a missing param."""
    texts = MAILS[kind]
    subject, body = texts[supported(locale) or DEFAULT_LOCALE]
    if "minutes" in params:
        params = {**params, "minutes_ru": _minutes_ru(params["minutes"]), "minutes_en": _minutes_en(params["minutes"])}
    if "hours" in params:
        params = {**params, "hours_ru": _hours_ru(params["hours"]), "hours_en": _hours_en(params["hours"])}
    return subject.format(**params), body.format(**params)
