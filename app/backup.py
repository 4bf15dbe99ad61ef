"""`flask backup` and `flask restore`: the database, the uploads and the secret key in one archive.

SQLite runs in WAL mode, so copying the file while the server writes can give a torn copy; the backup
goes through SQLite's online backup API instead (a consistent snapshot, taken while the server keeps
serving). PostgreSQL has its own tool: `pg_dump` (README, "Backups"); there `flask backup` archives
the uploads and the secret key only and says so.

The archive (`.tar.gz`, readable by its owner only: it holds the secret key) contains:

    manifest.json      when, schema revision, row counts, what is inside
    database.sqlite    the SQLite snapshot (SQLite deployments)
    uploads/...        avatars and attachments
    secret_key         the key that signs tokens (restored, sessions stay valid)
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, or None for another database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _snapshot(source: Path, target: Path) -> None:
    """Copy a live SQLite database with the online backup API (consistent, WAL included)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst, pages=1024, sleep=0.005)  # steps, so the server's writers are not starved
    finally:
        dst.close()
        src.close()


def _counts(db_file: Path) -> dict[str, Any]:
    conn = sqlite3.connect(db_file)
    try:
        out: dict[str, Any] = {}
        for table in ("users", "messages", "chats"):
            try:
                out[table] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 (fixed names)
            except sqlite3.Error:
                out[table] = None
        try:
            out["revision"] = [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")]
        except sqlite3.Error:
            out["revision"] = []
        return out
    finally:
        conn.close()


def make_backup(out: Path) -> dict[str, Any]:
    """Write the archive to `out`; returns its manifest."""
    config = current_app.config
    db_file = sqlite_path(config["SQLALCHEMY_DATABASE_URI"])
    uploads = Path(config["UPLOAD_DIR"])
    manifest: dict[str, Any] = {
        "format": 1,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": "sqlite" if db_file else "not included (use pg_dump)",
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        old_umask = os.umask(0o077)
        try:
            with tarfile.open(out, "w:gz") as tar:
                if db_file is not None:
                    snapshot = Path(tmp) / "database.sqlite"
                    _snapshot(db_file, snapshot)
                    manifest.update(_counts(snapshot))
                    tar.add(snapshot, "database.sqlite")
                files = 0
                if uploads.is_dir():
                    for path in sorted(uploads.rglob("*")):
                        if path.is_file():
                            tar.add(path, f"uploads/{path.relative_to(uploads)}")
                            files += 1
                manifest["uploads"] = files
                _add_bytes(tar, "secret_key", config["SECRET_KEY"].encode())
                _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=2).encode())
        finally:
            os.umask(old_umask)
    out.chmod(0o600)
    return manifest


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
    tar.addfile(info, io.BytesIO(data))


def restore_backup(archive: Path) -> dict[str, Any]:
    """Put an archive back: the database (SQLite), the uploads, the secret key; returns its manifest.

    Run it with the server stopped. The database is written through the backup API into the
    configured file (so a WAL left by the old one cannot mix in); uploads replace UPLOAD_DIR.
    """
    config = current_app.config
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(archive, "r:gz") as tar:
        tar.extractall(tmp, filter="data")  # no absolute paths, no links out, no devices
        root = Path(tmp)
        manifest = json.loads((root / "manifest.json").read_text())
        snapshot = root / "database.sqlite"
        if snapshot.exists():
            target = sqlite_path(config["SQLALCHEMY_DATABASE_URI"])
            if target is None:
                raise click.ClickException("This archive holds a SQLite database but DATABASE_URL is not SQLite.")
            from app.extensions import db

            db.engine.dispose()  # this process's own connections let go of the old file
            target.parent.mkdir(parents=True, exist_ok=True)
            src, dst = sqlite3.connect(snapshot), sqlite3.connect(target)
            try:
                with dst:
                    src.backup(dst)
            finally:
                src.close()
                dst.close()
        uploads = Path(config["UPLOAD_DIR"])
        if (root / "uploads").is_dir():
            shutil.rmtree(uploads, ignore_errors=True)
            shutil.copytree(root / "uploads", uploads)
        uploads.mkdir(parents=True, exist_ok=True)
        key = (root / "secret_key").read_text().strip()
        manifest["secret_key"] = _restore_key(key)
    return manifest


def _restore_key(key: str) -> str:
    """Put the archived key where this process reads it; say what happened."""
    from config import INSTANCE_DIR

    if os.environ.get("SECRET_KEY"):
        if os.environ["SECRET_KEY"] == key:
            return "SECRET_KEY in the environment already matches"
        path = INSTANCE_DIR / "secret_key.restored"
        path.write_text(key)
        path.chmod(0o600)
        return f"SECRET_KEY in the environment differs: set it to the archived key (written to {path})"
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    path.write_text(key)
    path.chmod(0o600)
    return f"written to {path}"


@click.command("backup")
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Archive to write.")
@with_appcontext
def backup_command(out: Path | None) -> None:
    """Write the database (SQLite online backup), uploads and secret key into one .tar.gz archive."""
    from config import INSTANCE_DIR

    out = out or INSTANCE_DIR / "backups" / f"masterchat-{datetime.now(UTC):%Y%m%d-%H%M%S}.tar.gz"
    manifest = make_backup(out)
    if manifest["database"] != "sqlite":
        click.echo("The database is not SQLite: back it up with pg_dump (README, 'Backups').", err=True)
    counts = f"{manifest.get('users')} users, {manifest.get('messages')} messages, " if "users" in manifest else ""
    click.echo(f"backup written to {out}: {counts}{manifest['uploads']} uploaded files, secret key")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(archive: Path, yes: bool) -> None:
    """Put a `flask backup` archive back (stop the server first): database, uploads, secret key."""
    if not yes:
        click.confirm("Replace this instance's database, uploads and secret key with the archive's", abort=True)
    manifest = restore_backup(archive)
    made = manifest.get("created_at", "?")
    counts = f"{manifest.get('users')} users, {manifest.get('messages')} messages; " if "users" in manifest else ""
    click.echo(
        f"restored the backup of {made}: {counts}{manifest['uploads']} uploaded files; key {manifest['secret_key']}"
    )
