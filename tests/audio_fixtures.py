"""Real audio files for the tests, encoded by ffmpeg at set-up (Debian's `ffmpeg` package; .ci/run installs it).

Each format gets a 3-second sine with known tags; mp3, m4a and flac also carry a 16x16 red cover.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

DURATION = 3.0


@dataclass(frozen=True)
class Sample:
    fmt: str
    path: Path
    content_type: str
    title: str
    artist: str
    album: str
    has_cover: bool

    def read(self) -> bytes:
        return self.path.read_bytes()


# format -> (file name, encoder arguments, content type, cover art?)
SPECS = {
    "mp3": ("s.mp3", ["-c:a", "libmp3lame", "-b:a", "64k", "-id3v2_version", "3"], "audio/mpeg", True),
    "opus": ("s.opus", ["-c:a", "libopus", "-b:a", "32k"], "audio/ogg", False),
    "ogg": ("s.ogg", ["-c:a", "libvorbis", "-q:a", "1"], "audio/ogg", False),
    "m4a": ("s.m4a", ["-c:a", "aac", "-b:a", "48k", "-movflags", "+faststart"], "audio/mp4", True),
    "aac": ("s.aac", ["-c:a", "aac", "-b:a", "48k", "-f", "adts"], "audio/aac", False),
    "flac": ("s.flac", ["-c:a", "flac"], "audio/flac", True),
    "wav": ("s.wav", ["-ar", "8000", "-c:a", "pcm_s16le"], "audio/wav", False),
}


def encode(folder: Path, fmt: str, title: str, artist: str, album: str, seconds: float = DURATION) -> Sample:
    """Encode a sine of `seconds` in `fmt` with these tags (and a cover where the format carries one)."""
    name, codec, content_type, cover = SPECS[fmt]
    out = folder / f"{title.replace(' ', '_')}-{name}"
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y"]
    cmd += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    if cover:
        cmd += ["-f", "lavfi", "-i", "color=c=red:s=16x16:d=0.1", "-map", "0:a", "-map", "1:v", "-frames:v", "1"]
        cmd += ["-c:v", "mjpeg" if fmt != "flac" else "png", "-disposition:v", "attached_pic"]
    tags = [] if fmt == "aac" else ["-metadata", f"title={title}", "-metadata", f"artist={artist}"]
    tags += ["-metadata", f"album={album}"] if fmt != "aac" else []
    subprocess.run([*cmd, *codec, *tags, str(out)], check=True, timeout=60)
    if fmt == "aac":  # raw ADTS carries no tags
        title, artist, album = "", "", ""
    return Sample(fmt, out, content_type, title, artist, album, cover)


@pytest.fixture(scope="session")
def audio_samples(tmp_path_factory) -> dict[str, Sample]:
    """One real file per accepted format, made once per test session."""
    if shutil.which("ffmpeg") is None:
        # The same rule as Chromium and the database servers: a failure in CI (.ci/run installs it),
        # elsewhere a skip that says what to install.
        reason = "ffmpeg makes the real audio files of the music tests (apt-get install ffmpeg)"
        if os.environ.get("CI"):
            pytest.fail(f"CI requires {reason}")
        pytest.skip(f"no ffmpeg: {reason}")
    folder = tmp_path_factory.mktemp("audio")
    return {fmt: encode(folder, fmt, f"Song {fmt}", "Тестовый Артист", "Album X") for fmt in SPECS}
