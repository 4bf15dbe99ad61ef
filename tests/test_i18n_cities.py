"""Two languages in the data: categories and cities named in Russian and English, a city found by either
language's spelling, a city outside the list kept as typed, and the catalogue filtering by whatever was typed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import select

from app.errors import ValidationError
from app.extensions import db
from app.models.market import Category, City, Master, city_key
from app.services import reference
from tests.conftest import assert_error

ROOT = Path(__file__).resolve().parent.parent


# ---- the one function: check_city -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Kazan", "Казань"),
        ("Казань", "Казань"),
        ("KAZAN", "Казань"),
        ("  казань ", "Казань"),
        ("moscow", "Москва"),
        ("Москва", "Москва"),
        ("Tbilisi", "Тбилиси"),
        ("тбилиси", "Тбилиси"),
        ("Орел", "Орёл"),  # yo written as ye
        ("Oryol", "Орёл"),
        ("orel", "Орёл"),
        ("Санкт Петербург", "Санкт-Петербург"),  # without the hyphen
        ("Saint Petersburg", "Санкт-Петербург"),
        ("St. Petersburg", "Санкт-Петербург"),
        ("sankt-peterburg", "Санкт-Петербург"),  # a plain transliteration
        ("Rostov on Don", "Ростов-на-Дону"),
        ("rostov-na-donu", "Ростов-на-Дону"),
        ("Nizhniy Novgorod", "Нижний Новгород"),
        ("Nizhny Novgorod", "Нижний Новгород"),
        ("Yekaterinburg", "Екатеринбург"),
        ("Ekaterinburg", "Екатеринбург"),
        ("Naberezhnye Chelny", "Набережные Челны"),
    ],
)
def test_either_languages_spelling_finds_the_same_city(app, typed, stored):
    with app.app_context():
        assert reference.check_city(typed) == stored


def test_a_city_outside_the_list_is_kept_as_typed_trimmed(app):
    with app.app_context():
        assert reference.check_city("  Porto \t Alegre  ") == "Porto Alegre"
        assert reference.check_city("Berlin") == "Berlin"
        assert reference.check_city("Улан-Удэ") == "Улан-Удэ"
        assert reference.check_city("") == reference.check_city("   ") == reference.check_city(None) == ""


@pytest.mark.parametrize(
    ("typed", "code"), [("12345", "invalid_city"), ("---", "invalid_city"), ("Ber\x00lin", "invalid_city")]
)
def test_text_that_is_no_place_name_is_refused(app, typed, code):
    with app.app_context(), pytest.raises(ValidationError) as exc:
        reference.check_city(typed)
    assert exc.value.code == code
    assert exc.value.details["fields"]["city"]["code"] == code


def test_a_city_name_is_length_limited(app):
    with app.app_context(), pytest.raises(ValidationError) as exc:
        reference.check_city("x" * 65)
    assert exc.value.details["fields"]["city"] == {
        "code": "too_long",
        "message": "Must be at most 64 characters.",
        "max_length": 64,
        "unit": "characters",
    }


def test_no_two_cities_share_a_spelling(app):
    """Otherwise a spelling would silently pick one of two cities."""
    with app.app_context():
        owners: dict[str, str] = {}
        for _id, name_ru, name_en in reference._city_rows():
            for key in reference._spellings(name_ru, name_en):
                assert owners.setdefault(key, name_ru) == name_ru, (key, owners[key], name_ru)


def test_city_key_ignores_case_yo_hyphens_and_spaces():
    assert city_key("Ростов-на-Дону") == city_key("ростов на  дону") == city_key("РОСТОВНАДОНУ")
    assert city_key("Орёл") == city_key("орел")
    assert city_key("Kazan") != city_key("Kazanka")


# ---- reference data in both languages -----------------------------------------------------------------


def test_every_category_and_city_has_an_english_name(app):
    with app.app_context():
        cats = db.session.scalars(select(Category)).all()
        cities = db.session.scalars(select(City)).all()
    assert len(cats) == 39 and all(c.name_en and c.name_en != c.name for c in cats if c.slug != "it")
    assert len(cities) == 66
    assert all(c.name_en and c.name_en.isascii() for c in cities)
    english = {c.name: c.name_en for c in cities}
    assert english["Москва"] == "Moscow" and english["Казань"] == "Kazan" and english["Тбилиси"] == "Tbilisi"


def _migration():
    path = ROOT / "migrations" / "versions" / "0011b_i18n_reference.py"
    spec = importlib.util.spec_from_file_location("migration_0011b", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_writes_the_same_names_as_the_live_reference_data():
    migration = _migration()
    live_categories = {}
    for slug, _ru, en, children in reference.CATEGORIES:
        live_categories[slug] = en
        live_categories.update({s: e for s, _r, e in children})
    assert live_categories == migration.CATEGORY_EN
    live_cities = {ru: en for ru, en, _aliases in reference.CITIES}
    assert {**migration.CITY_EN, **dict(migration.NEW_CITIES)} == live_cities
    for text in ("Ростов-на-Дону", "Орёл", "St. Petersburg", "  A  b "):
        assert migration._city_key(text) == city_key(text)  # the frozen copy folds like the model


def test_upgrading_a_database_fills_english_names_and_master_city_keys(config, tmp_path):
    """Data written before 0011b (a master in Казань) is found by the new filter after the upgrade."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app
    from app.services import catalog

    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'up.db'}"
    app = create_app(config)
    with app.app_context():
        upgrade(revision="0003")
        db.session.execute(
            text(
                "INSERT INTO users (id, email, username, username_lower, password_hash, display_name, bio, city,"
                " telegram, phone, is_master, created_at, password_changed_at) VALUES (1, 'k@example.com', 'k',"
                " 'k', 'x', '', '', 'Казань', '', '', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
        db.session.execute(
            text(
                "INSERT INTO masters (user_id, about, city, rating, rating_sum, rating_count, completed_orders,"
                " search_text, created_at) VALUES (1, '', 'Казань', 0, 0, 0, 0, 'k сантехника',"
                " '2026-01-01 00:00:00')"
            )
        )
        db.session.execute(
            text(
                "INSERT INTO auth_sessions (id, user_id, created_at, last_used_at, user_agent)"
                " VALUES (7, 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00', 'curl')"
            )
        )
        db.session.execute(
            text(
                "INSERT INTO master_categories (master_id, category_id)"
                " SELECT 1, id FROM categories WHERE slug = 'plumbing'"
            )
        )
        db.session.commit()
        upgrade()
        assert db.session.scalar(select(City.name_en).where(City.name == "Казань")) == "Kazan"
        assert db.session.scalar(select(City.name).where(City.name_en == "Tbilisi")) == "Тбилиси"
        assert db.session.scalar(select(Category.name_en).where(Category.slug == "plumbing")) == "Plumbing"
        # nothing that hangs off the user was lost on the way (a SQLite batch rebuild of `users` with foreign
        # keys enforced used to cascade and delete it all)
        assert db.session.get(Master, 1) is not None, "the master card was lost by a later migration"
        assert db.session.scalar(text("SELECT count(*) FROM auth_sessions WHERE user_id = 1")) == 1
        assert db.session.scalar(text("SELECT count(*) FROM master_categories WHERE master_id = 1")) == 1
        assert db.session.get(Master, 1).city_key == city_key("Казань")
        items, _next = catalog.list_masters(city="kazan")
        assert [m["user"]["id"] for m in items] == [1]
        items, _next = catalog.list_masters(q="Plumbing")  # the category's English name, added to the search text
        assert [m["user"]["id"] for m in items] == [1]
        db.session.remove()
        db.engine.dispose()


# ---- the API: names in the request's language --------------------------------------------------------


def _plumbing(tree: list[dict]) -> dict:
    repairs = next(c for c in tree if c["slug"] == "repairs")
    return next(c for c in repairs["children"] if c["slug"] == "plumbing")


def test_categories_carry_both_names_and_one_in_the_browsers_language(client):
    ru = client.get("/api/categories").get_json()["items"]
    en = client.get("/api/categories", headers={"Accept-Language": "en-US,en;q=0.9"}).get_json()["items"]
    assert _plumbing(ru) == {**_plumbing(ru), "name": "Сантехника", "name_ru": "Сантехника", "name_en": "Plumbing"}
    assert _plumbing(en)["name"] == "Plumbing" and _plumbing(en)["name_ru"] == "Сантехника"
    assert {c["slug"]: c["name"] for c in en}["auto"] == "Cars"
    fr = client.get("/api/categories", headers={"Accept-Language": "fr-FR,fr"}).get_json()["items"]
    assert _plumbing(fr)["name"] == "Сантехника"  # neither of ours: Russian


def test_the_users_locale_beats_the_browsers_even_where_no_login_is_needed(client, make_user):
    ann = make_user()
    assert client.patch("/api/users/me", json={"locale": "en"}, headers=ann.headers).status_code == 200
    res = client.get("/api/categories", headers={**ann.headers, "Accept-Language": "ru"})
    assert _plumbing(res.get_json()["items"])["name"] == "Plumbing"
    cities = client.get("/api/cities?q=kaz", headers={**ann.headers, "Accept-Language": "ru"}).get_json()["items"]
    assert cities[0]["name"] == "Kazan"
    # a dead token on a public route is just an anonymous visitor: the browser's language, no 401
    res = client.get("/api/categories", headers={"Authorization": "Bearer nope", "Accept-Language": "ru"})
    assert res.status_code == 200 and _plumbing(res.get_json()["items"])["name"] == "Сантехника"


@pytest.mark.parametrize(
    ("q", "lang", "first"),
    [
        ("kaz", "en", {"name": "Kazan", "name_ru": "Казань", "name_en": "Kazan"}),
        ("каз", "ru", {"name": "Казань", "name_ru": "Казань", "name_en": "Kazan"}),
        ("Tbil", "en", {"name": "Tbilisi", "name_ru": "Тбилиси", "name_en": "Tbilisi"}),
        ("MOSCOW", "ru", {"name": "Москва", "name_ru": "Москва", "name_en": "Moscow"}),
        ("орел", "en", {"name": "Oryol", "name_ru": "Орёл", "name_en": "Oryol"}),
        ("petersburg", "en", {"name": "Saint Petersburg", "name_ru": "Санкт-Петербург", "name_en": "Saint Petersburg"}),
    ],
)
def test_city_suggestions_in_both_languages(client, q, lang, first):
    items = client.get(f"/api/cities?q={q}", headers={"Accept-Language": lang}).get_json()["items"]
    assert items and {k: items[0][k] for k in ("name", "name_ru", "name_en")} == first, items


def test_city_suggestions_put_names_that_start_with_q_first_then_alphabetical(client):
    items = client.get("/api/cities?q=mos", headers={"Accept-Language": "en"}).get_json()["items"]
    assert items[0]["name"] == "Moscow"
    everything = client.get("/api/cities", headers={"Accept-Language": "en"}).get_json()["items"]
    names = [c["name"] for c in everything]
    assert len(names) == 66 and names == sorted(names, key=str.casefold)
    assert client.get("/api/cities?q=zzzz").get_json()["items"] == []
    assert_error(client.get("/api/cities?q=" + "x" * 65), 422, "validation_error")


# ---- profile, master card, request and catalogue: one function ---------------------------------------


def test_profile_city_typed_in_latin_letters_is_stored_as_the_list_spells_it(client, make_user):
    ann = make_user()
    res = client.patch("/api/users/me", json={"city": "Tbilisi"}, headers=ann.headers)
    assert res.status_code == 200 and res.get_json()["city"] == "Тбилиси"
    res = client.patch("/api/users/me", json={"city": "kazan"}, headers=ann.headers)
    assert res.get_json()["city"] == "Казань"


def test_master_card_and_request_take_any_spelling_and_any_city(market, client):
    kazan = market.master("plumbing", city="Kazan")
    assert client.get(f"/api/masters/{kazan.id}").get_json()["city"] == "Казань"
    res = client.patch("/api/masters/me", json={"city": "  Porto  Alegre "}, headers=kazan.headers)
    assert res.status_code == 200 and res.get_json()["city"] == "Porto Alegre"
    customer = market.make_user()
    assert market.request(customer, city="tbilisi")["city"] == "Тбилиси"
    assert market.request(customer, city="Gotham")["city"] == "Gotham"


def test_catalogue_filter_finds_a_city_whichever_spelling_was_typed(market, client):
    kazan = market.master("plumbing", city="Казань")
    moscow = market.master("plumbing", city="moscow")
    berlin = market.master("plumbing", city="Berlin")

    def found(city: str) -> set[int]:
        res = client.get("/api/masters", query_string={"city": city})
        assert res.status_code == 200, res.get_json()
        return {m["user"]["id"] for m in res.get_json()["items"]}

    for spelling in ("Kazan", "KAZAN", "казань", "Казань"):
        assert found(spelling) == {kazan.id}, spelling
    assert found("Moscow") == found("москва") == {moscow.id}
    assert found("berlin") == found("BERLIN") == {berlin.id}  # outside the list: kept as typed, found by case
    assert found("Atlantis") == set()
    assert_error(client.get("/api/masters?city=123"), 422, "invalid_city")


def test_bad_city_everywhere_is_422_and_changes_nothing(market, client):
    master = market.master("plumbing", city="Москва")
    customer = market.make_user()
    for method, path, body, who in [
        ("PATCH", "/api/users/me", {"city": "42", "bio": "new"}, customer),
        ("PATCH", "/api/masters/me", {"city": "42", "about": "new"}, master),
        ("POST", "/api/requests", {"title": "t", "category_id": market.cat("plumbing"), "city": "42"}, customer),
        ("PATCH", "/api/users/me", {"city": "x" * 65}, customer),
    ]:
        before = client.get("/api/requests?mine=1", headers=customer.headers).get_json()["items"]
        err = assert_error(client.open(path, method=method, json=body, headers=who.headers), 422)
        assert "city" in err["details"]["fields"], err
        assert client.get("/api/requests?mine=1", headers=customer.headers).get_json()["items"] == before
    assert client.get("/api/users/me", headers=customer.headers).get_json()["bio"] == ""
    card = client.get(f"/api/masters/{master.id}").get_json()
    assert card["city"] == "Москва" and card["about"] == ""


def test_the_catalogue_search_knows_category_names_in_both_languages(market, client):
    plumber = market.master("plumbing", about="Краны и трубы")
    market.master("math", about="Алгебра")
    for q in ("plumbing", "Сантехника"):
        items = client.get("/api/masters", query_string={"q": q}).get_json()["items"]
        assert [m["user"]["id"] for m in items] == [plumber.id], q


# ---- money ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("currency", [None, "EUR"])
def test_prices_are_documented_in_the_servers_currency(config, currency):
    from app import create_app

    if currency:
        config.CURRENCY = currency
    doc = create_app(config).test_client().get("/api/openapi.json").get_json()
    expected = currency or "RUB"
    assert doc["info"]["x-currency"] == expected and expected in doc["info"]["description"]
    schemas = doc["components"]["schemas"]
    for model, field in [("ServiceOut", "price"), ("MasterShort", "price_from"), ("RequestOut", "budget"),
                         ("OfferOut", "price"), ("RequestIn", "budget")]:  # fmt: skip
        assert "CURRENCY" in schemas[model]["properties"][field]["description"], (model, field)
