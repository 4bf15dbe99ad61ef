"""`flask backup` / `flask restore`: a backup restored into a fresh instance has every message,
every upload and the secret key (tokens signed before still verify)."""

from __future__ import annotations

import shutil
import sqlite3
import tarfile

from tests.test_cli_commands import flask_cli


def _messages(db_file) -> list[tuple]:
    conn = sqlite3.connect(db_file)
    try:
        return conn.execute("SELECT chat_id, seq, sender_id, body FROM messages ORDER BY id").fetchall()
    finally:
        conn.close()


def _demo_uploads() -> int:
    """The files the demo uploads: 15 avatars, the social part's photos, the music part's tracks (with ffmpeg)."""
    from app.demo import music, social

    photos = sum(len(p[-1]) for p in social.WALL_POSTS) + sum(len(p[-1]) for p in social.COMMUNITY_POSTS)
    return 15 + photos + (len(music.TRACKS) if shutil.which("ffmpeg") else 0)


def test_a_backup_restored_into_a_fresh_instance_has_every_message(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    assert flask_cli(old, "db", "upgrade").returncode == 0
    demo = flask_cli(old, "demo")
    assert demo.returncode == 0, demo.stderr
    archive = tmp_path / "backup.tar.gz"
    made = flask_cli(old, "backup", "--out", str(archive))
    assert made.returncode == 0, made.stderr
    old_messages = _messages(old / "app.db")
    assert len(old_messages) > 90  # the demo's chats (and group service lines)
    assert f"{len(old_messages)} messages" in made.stdout, made.stdout
    assert f"{_demo_uploads()} uploaded files" in made.stdout, made.stdout
    assert archive.stat().st_mode & 0o077 == 0  # it holds the secret key
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert {"manifest.json", "database.sqlite", "secret_key"} <= set(names)

    restored = flask_cli(new, "restore", str(archive), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert _messages(new / "app.db") == old_messages
    assert (new / "secret_key").read_text() == (old / "secret_key").read_text()
    old_files = sorted(p.relative_to(old / "uploads") for p in (old / "uploads").rglob("*") if p.is_file())
    new_files = sorted(p.relative_to(new / "uploads") for p in (new / "uploads").rglob("*") if p.is_file())
    assert new_files == old_files and len(new_files) == _demo_uploads()
    # The restored database is at the migrations' head: `python wsgi.py` serves it as it is.
    check = flask_cli(new, "db", "current")
    assert check.returncode == 0 and "(head)" in check.stdout, check.stdout + check.stderr


def test_restore_refuses_without_confirmation(tmp_path):
    assert flask_cli(tmp_path / "a", "db", "upgrade").returncode == 0
    archive = tmp_path / "b.tar.gz"
    assert flask_cli(tmp_path / "a", "backup", "-o", str(archive)).returncode == 0
    refused = flask_cli(tmp_path / "c", "restore", str(archive))
    assert refused.returncode == 1 and "Aborted" in refused.stderr
