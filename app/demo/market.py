"""Demo part "market": a master in every category with services, finished orders with their chats
and reviews, orders in progress, and open requests with offers waiting for an answer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.demo.parts import DemoContext, demo_part

# master, root category, about, price range, services: (leaf slug, title, price, description)
CARDS: list[tuple[str, str, str, tuple[int, int], list[tuple[str, str, int, str]]]] = [
    ("ivan_plumber", "repairs", "Сантехника и электрика без сюрпризов: называю цену до начала работ, убираю за собой.",
     (1500, 20000), [("plumbing", "Замена смесителя", 1800, "Демонтаж старого, установка вашего или моего."),
                     ("electrics", "Установка розеток и выключателей", 600, "Цена за точку, штробление отдельно."),
                     ("furniture", "Сборка шкафа-купе", 4500, "Любой сложности, с навеской дверей.")]),
    ("maria_math", "tutoring", "Готовлю к ОГЭ и ЕГЭ по математике и физике. Средний балл учеников — 86.",
     (1500, 3000), [("math", "Подготовка к ЕГЭ по математике", 2500, "Занятие 90 минут, онлайн или у вас."),
                    ("physics", "Физика для 7–11 классов", 2000, "Разбираем теорию на задачах.")]),
    ("prof_arseny", "lectures", "Кандидат искусствоведения. Лекции для компаний, школ и частных групп.",
     (5000, 30000), [("art-lectures", "Лекция «Как смотреть на живопись»", 8000, "90 минут с обсуждением."),
                     ("science-lectures", "Наука в искусстве: перспектива и свет", 9000, "Для старшеклассников.")]),
    ("svetlana_beauty", "beauty", "Визажист и парикмахер-стилист. Выезд на дом, свадебные образы.",
     (1500, 12000), [("makeup", "Свадебный макияж", 6000, "С пробным макияжем за неделю."),
                     ("hair", "Укладка и вечерняя причёска", 3500, "Локоны, пучки, плетение.")]),
    ("alex_dev", "it", "I build fast websites and fix laptops. Fluent English, decent Russian.",
     (2000, 150000), [("web", "Landing page, start to finish", 45000, "Design, build, hosting set-up."),
                      ("devices", "Laptop clean-up and repair", 2500, "Dust, thermal paste, OS reinstall."),
                      ("design", "Logo and brand kit", 15000, "Three concepts, two rounds of changes.")]),
    ("pyotr_moves", "moving", "Бригада грузчиков и машина. Упакуем, перевезём, соберём мебель.",
     (3000, 40000), [("movers", "Грузчики, почасово", 900, "Минимум 2 часа, цена за человека в час."),
                     ("cargo", "Переезд квартиры под ключ", 18000, "Газель, два грузчика, упаковка.")]),
    ("clean_team", "cleaning", "Two-person team, eco-friendly products, we bring everything.",
     (2500, 15000), [("home-cleaning", "Deep clean of a flat", 7000, "Kitchen, bathroom, floors, dust."),
                     ("windows", "Window cleaning", 350, "Per window, both sides and frames.")]),
    ("nika_photo", "photo", "Natural-light portraits, family sessions and small events.",
     (5000, 60000), [("photographers", "Portrait session, 1 hour", 7000, "30 retouched photos in a week."),
                     ("video", "Event highlight video", 25000, "Three-minute film of your day.")]),
    ("dj_mark", "events", "Host and DJ in English and Russian, with my own sound and light.",
     (10000, 80000), [("hosts", "Wedding host, bilingual", 45000, "Five hours, script agreed in advance."),
                      ("musicians", "DJ set with equipment", 20000, "Four hours, your playlist welcome.")]),
    ("sergey_auto", "auto", "Ремонт подвески и двигателя, инструктор с двойными педалями.",
     (1000, 50000), [("car-repair", "Диагностика подвески", 1200, "30 минут на подъёмнике, отчёт с фото."),
                     ("driving", "Занятие с инструктором", 1800, "90 минут, механика или автомат.")]),
]  # fmt: skip

# Finished orders: (customer, master, service index, rating, review)
DONE = [
    ("anna", "ivan_plumber", 0, 5, "Пришёл вовремя, поменял смеситель за полчаса, всё убрал. Рекомендую!"),
    ("dmitry", "ivan_plumber", 2, 4, "Шкаф собран отлично, но задержался на час."),
    ("olga", "maria_math", 0, 5, "Дочь сдала ЕГЭ на 92 балла. Спасибо, Мария!"),
    ("anna", "prof_arseny", 0, 5, "Провели лекцию для команды — слушали с открытым ртом."),
    ("olga", "svetlana_beauty", 0, 5, "Макияж продержался весь свадебный день!"),
    ("tom", "alex_dev", 1, 5, "Laptop is silent again and twice as fast. Great job."),
    ("kate", "alex_dev", 2, 4, "Nice logo, took one extra round but worth it."),
    ("dmitry", "pyotr_moves", 1, 5, "Переехали за один день, ничего не разбили."),
    ("kate", "clean_team", 0, 5, "Spotless flat, friendly people. Booking them monthly now."),
    ("tom", "nika_photo", 0, 5, "Relaxed session and beautiful photos."),
    ("kate", "dj_mark", 1, 5, "Everyone danced until midnight. Mark read the room perfectly."),
    ("anna", "sergey_auto", 0, 4, "Нашёл стук в подвеске, объяснил всё на пальцах."),
]
# Orders in progress: (customer, master, service index)
ACTIVE = [("tom", "maria_math", 1), ("anna", "alex_dev", 0), ("olga", "clean_team", 1)]
# Open requests: (customer, leaf slug, title, description, budget, offers: (master, message, price))
OPEN = [
    ("kate", "languages", "Russian conversation practice", "Twice a week, evenings, I am a B1 learner.", 2000,
     [("maria_math", "Могу заниматься по вторникам и четвергам, 60 минут.", 1800)]),
    ("kate", "home-cleaning", "Clean-up after renovation", "Two-room flat, lots of dust and paint drops.", 9000,
     [("clean_team", "We can come on Saturday with two people.", 8500)]),
    ("dmitry", "plumbing", "Течёт бачок унитаза", "Подтекает уже неделю, нужен мастер на этой неделе.", 2500,
     [("ivan_plumber", "Смогу завтра вечером, заменю арматуру бачка.", 2200)]),
    ("olga", "photographers", "Семейная фотосессия в парке", "Нас четверо, хотим осенние фото.", 8000,
     [("nika_photo", "Happy to! Golden hour on Sunday would be lovely.", 7500)]),
    ("tom", "hosts", "Host for a company party", "About 40 people, half of them speak only Russian.", 40000,
     [("dj_mark", "Bilingual hosting is exactly what I do. Let's talk.", 38000)]),
    ("anna", "movers", "Перевезти пианино", "С 3 этажа без лифта на 1 этаж соседнего дома.", 6000, []),
]  # fmt: skip

CHAT = {
    "ru": [
        ("customer", "Здравствуйте! Когда вам удобно: {title}?"),
        ("master", "Добрый день! Могу завтра с 10 до 12. Подойдёт?"),
        ("customer", "Да, отлично. Адрес пришлю сюда же."),
        ("master", "Договорились, до завтра."),
    ],
    "en": [
        ("customer", "Hi! When could you do this: {title}?"),
        ("master", "Hello! Tomorrow between 10 and 12 works for me. OK?"),
        ("customer", "Perfect. I'll send the address here."),
        ("master", "Great, see you tomorrow."),
    ],
}
DONE_CHAT = {
    "ru": [("master", "Готово! Проверьте, пожалуйста."), ("customer", "Всё отлично, спасибо большое!")],
    "en": [("master", "All done! Please have a look."), ("customer", "Looks great, thank you!")],
}


def _say(ctx: DemoContext, chat_id: int, lines: list[tuple[str, str]], who: dict[str, str], **fmt: Any) -> None:
    from app.services.messages import send_message

    for role, text in lines:
        send_message(ctx.user(who[role]).id, chat_id, text.format(**fmt))
        ctx.count("messages")


def _order(ctx: DemoContext, customer: str, master: str, service: dict[str, Any]) -> tuple[int, int]:
    """A request for one of the master's services, taken by the master; returns (request id, chat id)."""
    from app.services import request_actions, requests

    req = requests.create_request(
        ctx.user(customer).id,
        {"service_id": service["id"], "title": service["title"], "description": "", "budget": service["price"]},
    )
    taken = request_actions.accept_direct(ctx.user(master).id, req["id"])
    ctx.count("orders")
    return req["id"], taken["chat"]["id"]


@demo_part("market", after="people")
def market(ctx: DemoContext) -> None:
    """Master cards and services, finished orders (chats, reviews), orders in progress, open requests."""
    from app.extensions import db
    from app.models.market import Category
    from app.services import catalog, request_actions, requests, reviews

    ids = dict(db.session.execute(select(Category.slug, Category.id)).all())
    parents = dict(db.session.execute(select(Category.id, Category.parent_id)).all())
    services: dict[str, list[dict[str, Any]]] = {}
    for master, root, about, (low, high), items in CARDS:
        leaves = [cid for cid, parent in parents.items() if parent == ids[root]]
        user = ctx.user(master)
        catalog.create_master(
            user.id, {"category_ids": leaves, "about": about, "city": user.city, "price_from": low, "price_to": high}
        )
        services[master] = [
            catalog.add_service(user.id, {"title": t, "category_id": ids[leaf], "price": p, "description": d})
            for leaf, t, p, d in items
        ]
        ctx.count("masters")
        ctx.count("services", len(items))

    for customer, master, index, rating, text in DONE:
        service = services[master][index]
        request_id, chat_id = _order(ctx, customer, master, service)
        lang = ctx.lang[customer]
        who = {"customer": customer, "master": master}
        _say(ctx, chat_id, CHAT[lang] + DONE_CHAT[lang], who, title=service["title"])
        request_actions.complete(ctx.user(customer).id, request_id)
        reviews.add_review(ctx.user(customer).id, request_id, rating, text)
        ctx.count("reviews")

    for customer, master, index in ACTIVE:
        service = services[master][index]
        _request_id, chat_id = _order(ctx, customer, master, service)
        lines = CHAT[ctx.lang[customer]]
        _say(ctx, chat_id, lines, {"customer": customer, "master": master}, title=service["title"])

    for customer, leaf, title, description, budget, offers in OPEN:
        user = ctx.user(customer)
        req = requests.create_request(
            user.id,
            {"category_id": ids[leaf], "title": title, "description": description, "budget": budget, "city": user.city},
        )
        ctx.count("open requests")
        for master, message, price in offers:
            request_actions.make_offer(ctx.user(master).id, req["id"], message, price)
            ctx.count("offers")
