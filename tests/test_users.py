"""Profiles over REST: me, edit, another user's profile, search, and avatars."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.conftest import assert_error

PUBLIC_FIELDS = {"id", "username", "display_name", "avatar_url", "bio", "city", "telegram", "created_at", "is_master"}
PRIVATE_FIELDS = {"email", "phone", "birth_date"}


# --- me / edit ------------------------------------------------------------------------------------


def test_me_shows_private_fields(client, make_user):
    ann = make_user()
    body = client.get("/api/users/me", headers=ann.headers).get_json()
    assert PUBLIC_FIELDS | PRIVATE_FIELDS | {"online"} <= set(body)
    assert body["email"] == ann.email
    assert body["created_at"].endswith("Z")


def test_patch_me_changes_only_the_fields_sent(client, make_user):
    ann = make_user()
    changes = {
        "display_name": "Ann the Plumber",
        "bio": "Pipes and taps.",
        "city": "Казань",
        "telegram": "@ann_pipes",
        "phone": "+995 555 12-34",
        "birth_date": "1990-04-01",
    }
    res = client.patch("/api/users/me", json=changes, headers=ann.headers)
    assert res.status_code == 200
    assert {k: res.get_json()[k] for k in changes} == changes
    res = client.patch("/api/users/me", json={"city": "сочи"}, headers=ann.headers)
    body = res.get_json()
    assert body["city"] == "Сочи" and body["bio"] == "Pipes and taps." and body["birth_date"] == "1990-04-01"
    assert client.get("/api/users/me", headers=ann.headers).get_json()["city"] == "Сочи"


def test_profile_city_outside_the_list_is_kept_as_typed(client, make_user):
    ann = make_user()
    res = client.patch("/api/users/me", json={"city": "  Porto   Alegre ", "bio": "kept"}, headers=ann.headers)
    assert res.status_code == 200 and res.get_json()["city"] == "Porto Alegre"  # trimmed, spaces collapsed
    assert client.get("/api/users/me", headers=ann.headers).get_json()["city"] == "Porto Alegre"
    assert client.patch("/api/users/me", json={"city": None}, headers=ann.headers).get_json()["city"] == ""


def test_profile_city_that_is_no_place_name_changes_nothing(client, make_user):
    ann = make_user()
    res = client.patch("/api/users/me", json={"city": "12345", "bio": "kept?"}, headers=ann.headers)
    err = assert_error(res, 422, "invalid_city")
    assert err["details"]["fields"]["city"]["code"] == "invalid_city"
    me = client.get("/api/users/me", headers=ann.headers).get_json()
    assert me["city"] == "" and me["bio"] == ""  # nothing of the refused change was saved


def test_patch_username_then_log_in_with_it(client, make_user):
    # (email changes are confirmed by mail: tests/test_security_email.py)
    ann = make_user()
    res = client.patch("/api/users/me", json={"username": "AnnNew"}, headers=ann.headers)
    assert res.status_code == 200
    assert res.get_json()["username"] == "AnnNew"
    assert client.post("/api/auth/login", json={"login": "annnew", "password": ann.password}).status_code == 200


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("username", "{other}", "username_taken"),
        ("username", "{OTHER}", "username_taken"),
    ],
)
def test_patch_clash_is_409(client, make_user, field, value, code):
    ann, bob = make_user(), make_user()
    value = value.format(other=bob.username, OTHER=bob.username.upper(), oemail=bob.email.upper())
    assert_error(client.patch("/api/users/me", json={field: value}, headers=ann.headers), 409, code)


@pytest.mark.parametrize(
    "body",
    [{"birth_date": "yesterday"}, {"telegram": "not a handle!"}, {"username": "a b"}, {"email": "nope"}, {"bio": 5}],
)
def test_patch_bad_values_are_422(client, make_user, body):
    ann = make_user()
    err = assert_error(client.patch("/api/users/me", json=body, headers=ann.headers), 422, "validation_error")
    assert next(iter(body)) in err["details"]["fields"]


# --- other users ----------------------------------------------------------------------------------


def test_other_profile_hides_private_fields(client, make_user):
    ann, bob = make_user(), make_user()
    client.patch("/api/users/me", json={"phone": "+1 555", "birth_date": "1990-01-01"}, headers=bob.headers)
    body = client.get(f"/api/users/{bob.id}", headers=ann.headers).get_json()
    assert PUBLIC_FIELDS | {"online"} <= set(body)
    assert all(body.get(f) is None for f in PRIVATE_FIELDS), body
    assert body["username"] == bob.username
    mine = client.get(f"/api/users/{bob.id}", headers=bob.headers).get_json()
    assert mine["phone"] == "+1 555" and mine["birth_date"] == "1990-01-01"


def test_unknown_user_is_404(client, make_user):
    ann = make_user()
    assert_error(client.get("/api/users/999999", headers=ann.headers), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/users/me"),
        ("PATCH", "/api/users/me"),
        ("GET", "/api/users/1"),
        ("GET", "/api/users?q=a"),
        ("PUT", "/api/users/me/avatar"),
    ],
)
def test_profile_routes_need_a_token(client, method, path):
    assert_error(client.open(path, method=method, json={}), 401)


# --- search ---------------------------------------------------------------------------------------


def test_search_by_username_and_display_name_with_pagination(client, make_user):
    searcher = make_user("searcher")
    plumbers = [make_user(f"plumber{n}") for n in range(5)]
    painter = make_user("painter1")
    client.patch("/api/users/me", json={"display_name": "Master Plumber"}, headers=painter.headers)
    make_user("carpenter")

    expected = [u.id for u in plumbers] + [painter.id]
    seen, cursor, pages = [], None, 0
    while True:
        url = "/api/users?q=PLUMB&limit=2" + (f"&after={cursor}" if cursor is not None else "")
        page = client.get(url, headers=searcher.headers).get_json()
        seen += [item["id"] for item in page["items"]]
        assert all("phone" not in item or item["phone"] is None for item in page["items"])
        pages += 1
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == expected
    assert pages == 3


def test_search_pages_hold_fifty_users_unless_asked_otherwise(app, client, make_user):
    """The contract's default page size for every list."""
    app.config["RATE_LIMITS"] = False  # 53 sign-ups from one address
    searcher = make_user("searcher50")
    for n in range(52):
        make_user(f"bulkuser{n}")
    page = client.get("/api/users?q=bulkuser", headers=searcher.headers).get_json()
    assert len(page["items"]) == 50 and page["next"] is not None
    rest = client.get(f"/api/users?q=bulkuser&after={page['next']}", headers=searcher.headers).get_json()
    assert len(rest["items"]) == 2 and rest["next"] is None


def test_search_escapes_like_wildcards(client, make_user):
    ann = make_user("ann_x")
    make_user("annyx")
    items = client.get("/api/users?q=_x", headers=ann.headers).get_json()["items"]
    assert [i["username"] for i in items] == ["ann_x"]


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "limit=abc", "after=-1"])
def test_search_bad_query_is_422(client, make_user, query):
    ann = make_user()
    assert_error(client.get(f"/api/users?{query}", headers=ann.headers), 422, "validation_error")


# --- avatars --------------------------------------------------------------------------------------


def _image(fmt: str, size=(64, 48), exif: bool = False) -> bytes:
    img = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCameraMaker"  # Make
        data[0x0110] = "SpyCam 3000"  # Model
        data[0x8825] = {2: (41.0, 43.0, 0.0)}  # GPS info
        img.save(out, fmt, exif=data.tobytes(), comment=b"hidden comment")
    else:
        img.save(out, fmt)
    return out.getvalue()


def _upload(client, user, data: bytes, filename: str = "a.png", field: str = "file"):
    return client.put(
        "/api/users/me/avatar",
        data={field: (io.BytesIO(data), filename)},
        headers=user.headers,
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(("fmt", "content_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg")])
def test_avatar_upload_is_served_with_real_type_and_nosniff(client, make_user, fmt, content_type):
    ann = make_user()
    res = _upload(client, ann, _image(fmt), filename="whatever.bin")
    assert res.status_code == 200
    url = res.get_json()["avatar_url"]
    assert url.startswith("/media/avatars/")
    served = client.get(url)
    assert served.status_code == 200
    assert served.mimetype == content_type
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(served.data)) as img:
        assert img.format == fmt
    assert client.get(f"/api/users/{ann.id}", headers=ann.headers).get_json()["avatar_url"] == url


def test_avatar_jpeg_loses_its_exif(client, make_user):
    ann = make_user()
    original = _image("JPEG", exif=True)
    with Image.open(io.BytesIO(original)) as img:
        assert img.getexif()[0x010F] == "SecretCameraMaker"  # the test image really carries EXIF
    assert b"SecretCameraMaker" in original

    url = _upload(client, ann, original, "photo.jpg").get_json()["avatar_url"]
    served = client.get(url).data
    with Image.open(io.BytesIO(served)) as img:
        assert not img.getexif()
        assert "exif" not in img.info and "comment" not in img.info
    assert b"SecretCameraMaker" not in served and b"SpyCam" not in served and b"hidden comment" not in served


def test_avatar_replacement_removes_the_old_file(client, make_user):
    ann = make_user()
    first = _upload(client, ann, _image("PNG")).get_json()["avatar_url"]
    second = _upload(client, ann, _image("JPEG"), "b.jpg").get_json()["avatar_url"]
    assert first != second
    assert_error(client.get(first), 404)
    assert client.get(second).status_code == 200


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"just some text, not an image", "notes.txt"),
        (b"<script>alert(1)</script>", "evil.png"),
        (b"\x89PNG\r\n\x1a\n" + b"<html><script>alert(1)</script></html>" * 20, "polyglot.png"),
        (b"\xff\xd8\xff\xe0" + b"GIF89a<script>" * 50, "garbage.jpg"),
        (b"%PDF-1.4\n" + b"0" * 100, "doc.gif"),
    ],
)
def test_avatar_non_image_is_415(client, make_user, data, filename):
    ann = make_user()
    assert_error(_upload(client, ann, data, filename), 415, "unsupported_media_type")
    assert client.get("/api/users/me", headers=ann.headers).get_json()["avatar_url"] is None


def test_avatar_image_with_appended_payload_is_cleaned(client, make_user):
    """A real image with a script glued to its end decodes, but the stored copy is re-encoded without it."""
    ann = make_user()
    res = _upload(client, ann, _image("PNG") + b"<script>alert(1)</script>", "trick.png")
    assert res.status_code == 200
    assert b"<script>" not in client.get(res.get_json()["avatar_url"]).data


def test_avatar_too_big_is_413(config, client, make_user):
    config_limit = client.application.config["AVATAR_MAX_BYTES"]
    ann = make_user()
    big = _image("PNG") + b"\0" * (config_limit + 1)
    err = assert_error(_upload(client, ann, big), 413, "payload_too_large")
    assert err["details"]["limit"] == config_limit


def test_avatar_missing_field_is_422(client, make_user):
    ann = make_user()
    err = assert_error(_upload(client, ann, _image("PNG"), field="picture"), 422, "validation_error")
    assert "file" in err["details"]["fields"]


def test_avatar_empty_file_is_422(client, make_user):
    ann = make_user()
    assert_error(_upload(client, ann, b""), 422, "validation_error")


@pytest.mark.parametrize("name", ["../secret_key", "x.png", "0" * 32 + ".png", "%2e%2e%2fsecret_key"])
def test_media_unknown_or_traversal_is_404(client, name):
    assert_error(client.get(f"/media/avatars/{name}"), 404)


def test_avatar_png_loses_text_chunks_and_icc_profile(client, make_user):
    from PIL import ImageCms, PngImagePlugin

    ann = make_user()
    meta = PngImagePlugin.PngInfo()
    meta.add_text("Comment", "SecretPngComment")
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    Image.new("RGBA", (40, 40), (0, 0, 255, 128)).save(out, "PNG", pnginfo=meta, icc_profile=icc)
    assert b"SecretPngComment" in out.getvalue()

    url = _upload(client, ann, out.getvalue(), "meta.png").get_json()["avatar_url"]
    served = client.get(url).data
    assert b"SecretPngComment" not in served
    with Image.open(io.BytesIO(served)) as img:
        assert "icc_profile" not in img.info and "Comment" not in img.info
        assert img.mode == "RGBA"  # transparency survives


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("size", [(8000, 6000), (20000, 10000)], ids=["48 megapixels", "200 megapixels"])
def test_avatar_with_too_many_pixels_is_413_before_decoding(client, make_user, size):
    """A tiny file can claim huge dimensions (a decompression bomb); it is refused from its header."""
    ann = make_user()
    out = io.BytesIO()
    Image.new("1", size).save(out, "PNG")
    assert len(out.getvalue()) < client.application.config["AVATAR_MAX_BYTES"]
    assert_error(_upload(client, ann, out.getvalue(), "bomb.png"), 413, "payload_too_large")


def test_avatar_truncated_image_is_415(client, make_user):
    ann = make_user()
    data = _image("JPEG", size=(400, 300))
    assert_error(_upload(client, ann, data[: len(data) // 2], "cut.jpg"), 415, "unsupported_media_type")
