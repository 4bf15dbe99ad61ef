"""Reference data: the category tree and the city list (seeded by migration 0003, English names and more
cities by 0011b), each named in Russian and English.

Both are small tables (a few dozen rows): they are read whole when needed rather than
walked row by row. The city list suggests and canonicalises; it does not restrict: a city
outside it is kept as typed (check_city).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import func, insert, select

from app.db import write_tx
from app.errors import ValidationError
from app.extensions import db
from app.i18n import DEFAULT_LOCALE
from app.models.market import Category, City, city_key

# The starting set, also written by migrations 0003 and 0011b (which keep their own frozen copies):
# (slug, Russian name, English name, children).
CATEGORIES: list[tuple[str, str, str, list[tuple[str, str, str]]]] = [
    ("repairs", "Ремонт", "Repairs", [
        ("plumbing", "Сантехника", "Plumbing"),
        ("electrics", "Электрика", "Electrical work"),
        ("appliances", "Бытовая техника", "Home appliances"),
        ("finishing", "Отделочные работы", "Interior finishing"),
        ("furniture", "Сборка мебели", "Furniture assembly"),
    ]),
    ("tutoring", "Репетиторы", "Tutors", [
        ("math", "Математика", "Mathematics"),
        ("languages", "Иностранные языки", "Foreign languages"),
        ("music", "Музыка", "Music"),
        ("physics", "Физика", "Physics"),
        ("programming-lessons", "Программирование", "Programming"),
    ]),
    ("lectures", "Лекции", "Lectures", [
        ("science-lectures", "Научно-популярные лекции", "Popular science talks"),
        ("business-lectures", "Бизнес", "Business"),
        ("art-lectures", "Искусство и история", "Art and history"),
    ]),
    ("beauty", "Красота", "Beauty", [
        ("hair", "Парикмахеры", "Hairdressers"), ("nails", "Маникюр", "Manicure"), ("makeup", "Макияж", "Make-up"),
    ]),
    ("it", "IT", "IT", [
        ("web", "Сайты и веб", "Websites and web"),
        ("devices", "Компьютеры и гаджеты", "Computers and gadgets"),
        ("design", "Дизайн", "Design"),
    ]),
    ("moving", "Переезды", "Moving", [("movers", "Грузчики", "Movers"), ("cargo", "Грузоперевозки", "Freight")]),
    ("cleaning", "Уборка", "Cleaning", [
        ("home-cleaning", "Уборка квартир", "Home cleaning"), ("windows", "Мойка окон", "Window cleaning"),
    ]),
    ("photo", "Фото и видео", "Photo and video", [
        ("photographers", "Фотографы", "Photographers"), ("video", "Видеосъёмка", "Videography"),
    ]),
    ("events", "Мероприятия", "Events", [("hosts", "Ведущие", "Hosts"), ("musicians", "Музыканты", "Musicians")]),
    ("auto", "Авто", "Cars", [
        ("car-repair", "Автосервис", "Car repair"), ("driving", "Инструкторы по вождению", "Driving instructors"),
    ]),
]  # fmt: skip

# (Russian name, the canonical spelling stored on cards, profiles and requests; English name; other spellings
# people type). A plain transliteration of the Russian name ("Nizhniy Novgorod", "Ekaterinburg") is matched
# too, without being listed here.
CITIES: list[tuple[str, str, tuple[str, ...]]] = [
    ("Москва", "Moscow", ("Moskva", "Мск")),
    ("Санкт-Петербург", "Saint Petersburg", ("St Petersburg", "St. Petersburg", "Petersburg", "СПб", "Питер")),
    ("Новосибирск", "Novosibirsk", ()),
    ("Екатеринбург", "Yekaterinburg", ()),
    ("Казань", "Kazan", ()),
    ("Нижний Новгород", "Nizhny Novgorod", ("Nizhni Novgorod",)),
    ("Челябинск", "Chelyabinsk", ()),
    ("Красноярск", "Krasnoyarsk", ()),
    ("Самара", "Samara", ()),
    ("Уфа", "Ufa", ()),
    ("Ростов-на-Дону", "Rostov-on-Don", ()),
    ("Омск", "Omsk", ()),
    ("Краснодар", "Krasnodar", ()),
    ("Воронеж", "Voronezh", ()),
    ("Пермь", "Perm", ()),
    ("Волгоград", "Volgograd", ()),
    ("Саратов", "Saratov", ()),
    ("Тюмень", "Tyumen", ()),
    ("Тольятти", "Tolyatti", ("Togliatti",)),
    ("Барнаул", "Barnaul", ()),
    ("Ижевск", "Izhevsk", ()),
    ("Махачкала", "Makhachkala", ()),
    ("Хабаровск", "Khabarovsk", ()),
    ("Ульяновск", "Ulyanovsk", ()),
    ("Иркутск", "Irkutsk", ()),
    ("Владивосток", "Vladivostok", ()),
    ("Ярославль", "Yaroslavl", ()),
    ("Томск", "Tomsk", ()),
    ("Ставрополь", "Stavropol", ()),
    ("Севастополь", "Sevastopol", ()),
    ("Оренбург", "Orenburg", ()),
    ("Кемерово", "Kemerovo", ()),
    ("Рязань", "Ryazan", ()),
    ("Набережные Челны", "Naberezhnye Chelny", ()),
    ("Астрахань", "Astrakhan", ()),
    ("Пенза", "Penza", ()),
    ("Киров", "Kirov", ()),
    ("Липецк", "Lipetsk", ()),
    ("Калининград", "Kaliningrad", ()),
    ("Тула", "Tula", ()),
    ("Чебоксары", "Cheboksary", ()),
    ("Курск", "Kursk", ()),
    ("Сочи", "Sochi", ()),
    ("Тверь", "Tver", ()),
    ("Мурманск", "Murmansk", ()),
    ("Архангельск", "Arkhangelsk", ("Archangelsk",)),
    ("Якутск", "Yakutsk", ()),
    ("Петрозаводск", "Petrozavodsk", ()),
    ("Великий Новгород", "Veliky Novgorod", ()),
    ("Псков", "Pskov", ()),
    ("Смоленск", "Smolensk", ()),
    ("Калуга", "Kaluga", ()),
    ("Владимир", "Vladimir", ()),
    ("Иваново", "Ivanovo", ()),
    ("Кострома", "Kostroma", ()),
    ("Вологда", "Vologda", ()),
    ("Белгород", "Belgorod", ()),
    ("Орёл", "Oryol", ("Orel",)),
    # added by migration 0011b: large cities abroad where the product's people live too
    ("Тбилиси", "Tbilisi", ()),
    ("Ереван", "Yerevan", ("Erevan",)),
    ("Минск", "Minsk", ()),
    ("Алматы", "Almaty", ("Алма-Ата", "Alma-Ata")),
    ("Астана", "Astana", ()),
    ("Ташкент", "Tashkent", ()),
    ("Баку", "Baku", ()),
    ("Бишкек", "Bishkek", ()),
]

_ALIASES: dict[str, tuple[str, ...]] = {ru: aliases for ru, _en, aliases in CITIES}
CITY_MAX_LENGTH = 64


def seed_reference_data() -> None:
    """Insert the starting categories and cities if the tables are empty (tests, seed command)."""
    with write_tx():
        if db.session.scalar(select(func.count()).select_from(Category)) == 0:
            for slug, name, name_en, children in CATEGORIES:
                parent = Category(slug=slug, name=name, name_en=name_en)
                db.session.add(parent)
                db.session.flush()
                db.session.add_all(Category(slug=s, name=n, name_en=en, parent_id=parent.id) for s, n, en in children)
        if db.session.scalar(select(func.count()).select_from(City)) == 0:
            db.session.execute(insert(City), [{"name": ru, "name_en": en} for ru, en, _aliases in CITIES])


# ---- reference data --------------------------------------------------------------------------


def _all_categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.id)))


def _names(name_ru: str, name_en: str, locale: str) -> dict[str, str]:
    """A reference row's names: both languages, and `name` in the asked one (English falls back to Russian)."""
    name_en = name_en or name_ru
    return {"name": name_en if locale == "en" else name_ru, "name_ru": name_ru, "name_en": name_en}


def category_tree(locale: str = DEFAULT_LOCALE) -> list[dict[str, Any]]:
    """The category tree: roots with nested children, each named in both languages and in `locale`."""
    nodes = {
        c.id: {"id": c.id, "parent_id": c.parent_id, **_names(c.name, c.name_en, locale), "slug": c.slug,
               "children": []}
        for c in _all_categories()
    }  # fmt: skip
    roots = []
    for node in nodes.values():
        parent = nodes.get(node["parent_id"]) if node["parent_id"] else None
        (parent["children"] if parent else roots).append(node)
    return roots


def with_descendants(*category_ids: int) -> list[int]:
    """The categories and every category below them; ValidationError if one does not exist."""
    children: dict[int | None, list[int]] = {}
    for cid, parent_id in db.session.execute(select(Category.id, Category.parent_id)):
        children.setdefault(parent_id, []).append(cid)
    known = {cid for ids in children.values() for cid in ids}
    if not known.issuperset(category_ids):
        raise ValidationError.field(
            "category", "unknown_category", "No such category.", summary="No such category.",
            error_code="unknown_category",
        )  # fmt: skip
    out, stack = set(), list(category_ids)
    while stack:
        cid = stack.pop()
        if cid not in out:
            out.add(cid)
            stack.extend(children.get(cid, []))
    return sorted(out)


def check_categories(ids: list[int], field: str = "category_ids") -> list[int]:
    """The ids, deduplicated, if all exist; otherwise ValidationError naming the unknown ones."""
    wanted = list(dict.fromkeys(ids))
    found = set(db.session.scalars(select(Category.id).where(Category.id.in_(wanted))))
    missing = [i for i in wanted if i not in found]
    if missing:
        raise ValidationError.field(
            field, "unknown_category", f"No such category: {', '.join(map(str, missing))}.", ids=missing,
            summary=f"Unknown category: {missing[0]}.", error_code="unknown_category",
        )  # fmt: skip
    return wanted


# ---- cities ----------------------------------------------------------------------------------

# A plain transliteration, only to match what people type in Latin letters ("Nizhniy Novgorod").
_CYRILLIC = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
_LATIN = "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya".replace("_", "").split(" ")
_TRANSLIT = str.maketrans(dict(zip(_CYRILLIC, _LATIN, strict=True)))


def _spellings(name_ru: str, name_en: str) -> list[str]:
    """Every spelling of a reference city that finds it, as keys (city_key)."""
    names = [name_ru, name_en, name_ru.casefold().translate(_TRANSLIT), *_ALIASES.get(name_ru, ())]
    return list(dict.fromkeys(k for k in map(city_key, names) if k))


def _city_rows() -> list[tuple[int, str, str]]:
    return [tuple(row) for row in db.session.execute(select(City.id, City.name, City.name_en).order_by(City.id))]


def _city_index(rows: list[tuple[int, str, str]]) -> dict[str, tuple[int, str, str]]:
    """key -> city row for every spelling; the first city listed keeps a key two would share."""
    index: dict[str, tuple[int, str, str]] = {}
    for row in rows:
        for key in _spellings(row[1], row[2]):
            index.setdefault(key, row)
    return index


def _sort_key(name: str) -> str:
    return name.casefold().replace("\u0451", "\u0435")


def cities(q: str = "", locale: str = DEFAULT_LOCALE) -> list[dict[str, Any]]:
    """The reference cities, optionally those that q finds in either language (any part of any spelling, case,
    yo/ye and hyphens ignored): those whose spelling starts with q first, then alphabetical in `locale`."""
    needle = city_key(q)
    found = []
    for city_id, name_ru, name_en in _city_rows():
        keys = _spellings(name_ru, name_en)
        if needle and not any(needle in key for key in keys):
            continue
        names = _names(name_ru, name_en, locale)
        starts = not needle or any(key.startswith(needle) for key in keys)
        found.append((not starts, _sort_key(names["name"]), {"id": city_id, **names}))
    found.sort(key=lambda item: item[:2])
    return [item for _starts, _name, item in found]


def check_city(name: str | None) -> str:
    """The city as stored on profiles, master cards and requests, and as the catalogue filters by it: the
    reference spelling (Russian) when any spelling of a listed city is typed ("Kazan", "казань", "KAZAN"),
    else the text as typed, trimmed ('' for none). ValidationError for text that is no place name."""
    text = " ".join((name or "").split())
    if not text:
        return ""
    if len(text) > CITY_MAX_LENGTH:
        raise ValidationError.field(
            "city", "too_long", f"Must be at most {CITY_MAX_LENGTH} characters.", max_length=CITY_MAX_LENGTH,
            unit="characters",
        )  # fmt: skip
    if not any(ch.isalpha() for ch in text) or any(unicodedata.category(ch)[0] == "C" for ch in text):
        raise ValidationError.field("city", "invalid_city", "Type the name of a city.", error_code="invalid_city")
    found = _city_index(_city_rows()).get(city_key(text))
    return found[1] if found else text


def city_filter_key(name: str | None) -> str:
    """What the catalogue's city filter compares with Master.city_key: the key of check_city(name)."""
    return city_key(check_city(name))
