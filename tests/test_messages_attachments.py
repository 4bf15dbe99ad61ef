"""Attachments: images re-encoded, audio checked by content, size-limited, served only to chat members."""

import io
from pathlib import Path

from PIL import Image

from tests.chat_helpers import events, group, send


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(out, "PNG")
    return out.getvalue()


def upload(client, user, data: bytes, name: str = "f.bin"):
    return client.post(
        "/api/attachments",
        headers=user.headers,
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_image_is_reencoded_and_sent_with_a_message(client, make_user, socket_client):
    alice, bob = make_user(), make_user()
    g = group(client, alice, [bob])
    res = upload(client, alice, png_bytes(), "cat.png")
    assert res.status_code == 201
    att = res.get_json()
    assert att["kind"] == "image" and att["content_type"] == "image/png" and att["name"] == "cat.png"
    sb = socket_client(bob)
    msg = send(client, alice, g["id"], "look", attachment_id=att["id"])
    assert msg["attachment"] == att
    assert events(sb, "message:new")[0]["attachment"]["id"] == att["id"]
    got = client.get(att["url"], headers=bob.headers)
    assert got.status_code == 200 and got.mimetype == "image/png"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(got.data)).size == (40, 30)


def test_attachment_with_empty_body_is_allowed(client, make_user, audio_samples):
    alice, bob = make_user(), make_user()
    g = group(client, alice, [bob])
    att = upload(client, alice, audio_samples["opus"].read(), "voice.ogg").get_json()
    res = client.post("/api/messages", headers=alice.headers, json={"chat_id": g["id"], "attachment_id": att["id"]})
    assert res.status_code == 201 and res.get_json()["body"] == ""


def test_audio_is_parsed_as_audio_whatever_its_name(client, make_user, audio_samples):
    alice = make_user()
    for fmt in ("mp3", "ogg", "opus", "m4a", "aac", "flac", "wav"):
        sample = audio_samples[fmt]
        res = upload(client, alice, sample.read(), "track.exe")
        assert res.status_code == 201, (fmt, res.get_json())
        assert res.get_json()["kind"] == "audio" and res.get_json()["content_type"] == sample.content_type
        served = client.get(res.get_json()["url"], headers=alice.headers)
        assert served.mimetype == sample.content_type and served.data == sample.read()


def _stored(app) -> list[str]:
    folder = Path(app.config["UPLOAD_DIR"]) / "attachments"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_audio_that_only_looks_like_audio_is_refused(client, make_user, audio_samples, app):
    """Magic bytes alone no longer pass: audio is parsed before it is stored (a security finding)."""
    alice = make_user()
    fakes = [
        b"OggS\x00\x02" + b"\x00" * 200,
        b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"<script>alert(1)</script>" * 20,
        b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 100,
        b"\x00\x00\x00\x20ftypM4A " + b"<html>" * 30,
        b"\x1a\x45\xdf\xa3" + b"\x00" * 100,  # WebM/Matroska: not parsed, so not accepted
    ]
    mp3 = audio_samples["mp3"].read()
    fakes.append(mp3[: len(mp3) // 2])  # truncated
    for data in fakes:
        res = upload(client, alice, data, "voice.ogg")
        assert res.status_code == 415 and res.get_json()["error"]["code"] == "unsupported_media_type", data[:12]
    assert _stored(app) == []


def test_other_content_is_refused(client, make_user):
    alice = make_user()
    for data in (b"<html><script>alert(1)</script>", b"MZ\x90\x00" + b"\x00" * 50, b"%PDF-1.4"):
        res = upload(client, alice, data, "x.png")
        assert res.status_code == 415 and res.get_json()["error"]["code"] == "unsupported_media_type"
    assert upload(client, alice, b"", "empty.ogg").status_code == 422
    assert (
        client.post("/api/attachments", headers=alice.headers, data={}, content_type="multipart/form-data").status_code
        == 422
    )


def test_size_limit(client, make_user, app, audio_samples):
    app.config["ATTACHMENT_MAX_BYTES"] = 1000
    alice = make_user()
    assert upload(client, alice, audio_samples["ogg"].read()).status_code == 413


def test_only_members_of_its_chat_can_fetch(client, make_user, audio_samples):
    alice, bob, eve = make_user(), make_user(), make_user()
    g = group(client, alice, [bob])
    att = upload(client, alice, audio_samples["ogg"].read()).get_json()
    assert client.get(att["url"], headers=bob.headers).status_code == 403  # not sent anywhere yet
    send(client, alice, g["id"], "voice", attachment_id=att["id"])
    assert client.get(att["url"], headers=bob.headers).status_code == 200
    assert client.get(att["url"], headers=eve.headers).status_code == 403
    assert client.get(att["url"]).status_code == 401
    assert client.get("/api/attachments/99999", headers=bob.headers).status_code == 404


def test_attachment_cannot_be_borrowed(client, make_user, audio_samples):
    alice, bob = make_user(), make_user()
    g1, g2 = group(client, alice, [bob], "one"), group(client, alice, [bob], "two")
    att = upload(client, alice, audio_samples["ogg"].read()).get_json()
    stolen = client.post(
        "/api/messages", headers=bob.headers, json={"chat_id": g1["id"], "body": "x", "attachment_id": att["id"]}
    )
    assert stolen.status_code == 422
    send(client, alice, g1["id"], "here", attachment_id=att["id"])
    moved = client.post(
        "/api/messages", headers=alice.headers, json={"chat_id": g2["id"], "body": "x", "attachment_id": att["id"]}
    )
    assert moved.status_code == 422
