"""Audio probing: is this file really audio, of which format, how long, with which tags and cover?

One module for every upload that claims to be audio (music tracks and chat attachments). The
file's name is never trusted: mutagen (a well-kept tag reader) parses the container, and a short
structural check per format (app.services.audio_integrity) refuses truncated or damaged files.
"""

from __future__ import annotations

import base64
import logging
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import mutagen
from mutagen.aac import AAC
from mutagen.flac import FLAC, Picture
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE

from app.errors import UnsupportedMediaType
from app.services.audio_integrity import Damaged, check_complete, file_size

log = logging.getLogger("masterchat.audio")

# format -> (content type, file extension)
FORMATS: dict[str, tuple[str, str]] = {
    "mp3": ("audio/mpeg", "mp3"),
    "opus": ("audio/ogg", "opus"),
    "ogg": ("audio/ogg", "ogg"),
    "m4a": ("audio/mp4", "m4a"),
    "aac": ("audio/aac", "aac"),
    "flac": ("audio/flac", "flac"),
    "wav": ("audio/wav", "wav"),
}
MAX_DURATION_S = 6 * 3600
ACCEPTED = "MP3, Ogg (Vorbis, Opus), M4A/AAC, FLAC or WAV"


class NotAudio(UnsupportedMediaType):
    """The file is not audio we accept, or it is damaged; a 415 in the contract's shape."""


@dataclass
class AudioInfo:
    """What probing found in an audio file."""

    format: str
    duration_s: float
    title: str = ""
    artist: str = ""
    album: str = ""
    cover: bytes | None = field(default=None, repr=False)

    @property
    def content_type(self) -> str:
        """The Content-Type the file is served with."""
        return FORMATS[self.format][0]

    @property
    def ext(self) -> str:
        """The extension of the stored file."""
        return FORMATS[self.format][1]


def probe(path: str | Path) -> AudioInfo:
    """Parse an audio file by its content; NotAudio (415) for anything else, truncated or damaged files too."""
    with open(path, "rb") as f:
        try:
            audio, fmt = _open(f)
            if audio is None or audio.info is None:
                raise NotAudio(f"The file is not audio we can play ({ACCEPTED}).")
            duration = float(getattr(audio.info, "length", 0) or 0)
            if not 0 < duration <= MAX_DURATION_S:
                raise NotAudio("The file holds no playable audio (its duration is unreadable).")
            check_complete(fmt, f, audio)
        except NotAudio:
            raise
        except Damaged as err:
            raise NotAudio(str(err)) from None
        except Exception:
            # mutagen and the checks raise many kinds of errors on crafted files (MutagenError, struct.error,
            # IndexError, EOFError...): every one means "not audio we accept".
            raise NotAudio(f"The file is not audio we can play, or it is damaged ({ACCEPTED}).") from None
        info = AudioInfo(format=fmt, duration_s=round(duration, 3))
        try:
            _read_tags(audio, info)
            if fmt == "wav" and not info.title:
                _read_riff_info(f, info)
        except Exception:  # a broken tag never refuses playable audio: the uploader types the title
            log.info("unreadable tags in a %s upload", fmt)
    return info


def _open(f: BinaryIO) -> tuple[Any, str]:
    """mutagen's parser for the file's real format, chosen by its first bytes."""
    head = f.read(64)
    f.seek(0)
    if head[:4] == b"OggS":
        audio = mutagen.File(f, options=[OggOpus, OggVorbis])
        if audio is None:
            raise NotAudio("The Ogg file holds no Vorbis or Opus audio (the only kinds accepted in Ogg).")
        return audio, "opus" if isinstance(audio, OggOpus) else "ogg"
    if head[:4] == b"fLaC":
        return FLAC(f), "flac"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAVE(f), "wav"
    if head[4:8] == b"ftyp":
        return MP4(f), "m4a"
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:  # ADTS sync, layer 0
        return AAC(f), "aac"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return MP3(f), "mp3"
    raise NotAudio(f"The file is not audio we can play ({ACCEPTED}).")


# ----- tags -----


def _first(tags: Any, *keys: str) -> str:
    for key in keys:
        try:
            value = tags.get(key) if hasattr(tags, "get") else None
        except (KeyError, ValueError):
            value = None
        if value is None:
            continue
        if isinstance(value, list | tuple):
            value = value[0] if value else None
        if hasattr(value, "text"):  # an ID3 frame
            value = value.text[0] if value.text else None
        if value:
            return str(value).strip()[:200]
    return ""


def _read_riff_info(f: BinaryIO, info: AudioInfo) -> None:
    """Title, artist and album from a WAV file's LIST/INFO chunk (what ffmpeg and most editors write)."""
    size, pos = file_size(f), 12
    while pos + 8 <= size:
        f.seek(pos)
        kind, length = struct.unpack("<4sI", f.read(8))
        if kind == b"LIST" and f.read(4) == b"INFO":
            body, at = f.read(min(length - 4, 65536)), 0
            while at + 8 <= len(body):
                key, n = struct.unpack("<4sI", body[at : at + 8])
                value = body[at + 8 : at + 8 + n].split(b"\0", 1)[0].decode("utf-8", "replace").strip()[:200]
                field_name = {b"INAM": "title", b"IART": "artist", b"IPRD": "album"}.get(key)
                if field_name and value:
                    setattr(info, field_name, value)
                at += 8 + n + (n & 1)
            return
        pos += 8 + length + (length & 1)


def _read_tags(audio: Any, info: AudioInfo) -> None:
    tags = audio.tags
    if tags is None:
        return
    if isinstance(audio, MP4):
        info.title, info.artist, info.album = (_first(tags, k) for k in ("\xa9nam", "\xa9ART", "\xa9alb"))
        covers = tags.get("covr") or []
        info.cover = bytes(covers[0]) if covers else None
    elif hasattr(tags, "getall"):  # ID3 (MP3, WAV)
        info.title, info.artist, info.album = (_first(tags, k) for k in ("TIT2", "TPE1", "TALB"))
        pictures = tags.getall("APIC")
        front = [p for p in pictures if p.type == 3] or pictures
        info.cover = front[0].data if front else None
    else:  # Vorbis comments (Ogg, FLAC)
        info.title, info.artist, info.album = (_first(tags, k) for k in ("title", "artist", "album"))
        pictures = list(getattr(audio, "pictures", []) or [])
        for raw in tags.get("metadata_block_picture", []) or []:
            pictures.append(Picture(base64.b64decode(raw)))
        front = [p for p in pictures if p.type == 3] or pictures
        info.cover = front[0].data if front else None
