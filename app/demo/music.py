"""Demo part "music": a few short tracks (made with ffmpeg) in some people's music and a public playlist.

Without ffmpeg on the PATH the part prints a note and makes nothing (CI has ffmpeg).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import click

from app.demo.parts import DemoContext, demo_part

# uploader, title, artist, notes (Hz) of its little tune
TRACKS = [
    ("dj_mark", "Летний вечер", "DJ Mark", [392, 440, 494, 523]),
    ("dj_mark", "Night Drive", "DJ Mark", [220, 262, 330, 262]),
    ("nika_photo", "Golden Hour", "Nika Hart", [523, 659, 784, 659]),
    ("anna", "Колыбельная", "Анна Соколова", [330, 294, 262, 294]),
]
# who adds others' tracks to their music
ADDS = [("kate", "Golden Hour"), ("kate", "Night Drive"), ("tom", "Night Drive"), ("anna", "Летний вечер")]
PLAYLIST = ("dj_mark", "Вечеринка / Party mix", ["Летний вечер", "Night Drive", "Golden Hour"])


def _tune(ffmpeg: str, path: Path, notes: list[int], title: str, artist: str) -> None:
    """An 8-second MP3 of four notes with its title and artist in the tags."""
    # "\\," is a comma inside one filter's arguments (a bare comma would start the next filter)
    expr = "+".join(f"between(t\\,{i * 2}\\,{i * 2 + 2})*sin(2*PI*{hz}*t)" for i, hz in enumerate(notes))
    subprocess.run(
        [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         f"aevalsrc=0.4*({expr}):s=22050:d=8", "-ac", "1", "-c:a", "libmp3lame", "-q:a", "7",
         "-metadata", f"title={title}", "-metadata", f"artist={artist}", str(path)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip


@demo_part("music", after="social")
def music(ctx: DemoContext) -> None:
    """Upload the tracks through the music service, add some to others' music, and one public playlist."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        click.echo("Note: ffmpeg is not installed, so the demo has no music (apt-get install ffmpeg).")
        return
    from app.services import music as tracks
    from app.services import playlists

    made: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, (uploader, title, artist, notes) in enumerate(TRACKS):
            path = Path(tmp) / f"demo-{i}.mp3"
            _tune(ffmpeg, path, notes, title, artist)
            with path.open("rb") as f:
                made[title] = tracks.upload_track(ctx.user(uploader).id, f, path.name)["id"]
            ctx.count("tracks")
    for username, title in ADDS:
        tracks.add_to_my_music(ctx.user(username).id, made[title])
    owner, name, titles = PLAYLIST
    playlist = playlists.create_playlist(ctx.user(owner).id, name, public=True)
    playlists.set_tracks(ctx.user(owner).id, playlist["id"], [made[t] for t in titles])
    ctx.count("playlists")
