"""bilingual reference data, user locale, free-text cities

Categories and cities get English names (filled here for the reference data), eight more cities join
the list (Tbilisi, Yerevan...), users get `locale` ('ru' | 'en', null: follow the browser), and master cards
get `city_key` (the folded spelling the catalogue's city filter compares) in place of the city index.

Revision ID: 0011b
Revises: 0003
Create Date: 2026-12-01 08:40:00

"""
import re
import unicodedata

from alembic import op
import sqlalchemy as sa


revision = '0011b'
down_revision = '0011a'
branch_labels = None
depends_on = None


# Frozen copies of the data this revision writes (app.services.reference keeps the live ones).
CATEGORY_EN = {'repairs': 'Repairs', 'plumbing': 'Plumbing', 'electrics': 'Electrical work', 'appliances': 'Home appliances', 'finishing': 'Interior finishing', 'furniture': 'Furniture assembly', 'tutoring': 'Tutors', 'math': 'Mathematics', 'languages': 'Foreign languages', 'music': 'Music', 'physics': 'Physics', 'programming-lessons': 'Programming', 'lectures': 'Lectures', 'science-lectures': 'Popular science talks', 'business-lectures': 'Business', 'art-lectures': 'Art and history', 'beauty': 'Beauty', 'hair': 'Hairdressers', 'nails': 'Manicure', 'makeup': 'Make-up', 'it': 'IT', 'web': 'Websites and web', 'devices': 'Computers and gadgets', 'design': 'Design', 'moving': 'Moving', 'movers': 'Movers', 'cargo': 'Freight', 'cleaning': 'Cleaning', 'home-cleaning': 'Home cleaning', 'windows': 'Window cleaning', 'photo': 'Photo and video', 'photographers': 'Photographers', 'video': 'Videography', 'events': 'Events', 'hosts': 'Hosts', 'musicians': 'Musicians', 'auto': 'Cars', 'car-repair': 'Car repair', 'driving': 'Driving instructors'}

CITY_EN = {'Москва': 'Moscow', 'Санкт-Петербург': 'Saint Petersburg', 'Новосибирск': 'Novosibirsk', 'Екатеринбург': 'Yekaterinburg', 'Казань': 'Kazan', 'Нижний Новгород': 'Nizhny Novgorod', 'Челябинск': 'Chelyabinsk', 'Красноярск': 'Krasnoyarsk', 'Самара': 'Samara', 'Уфа': 'Ufa', 'Ростов-на-Дону': 'Rostov-on-Don', 'Омск': 'Omsk', 'Краснодар': 'Krasnodar', 'Воронеж': 'Voronezh', 'Пермь': 'Perm', 'Волгоград': 'Volgograd', 'Саратов': 'Saratov', 'Тюмень': 'Tyumen', 'Тольятти': 'Tolyatti', 'Барнаул': 'Barnaul', 'Ижевск': 'Izhevsk', 'Махачкала': 'Makhachkala', 'Хабаровск': 'Khabarovsk', 'Ульяновск': 'Ulyanovsk', 'Иркутск': 'Irkutsk', 'Владивосток': 'Vladivostok', 'Ярославль': 'Yaroslavl', 'Томск': 'Tomsk', 'Ставрополь': 'Stavropol', 'Севастополь': 'Sevastopol', 'Оренбург': 'Orenburg', 'Кемерово': 'Kemerovo', 'Рязань': 'Ryazan', 'Набережные Челны': 'Naberezhnye Chelny', 'Астрахань': 'Astrakhan', 'Пенза': 'Penza', 'Киров': 'Kirov', 'Липецк': 'Lipetsk', 'Калининград': 'Kaliningrad', 'Тула': 'Tula', 'Чебоксары': 'Cheboksary', 'Курск': 'Kursk', 'Сочи': 'Sochi', 'Тверь': 'Tver', 'Мурманск': 'Murmansk', 'Архангельск': 'Arkhangelsk', 'Якутск': 'Yakutsk', 'Петрозаводск': 'Petrozavodsk', 'Великий Новгород': 'Veliky Novgorod', 'Псков': 'Pskov', 'Смоленск': 'Smolensk', 'Калуга': 'Kaluga', 'Владимир': 'Vladimir', 'Иваново': 'Ivanovo', 'Кострома': 'Kostroma', 'Вологда': 'Vologda', 'Белгород': 'Belgorod', 'Орёл': 'Oryol'}

NEW_CITIES = [('Тбилиси', 'Tbilisi'), ('Ереван', 'Yerevan'), ('Минск', 'Minsk'), ('Алматы', 'Almaty'), ('Астана', 'Astana'), ('Ташкент', 'Tashkent'), ('Баку', 'Baku'), ('Бишкек', 'Bishkek')]

_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015_.'\u2019`]+")


def _city_key(name):
    """Frozen copy of app.models.market.city_key."""
    folded = unicodedata.normalize("NFKC", name or "").casefold().replace("\u0451", "\u0435")
    return _SEPARATORS.sub("", folded)[:64]


def upgrade():
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_en', sa.String(length=64), server_default='', nullable=False))
    with op.batch_alter_table('cities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_en', sa.String(length=64), server_default='', nullable=False))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=2), nullable=True))
    with op.batch_alter_table('masters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('city_key', sa.String(length=64), server_default='', nullable=False))
        batch_op.drop_index('ix_masters_city_rating')
        batch_op.create_index('ix_masters_city_key_rating', ['city_key', 'rating', 'rating_count', 'user_id'], unique=False)

    bind = op.get_bind()
    bind.execute(
        sa.text("UPDATE categories SET name_en = :en WHERE slug = :slug"),
        [{"slug": slug, "en": en} for slug, en in CATEGORY_EN.items()],
    )
    bind.execute(
        sa.text("UPDATE cities SET name_en = :en WHERE name = :ru"),
        [{"ru": ru, "en": en} for ru, en in CITY_EN.items()],
    )
    have = set(bind.execute(sa.text("SELECT name FROM cities")).scalars())
    cities = sa.table("cities", sa.column("name", sa.String), sa.column("name_en", sa.String))
    rows = [{"name": ru, "name_en": en} for ru, en in NEW_CITIES if ru not in have]
    if rows:
        op.bulk_insert(cities, rows)
    # A master card's search text gets its categories' English names, as the app now writes it.
    links = bind.execute(
        sa.text(
            "SELECT mc.master_id, c.slug FROM master_categories mc JOIN categories c ON c.id = mc.category_id"
        )
    ).all()
    extra = {}
    for master_id, slug in links:
        if slug in CATEGORY_EN:
            extra.setdefault(master_id, []).append(CATEGORY_EN[slug].casefold())
    if extra:
        bind.execute(
            sa.text("UPDATE masters SET search_text = search_text || :extra WHERE user_id = :id"),
            [{"id": master_id, "extra": " " + " ".join(names)} for master_id, names in extra.items()],
        )
    masters = bind.execute(sa.text("SELECT user_id, city FROM masters WHERE city <> ''")).all()
    if masters:
        bind.execute(
            sa.text("UPDATE masters SET city_key = :key WHERE user_id = :id"),
            [{"id": user_id, "key": _city_key(city)} for user_id, city in masters],
        )


def downgrade():
    bind = op.get_bind()
    bind.execute(
        sa.text("DELETE FROM cities WHERE name IN :names").bindparams(sa.bindparam("names", expanding=True)),
        {"names": [ru for ru, _en in NEW_CITIES]},
    )
    with op.batch_alter_table('masters', schema=None) as batch_op:
        batch_op.drop_index('ix_masters_city_key_rating')
        batch_op.create_index('ix_masters_city_rating', ['city', 'rating', 'rating_count', 'user_id'], unique=False)
        batch_op.drop_column('city_key')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locale')
    with op.batch_alter_table('cities', schema=None) as batch_op:
        batch_op.drop_column('name_en')
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_column('name_en')
