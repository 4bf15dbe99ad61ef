"""Demo part "people": customers and masters in Russian and English, with profiles and avatars."""

from __future__ import annotations

import io
import zlib

from flask import current_app

from app.demo.parts import DemoContext, demo_part

FIRST_USERNAME = "anna"

# username, display name, language, city, bio
CUSTOMERS = [
    ("anna", "Анна Соколова", "ru", "Москва", "Недавно переехала, обустраиваю квартиру."),
    ("dmitry", "Дмитрий Орлов", "ru", "Санкт-Петербург", "Инженер, отец двоих детей."),
    ("olga", "Ольга Ветрова", "ru", "Казань", "Люблю порядок и хороший сервис."),
    ("kate", "Kate Morgan", "en", "Москва", "Expat from Dublin, learning Russian."),
    ("tom", "Tom Becker", "en", "Санкт-Петербург", "Software developer, new in town."),
]
# username, display name, language, city, bio (their master cards are made by the market part)
MASTERS = [
    ("ivan_plumber", "Иван Кузнецов", "ru", "Москва", "Сантехник и электрик, 12 лет опыта."),
    ("maria_math", "Мария Лебедева", "ru", "Санкт-Петербург", "Преподаю математику и физику."),
    ("prof_arseny", "Арсений Громов", "ru", "Москва", "Историк искусства, читаю открытые лекции."),
    ("svetlana_beauty", "Светлана Миронова", "ru", "Казань", "Стилист-визажист."),
    ("alex_dev", "Alex Turner", "en", "Москва", "Full-stack developer and designer."),
    ("pyotr_moves", "Пётр Волков", "ru", "Москва", "Переезды под ключ."),
    ("clean_team", "Clean Team", "en", "Санкт-Петербург", "Eco-friendly home cleaning."),
    ("nika_photo", "Nika Hart", "en", "Москва", "Portrait and event photographer."),
    ("dj_mark", "Mark Ellis", "en", "Санкт-Петербург", "Host and DJ for weddings and parties."),
    ("sergey_auto", "Сергей Белов", "ru", "Казань", "Автомастер и инструктор по вождению."),
]
LOGINS = [
    ("anna", "a customer (Russian): her orders, chats with masters, reviews to read"),
    ("kate", "a customer (English): open requests with offers waiting for her"),
    ("ivan_plumber", "a master: the feed of open requests, order chats, reviews"),
    ("alex_dev", "a master writing in English"),
]
_COLOURS = [(0x3B, 0x82, 0xF6), (0x10, 0xB9, 0x81), (0xF5, 0x9E, 0x0B), (0xEF, 0x44, 0x44), (0x8B, 0x5C, 0xF6)]


def _avatar(name: str) -> bytes:
    """A PNG of the person's initials on a colour of their own (Pillow)."""
    from PIL import Image, ImageDraw, ImageFont

    colour = _COLOURS[zlib.crc32(name.encode()) % len(_COLOURS)]
    img = Image.new("RGB", (256, 256), colour)
    initials = "".join(word[0] for word in name.split()[:2]).upper()
    draw = ImageDraw.Draw(img)
    try:
        # Pillow's built-in font has no Cyrillic (Анна -> two empty boxes); DejaVu, found on most Linux
        # systems, has. Without it, non-Latin initials are left out and the plain colour stays.
        font = ImageFont.truetype("DejaVuSans-Bold.ttf", 110)
    except OSError:
        font = ImageFont.load_default(size=110)
        initials = initials if initials.isascii() else ""
    draw.text((128, 128), initials, fill=(255, 255, 255), font=font, anchor="mm")
    out = io.BytesIO()
    img.save(out, "PNG")
    out.seek(0)
    return out.getvalue()


@demo_part("people")
def people(ctx: DemoContext) -> None:
    """Sign everyone up (through the auth service), fill their profiles, give them avatars."""
    from app.models import User
    from app.services import auth, users

    for username, name, lang, city, bio in CUSTOMERS + MASTERS:
        user, _tokens = auth.signup(f"{username}@demo.masterchat.local", username, ctx.password, ip=f"demo:{username}")
        changes = {"display_name": name, "city": city, "bio": bio}
        if "locale" in User.__table__.columns:  # the user's interface language, once users have one
            changes["locale"] = lang
        user = users.update_profile(user, changes)
        user = users.set_avatar(user, io.BytesIO(_avatar(name)), current_app.config["AVATAR_MAX_BYTES"])
        ctx.users[username] = user
        ctx.lang[username] = lang
        ctx.count("people")
    ctx.logins.extend(LOGINS)
