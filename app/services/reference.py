"""Reference data: the category tree and the city list (seeded by migration 0003).

Both are small tables (a few dozen rows): they are read whole when needed rather than
walked row by row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select

from app.db import write_tx
from app.errors import ValidationError
from app.extensions import db
from app.models.market import Category, City

# The starting set, also written by migration 0003 (which keeps its own frozen copy).
CATEGORIES: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "repairs",
        "Ремонт",
        [
            ("plumbing", "Сантехника"),
            ("electrics", "Электрика"),
            ("appliances", "Бытовая техника"),
            ("finishing", "Отделочные работы"),
            ("furniture", "Сборка мебели"),
        ],
    ),
    (
        "tutoring",
        "Репетиторы",
        [
            ("math", "Математика"),
            ("languages", "Иностранные языки"),
            ("music", "Музыка"),
            ("physics", "Физика"),
            ("programming-lessons", "Программирование"),
        ],
    ),
    (
        "lectures",
        "Лекции",
        [
            ("science-lectures", "Научно-популярные лекции"),
            ("business-lectures", "Бизнес"),
            ("art-lectures", "Искусство и история"),
        ],
    ),
    ("beauty", "Красота", [("hair", "Парикмахеры"), ("nails", "Маникюр"), ("makeup", "Макияж")]),
    ("it", "IT", [("web", "Сайты и веб"), ("devices", "Компьютеры и гаджеты"), ("design", "Дизайн")]),
    ("moving", "Переезды", [("movers", "Грузчики"), ("cargo", "Грузоперевозки")]),
    ("cleaning", "Уборка", [("home-cleaning", "Уборка квартир"), ("windows", "Мойка окон")]),
    ("photo", "Фото и видео", [("photographers", "Фотографы"), ("video", "Видеосъёмка")]),
    ("events", "Мероприятия", [("hosts", "Ведущие"), ("musicians", "Музыканты")]),
    ("auto", "Авто", [("car-repair", "Автосервис"), ("driving", "Инструкторы по вождению")]),
]

CITIES: list[str] = [
    "Москва", "Санкт-Петербург", "Новосибирск", "Екатеринбург", "Казань", "Нижний Новгород", "Челябинск",
    "Красноярск", "Самара", "Уфа", "Ростов-на-Дону", "Омск", "Краснодар", "Воронеж", "Пермь", "Волгоград",
    "Саратов", "Тюмень", "Тольятти", "Барнаул", "Ижевск", "Махачкала", "Хабаровск", "Ульяновск", "Иркутск",
    "Владивосток", "Ярославль", "Томск", "Ставрополь", "Севастополь", "Оренбург", "Кемерово", "Рязань",
    "Набережные Челны", "Астрахань", "Пенза", "Киров", "Липецк", "Калининград", "Тула", "Чебоксары",
    "Курск", "Сочи", "Тверь", "Мурманск", "Архангельск", "Якутск", "Петрозаводск", "Великий Новгород",
    "Псков", "Смоленск", "Калуга", "Владимир", "Иваново", "Кострома", "Вологда", "Белгород", "Орёл",
]  # fmt: skip


def seed_reference_data() -> None:
    """Insert the starting categories and cities if the tables are empty (tests, seed command)."""
    with write_tx():
        if db.session.scalar(select(func.count()).select_from(Category)) == 0:
            for slug, name, children in CATEGORIES:
                parent = Category(slug=slug, name=name)
                db.session.add(parent)
                db.session.flush()
                db.session.add_all(Category(slug=s, name=n, parent_id=parent.id) for s, n in children)
        if db.session.scalar(select(func.count()).select_from(City)) == 0:
            db.session.execute(insert(City), [{"name": name} for name in CITIES])


# ---- reference data --------------------------------------------------------------------------


def _all_categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.id)))


def category_tree() -> list[dict[str, Any]]:
    """The category tree: roots with nested children."""
    nodes = {c.id: {"id": c.id, "parent_id": c.parent_id, "name": c.name, "slug": c.slug, "children": []}
             for c in _all_categories()}  # fmt: skip
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
        raise ValidationError(
            "No such category.", {"fields": {"category": "unknown category"}}, code="unknown_category"
        )
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
        raise ValidationError(
            f"Unknown category: {missing[0]}.", {"fields": {field: f"unknown categories {missing}"}},
            code="unknown_category",
        )  # fmt: skip
    return wanted


def cities(q: str = "") -> list[dict[str, Any]]:
    """The reference cities, alphabetical, optionally those whose name contains q."""
    rows = db.session.execute(select(City.id, City.name).order_by(City.name)).all()
    needle = q.casefold()
    return [{"id": i, "name": n} for i, n in rows if needle in n.casefold()]


def check_city(name: str | None) -> str:
    """The canonical spelling of a reference city ('' for none); ValidationError if unknown."""
    if not name:
        return ""

    def key(text: str) -> str:
        return text.casefold().replace("\u0451", "\u0435")  # yo is written as ye too

    canonical = {key(n): n for n in db.session.scalars(select(City.name))}.get(key(name))
    if canonical is None:
        raise ValidationError("Unknown city.", {"fields": {"city": "not in the city list"}}, code="unknown_city")
    return canonical
