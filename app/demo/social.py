"""Demo part "social": friendships, posts with photos on walls and in two communities (one open, one
closed with a join request waiting), likes and comments, in Russian and English."""

from __future__ import annotations

import io
import zlib

from app.demo.parts import DemoContext, demo_part

FRIENDS = [
    ("anna", "dmitry"), ("anna", "olga"), ("anna", "kate"), ("anna", "ivan_plumber"), ("anna", "maria_math"),
    ("kate", "tom"), ("kate", "alex_dev"), ("kate", "nika_photo"), ("tom", "alex_dev"), ("tom", "dj_mark"),
    ("dmitry", "olga"), ("dmitry", "sergey_auto"), ("olga", "svetlana_beauty"), ("ivan_plumber", "pyotr_moves"),
    ("nika_photo", "dj_mark"), ("alex_dev", "clean_team"), ("maria_math", "prof_arseny"),
]  # fmt: skip
# (author, text, photo colours), on the author's wall
WALL_POSTS = [
    ("ivan_plumber", "Сегодня поменял трубы в ванной на Садовой: было ржавое железо, стал полипропилен. До и после 👇",
     [(120, 90, 70), (70, 140, 200)]),
    ("nika_photo", "Golden hour at Patriarch Ponds last night. Booking autumn portrait sessions now!",
     [(230, 160, 60), (200, 110, 80), (90, 70, 120)]),
    ("anna", "Наконец-то повесили полки в гостиной. Спасибо Ивану за советы!", [(180, 150, 110)]),
    ("kate", "Three months in Moscow today. Still can't pronounce «достопримечательность», but I love it here.", []),
    ("svetlana_beauty", "Свадебный образ для Марины: лёгкий макияж и локоны. Как вам?", [(220, 170, 180)]),
    ("tom", "Found a great café near Chistye Prudy with fast wifi. Who wants to co-work on Fridays?", []),
]  # fmt: skip
COMMUNITIES = [
    # name, description, owner, visibility, members, pending
    ("Ремонт своими руками", "Советы, фото до и после, проверенные мастера", "ivan_plumber", "open",
     ["anna", "dmitry", "olga", "pyotr_moves", "kate"], []),
    ("Moscow Photo Walks", "A closed club for photo walks around the city (ask to join)", "nika_photo", "closed",
     ["kate", "alex_dev", "dj_mark"], ["tom"]),
]  # fmt: skip
COMMUNITY_POSTS = [
    ("Ремонт своими руками", "dmitry", "Как выровнять стену под плитку без штукатура? Делюсь своим способом.",
     [(160, 160, 150)]),
    ("Ремонт своими руками", "pyotr_moves", "Напоминаю: тяжёлую мебель перед переездом лучше разобрать. Фото упаковки:",
     [(150, 120, 90), (100, 100, 110)]),
    ("Moscow Photo Walks", "nika_photo", "Saturday walk: Zaryadye park at 9 am. Bring a wide lens!", [(60, 120, 90)]),
    ("Moscow Photo Walks", "kate", "My best shot from last week's walk", [(40, 60, 130)]),
]  # fmt: skip
COMMENTS = {
    # post text prefix -> [(author, text)]
    "Сегодня поменял трубы": [("anna", "Отличная работа!"), ("dmitry", "А сколько времени заняло?"),
                              ("ivan_plumber", "Полдня вместе с уборкой.")],
    "Golden hour": [("kate", "Stunning! Booking you for October."), ("tom", "Wow")],
    "Наконец-то повесили полки": [("olga", "Уютно получилось!")],
    "Three months in Moscow": [("tom", "Congrats! Same here next month."), ("anna", "Поздравляю! 🎉")],
    "Saturday walk": [("alex_dev", "I'm in.")],
}  # fmt: skip
LIKERS = ["anna", "dmitry", "olga", "kate", "tom", "alex_dev", "nika_photo", "maria_math"]


def _photo(colour: tuple[int, int, int], seed: str) -> bytes:
    """A small JPEG: a sky-to-ground gradient in `colour` with a few shapes (Pillow)."""
    from PIL import Image, ImageDraw

    w, h = 480, 320
    img = Image.new("RGB", (w, h), colour)
    draw = ImageDraw.Draw(img)
    r, g, b = colour
    for y in range(h):
        k = y / h
        draw.line(
            [(0, y), (w, y)],
            fill=(int(r * (1.2 - k * 0.6)) % 256, int(g * (1.1 - k * 0.4)) % 256, int(b * (0.7 + k * 0.5)) % 256),
        )
    n = zlib.crc32(seed.encode())
    for i in range(4):
        x, y, s = (n >> (i * 5)) % (w - 80), (n >> (i * 7)) % (h - 80), 30 + (n >> i) % 50
        draw.ellipse([x, y, x + s, y + s], fill=(255 - r // 2, 255 - g // 2, 255 - b // 2))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=82)
    return out.getvalue()


def _images(ctx: DemoContext, user_id: int, colours: list[tuple[int, int, int]], seed: str) -> list[int]:
    from flask import current_app

    from app.services import posts

    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    ids = [posts.upload_image(user_id, io.BytesIO(_photo(c, f"{seed}{i}")), limit)["id"] for i, c in enumerate(colours)]
    ctx.count("photos", len(ids))
    return ids


@demo_part("social", after="messenger")
def social(ctx: DemoContext) -> None:
    """Friends, wall posts with photos, an open and a closed community (a request waiting), likes, comments."""
    from app.permissions import visible_post_ids
    from app.services import comments, communities, friends, posts

    for a, b in FRIENDS:
        friends.ask(ctx.user(a).id, ctx.user(b).id)
        friends.ask(ctx.user(b).id, ctx.user(a).id)
        ctx.count("friendships")
    made: dict[str, int] = {}
    for author, text, colours in WALL_POSTS:
        uid = ctx.user(author).id
        made[text] = posts.create_post(uid, text, _images(ctx, uid, colours, text), None)["id"]
        ctx.count("posts")
    for name, description, owner, visibility, members, pending in COMMUNITIES:
        club = communities.create_community(ctx.user(owner).id, name, description, visibility, True)
        for member in members + pending:
            communities.join(ctx.user(member).id, club["id"])
        for member in members if visibility == "closed" else []:
            communities.set_role(ctx.user(owner).id, club["id"], ctx.user(member).id, "member")
        ctx.count("communities")
        for cname, author, text, colours in COMMUNITY_POSTS:
            if cname == name:
                uid = ctx.user(author).id
                made[text] = posts.create_post(uid, text, _images(ctx, uid, colours, text), club["id"])["id"]
                ctx.count("posts")
    for prefix, lines in COMMENTS.items():
        post_id = next(pid for text, pid in made.items() if text.startswith(prefix))
        for author, text in lines:
            comments.add_comment(ctx.user(author).id, post_id, text, None)
            ctx.count("comments")
    for i, post_id in enumerate(made.values()):
        for liker in LIKERS[: 2 + (i * 3) % len(LIKERS)]:
            if visible_post_ids(ctx.user(liker).id, [post_id]):  # not a closed community's post to outsiders
                posts.set_like(ctx.user(liker).id, post_id, True)
                ctx.count("likes")
