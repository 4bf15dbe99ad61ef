"""Demo part "messenger": groups and direct chats with some history, in both languages."""

from __future__ import annotations

from app.demo.parts import DemoContext, demo_part

# name, description, owner, members, lines: (username, text)
GROUPS = [
    (
        "Соседи по дому на Садовой",
        "Вопросы по дому, мастера, которых можно посоветовать",
        "anna",
        ["dmitry", "olga", "ivan_plumber"],
        [
            ("anna", "Всем привет! У кого-нибудь есть проверенный сантехник?"),
            ("dmitry", "Иван отлично поменял мне арматуру, рекомендую."),
            ("ivan_plumber", "Спасибо! Пишите, на этой неделе есть окна."),
            ("olga", "А электрика посоветуете? В подъезде мигает свет."),
            ("ivan_plumber", "Электрику тоже делаю, посмотрю в субботу."),
        ],
    ),
    (
        "Expats in Moscow",
        "Tips, help and the occasional meet-up",
        "kate",
        ["tom", "alex_dev", "nika_photo", "anna"],
        [
            ("kate", "Welcome, Tom! This is where we share good masters and survival tips."),
            ("tom", "Thanks! Anyone know a Russian tutor who speaks English?"),
            ("anna", "Maria is great, she tutored my niece. I can ask her."),
            ("alex_dev", "Meet-up on Friday at the usual café?"),
            ("nika_photo", "I'm in, and I'll bring a camera."),
        ],
    ),
]
DIRECTS = [
    (
        "anna",
        "kate",
        [
            ("kate", "Привет! Is «до завтра» the same as «see you tomorrow»?"),
            ("anna", "Yes, exactly! Your Russian is getting better every week."),
            ("kate", "Спасибо! 😊"),
        ],
    ),
    ("tom", "alex_dev", [("tom", "Your landing page for Anna looks great, by the way."), ("alex_dev", "Thanks, man!")]),
]


@demo_part("messenger", after="market")
def messenger(ctx: DemoContext) -> None:
    """Two groups and two direct chats, each with a short conversation."""
    from app.services.chats import create_group, get_or_create_direct
    from app.services.messages import send_message

    for name, description, owner, members, lines in GROUPS:
        chat = create_group(ctx.user(owner).id, name, description, [ctx.user(m).id for m in members])
        ctx.count("groups")
        for who, text in lines:
            send_message(ctx.user(who).id, chat["id"], text)
            ctx.count("messages")
    for a, b, lines in DIRECTS:
        chat, _created = get_or_create_direct(ctx.user(a).id, ctx.user(b).id)
        for who, text in lines:
            send_message(ctx.user(who).id, chat["id"], text)
            ctx.count("messages")
