"""Validation errors said once and in words: each bad field carries a stable code, the numbers a client
needs to say it in its own language, and one plain sentence; the top-level message says each field's
problem once, in one line; nothing is written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import User
from tests.conftest import assert_error


def _users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_a_short_password_is_said_once_in_words(app, client):
    res = client.post("/api/auth/signup", json={"email": "ann@example.com", "username": "ann", "password": "short"})
    err = assert_error(res, 422, "validation_error")
    assert err["details"]["fields"] == {
        "password": {
            "code": "too_short",
            "message": "Must be at least 8 characters.",
            "min_length": 8,
            "unit": "characters",
        }
    }
    assert err["message"] == "password: must be at least 8 characters."
    assert "Value error" not in str(err) and err["message"].count("at least 8") == 1
    assert _users(app) == 0


@pytest.mark.parametrize(
    ("path", "body", "field", "expected"),
    [
        ("/api/auth/signup", {"username": "ann", "password": "long-enough"}, "email",
         {"code": "required", "message": "Required."}),
        ("/api/auth/signup", {"email": "nope", "username": "ann", "password": "long-enough"}, "email",
         {"code": "invalid_email"}),
        ("/api/auth/signup", {"email": "a@example.com", "username": "an", "password": "long-enough"}, "username",
         {"code": "too_short", "min_length": 3, "unit": "characters"}),
        ("/api/auth/signup", {"email": "a@example.com", "username": "a" * 33, "password": "long-enough"}, "username",
         {"code": "too_long", "max_length": 32, "unit": "characters", "message": "Must be at most 32 characters."}),
        ("/api/auth/signup", {"email": "a@example.com", "username": "a b", "password": "long-enough"}, "username",
         {"code": "invalid_format"}),
        ("/api/auth/signup", {"email": "a@example.com", "username": "ann", "password": "ж" * 40}, "password",
         {"code": "too_long", "max_length": 72, "unit": "bytes"}),
        ("/api/auth/signup", {"email": "a@example.com", "username": "ann", "password": 12345678}, "password",
         {"code": "not_a_string"}),
    ],
)  # fmt: skip
def test_each_kind_of_bad_field_has_its_code_and_numbers(app, client, path, body, field, expected):
    err = assert_error(client.post(path, json=body), 422, "validation_error")
    problem = err["details"]["fields"][field]
    assert problem == {**problem, **expected}, problem
    assert problem["message"][0].isupper() and problem["message"].endswith(".")
    assert "Value error" not in problem["message"]
    assert _users(app) == 0


@pytest.mark.parametrize(
    ("query", "field", "expected"),
    [
        ("limit=0", "limit", {"code": "out_of_range", "min": 1, "message": "Must be at least 1."}),
        ("limit=999", "limit", {"code": "out_of_range", "max": 200}),
        ("min_rating=abc", "min_rating", {"code": "not_a_number"}),
        ("sort=cheapest", "sort", {"code": "invalid_choice", "choices": ["rating", "price", "new"]}),
        ("q=" + "x" * 101, "q", {"code": "too_long", "max_length": 100}),
    ],
)
def test_query_string_problems(client, query, field, expected):
    err = assert_error(client.get(f"/api/masters?{query}"), 422, "validation_error")
    problem = err["details"]["fields"][field]
    assert problem == {**problem, **expected}, problem


def test_several_bad_fields_are_each_named_once(client):
    err = assert_error(client.post("/api/auth/signup", json={}), 422, "validation_error")
    assert set(err["details"]["fields"]) == {"email", "username", "password"}
    assert all(p["code"] == "required" for p in err["details"]["fields"].values())
    assert err["message"] == "email: required; username: required; password: required."


def test_a_problem_with_the_body_as_a_whole_is_its_own_message(market, client):
    user = market.make_user()
    body = {"category_ids": [market.cat("plumbing")], "price_from": 10, "price_to": 5}
    err = assert_error(client.post("/api/masters", json=body, headers=user.headers), 422, "validation_error")
    assert err["details"]["fields"]["body"]["code"] == "invalid"
    assert err["message"] == err["details"]["fields"]["body"]["message"] == "price_from must not exceed price_to."
    err = assert_error(client.post("/api/masters", json=[1], headers=user.headers), 422, "validation_error")
    assert err["details"]["fields"]["body"]["code"] == "not_an_object"


def test_service_level_field_errors_have_the_same_shape(market, client):
    master = market.master("plumbing", price_from=100, price_to=200)
    err = assert_error(client.patch("/api/masters/me", json={"price_from": 500}, headers=master.headers), 422)
    assert err["details"]["fields"]["price_to"]["code"] == "out_of_range"
    err = assert_error(client.post("/api/masters", json={"category_ids": [999999]}, headers=market.make_user().headers),
                       422, "unknown_category")  # fmt: skip
    assert err["details"]["fields"]["category_ids"] == {
        "code": "unknown_category",
        "message": "No such category: 999999.",
        "ids": [999999],
    }


def test_socket_acks_carry_the_same_field_problems(app, make_user, socket_client):
    ann = make_user()
    sock = socket_client(ann)
    ack = sock.emit("message:send", {"chat_id": "abc", "body": "hi", "client_id": "c1"}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "validation_error"
    assert ack["error"]["details"]["fields"]["chat_id"]["code"] == "not_a_number"
    assert ack["error"]["message"] == "chat_id: must be a number."


def test_an_older_call_site_with_a_bare_word_still_gets_the_shape():
    from app.errors import ValidationError

    err = ValidationError("reply_to must be a message of this chat.", {"fields": {"reply_to": "bad"}})
    assert err.details["fields"]["reply_to"] == {
        "code": "invalid",
        "message": "reply_to must be a message of this chat.",
    }
    assert ValidationError(None, {"fields": {"x": "bad"}}).to_dict()["message"] == "x: bad."
    assert ValidationError("Send x.", {"fields": {"x": "required"}}).details["fields"]["x"]["code"] == "required"


def test_message_errors_name_their_field_with_a_code(client, make_user):
    from tests.chat_helpers import direct, group, send

    ann, bob = make_user(), make_user()
    chat, other = direct(client, ann, bob), group(client, ann, [bob])
    elsewhere = send(client, ann, other["id"])
    for body, field, code in [
        ({"body": "hi", "reply_to": elsewhere["id"]}, "reply_to", "unknown_message"),
        ({"body": "hi", "attachment_id": 999999}, "attachment_id", "unknown_attachment"),
        ({"body": "x" * 4001}, "body", "too_long"),
    ]:
        res = client.post("/api/messages", json={"chat_id": chat["id"], "client_id": "k", **body}, headers=ann.headers)
        err = assert_error(res, 422, "validation_error")
        assert err["details"]["fields"][field]["code"] == code, err
    assert client.get(f"/api/messages/{chat['id']}", headers=ann.headers).get_json()["items"] == []
