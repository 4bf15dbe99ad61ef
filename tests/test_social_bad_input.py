"""Bad input to the social routes gets the contract's error shape (422/400/404/413/415), never a 500."""

from __future__ import annotations

import io

import pytest

from tests.conftest import assert_error
from tests.social_helpers import community, post

BIG = 2**60


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/api/posts", {"body": "x" * 10_001}, 422),
        ("POST", "/api/posts", {"body": "x", "image_ids": ["1"]}, 422),
        ("POST", "/api/posts", {"body": "x", "image_ids": list(range(1, 12))}, 422),
        ("POST", "/api/posts", {"body": "x", "community_id": 999_999}, 404),
        ("POST", "/api/posts", {"body": "x", "community_id": BIG}, 422),
        ("POST", "/api/posts", [1, 2], 422),
        ("PATCH", "/api/posts/POST", {"body": None}, 422),
        ("POST", "/api/posts/POST/comments", {"body": ""}, 422),
        ("POST", "/api/posts/POST/comments", {"body": "x", "reply_to": "abc"}, 422),
        ("POST", "/api/posts/POST/comments", {"body": "x", "reply_to": 999_999}, 422),
        ("GET", "/api/posts/POST/comments?after=-1", None, 422),
        ("GET", f"/api/posts/{BIG}", None, 404),
        ("GET", "/api/feed?before=" + str(BIG), None, 422),
        ("GET", "/api/users?before=abc", None, 422),
        ("GET", "/api/users?city=" + "x" * 65, None, 422),
        ("GET", "/api/friends?user_id=abc", None, 422),
        ("GET", "/api/friends?user_id=999999", None, 404),
        ("POST", "/api/communities", {"name": "x" * 101}, 422),
        ("POST", "/api/communities", {"name": "x", "members_can_post": "yes"}, 422),
        ("PATCH", "/api/communities/COMMUNITY", {"visibility": "secret"}, 422),
        ("PATCH", "/api/communities/COMMUNITY/members/999999", {"role": "owner"}, 422),
        ("PATCH", "/api/communities/COMMUNITY/members/999999", {"role": "member"}, 404),
        ("GET", "/api/communities/COMMUNITY/members?role=king", None, 422),
        ("GET", "/api/communities?mine=maybe", None, 422),
        ("POST", "/api/reports", {"target_type": "planet", "target_id": 1, "reason": "spam"}, 422),
        ("POST", "/api/reports", {"target_type": "comment", "target_id": 999_999, "reason": "spam"}, 404),
    ],
)
def test_bad_input_is_refused_in_the_contract_shape(client, make_user, method, path, body, status):
    me = make_user()
    p = post(client, me)
    c = community(client, me)
    path = path.replace("POST", str(p["id"])).replace("COMMUNITY", str(c["id"]))
    assert_error(client.open(path, method=method, headers=me.headers, json=body), status)


def test_uploads_refuse_non_images_and_missing_files(client, make_user):
    me = make_user()
    c = community(client, me)
    for url, method in (("/api/posts/images", "POST"), (f"/api/communities/{c['id']}/avatar", "PUT")):
        res = client.open(
            url,
            method=method,
            headers=me.headers,
            data={"file": (io.BytesIO(b"GIF89a-not"), "x.gif")},
            content_type="multipart/form-data",
        )
        assert_error(res, 415)
        assert_error(
            client.open(url, method=method, headers=me.headers, data={}, content_type="multipart/form-data"), 422
        )


def test_every_upload_without_a_file_names_the_field_in_the_contracts_shape(client, make_user):
    """Each upload route sent a form without `file` answers 422 with details.fields.file =
    {code: required, message}, the shape the client translates by code (one helper, app/api/base.py)."""
    ann = make_user()
    club = community(client, ann)
    paths = [
        "/api/posts/images",
        "/api/tracks",
        f"/api/communities/{club['id']}/avatar",
        "/api/attachments",
        "/api/users/me/avatar",
    ]
    for path in paths:
        method = client.put if path.endswith("/avatar") else client.post
        res = method(path, data={"other": (io.BytesIO(b"x"), "x.png")}, headers=ann.headers)
        err = assert_error(res, 422, "validation_error")
        problem = err["details"]["fields"]["file"]
        assert problem["code"] == "required" and problem["message"], (path, err)
