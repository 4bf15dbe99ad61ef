"""Audio probing: is this file really audio, of which format, how long, with which tags and cover?

One module for every upload that claims to be audio (music tracks and chat attachments). The
file's name is never trusted: mutagen (a well-kept tag reader) parses the container, and a short
structural check per format refuses truncated files (an MP3 whose last frame runs past the end,
an Ogg stream without its final page, an MP4 or WAV whose boxes or chunks overrun the file, a
FLAC whose last frame is cut or fails its CRC).
"""

from __future__ import annotations

import base64
import io
import logging
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import mutagen
from mutagen.aac import AAC
from mutagen.flac import FLAC, Picture
from mutagen.mp3 import MP3, HeaderNotFoundError, MPEGFrame
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE

from app.errors import UnsupportedMediaType

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
            _COMPLETE[fmt](f, audio)
        except NotAudio:
            raise
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


# ----- completeness, per format -----


def _file_size(f: BinaryIO) -> int:
    f.seek(0, io.SEEK_END)
    return f.tell()


def _mp3_complete(f: BinaryIO, audio: MP3) -> None:
    """Walk the MPEG frames: the last must end inside the file, and a Xing/LAME frame count must be met."""
    size = _file_size(f)
    first = audio.info.frame_offset  # type: ignore[attr-defined]
    if first > 1024 * 1024:
        raise NotAudio("No MP3 audio near the start of the file.")
    pos, frames = first, 0
    while pos < size:
        f.seek(pos)
        try:
            MPEGFrame(f)
        except HeaderNotFoundError:
            break
        pos, frames = f.tell(), frames + 1
    if pos > size:
        raise NotAudio("The MP3 file is truncated (its last frame is cut).")
    samples = 384 if audio.info.layer == 1 else (576 if audio.info.version >= 2 and audio.info.layer == 3 else 1152)
    walked = frames * samples / audio.info.sample_rate
    if frames < 2 or walked + 0.1 < audio.info.length * 0.97:
        raise NotAudio("The MP3 file is truncated (fewer frames than its header says).")


def _ogg_complete(f: BinaryIO, _audio: Any) -> None:
    """The stream's last page must be whole and carry the end-of-stream flag."""
    from mutagen.ogg import OggPage

    size = _file_size(f)
    f.seek(max(0, size - 65536 - 27 - 255))
    tail = f.read()
    index = tail.rfind(b"OggS")
    if index < 0:
        raise NotAudio("The Ogg file is truncated.")
    page_io = io.BytesIO(tail[index:])
    page = OggPage(page_io)
    if page_io.tell() != len(tail) - index or not page.last:
        raise NotAudio("The Ogg file is truncated (its final page is missing).")


def _mp4_complete(f: BinaryIO, _audio: Any) -> None:
    """The top-level boxes must tile the file exactly, with the audio's `mdat` among them."""
    size, pos, seen = _file_size(f), 0, set()
    while pos < size:
        f.seek(pos)
        header = f.read(8)
        if len(header) < 8:
            raise NotAudio("The M4A file is truncated.")
        length, kind = struct.unpack(">I4s", header)
        if length == 1:
            length = struct.unpack(">Q", f.read(8))[0]
        elif length == 0:
            length = size - pos
        if length < 8 or pos + length > size:
            raise NotAudio("The M4A file is truncated (a box runs past its end).")
        seen.add(kind)
        pos += length
    if not {b"moov", b"mdat"} <= seen:
        raise NotAudio("The M4A file holds no audio data.")


def _wav_complete(f: BinaryIO, _audio: Any) -> None:
    """Every RIFF chunk must fit in the file, the `data` chunk included."""
    size = _file_size(f)
    pos, seen = 12, set()
    while pos + 8 <= size:
        f.seek(pos)
        kind, length = struct.unpack("<4sI", f.read(8))
        if pos + 8 + length > size:
            raise NotAudio("The WAV file is truncated (its data runs past the end).")
        seen.add(kind)
        pos += 8 + length + (length & 1)
    if b"data" not in seen or b"fmt " not in seen:
        raise NotAudio("The WAV file holds no audio data.")


def _adts_complete(f: BinaryIO, _audio: Any) -> None:
    """Walk the ADTS frames: the last must end exactly at the end of the file (or before an ID3v1 tag)."""
    size, pos, frames = _file_size(f), 0, 0
    f.seek(0)
    data = f.read()
    while pos + 7 <= size and data[pos] == 0xFF and data[pos + 1] & 0xF6 == 0xF0:
        length = ((data[pos + 3] & 0x03) << 11) | (data[pos + 4] << 3) | (data[pos + 5] >> 5)
        if length < 7:
            break
        pos, frames = pos + length, frames + 1
    if pos > size or frames < 2 or (size - pos not in (0, 128)):
        raise NotAudio("The AAC file is truncated or damaged.")


def _crc8_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
        table.append(crc)
    return table


def _crc16_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x8005) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
        table.append(crc)
    return table


_CRC8, _CRC16 = _crc8_table(), _crc16_table()


def _crc8(data: bytes) -> int:
    crc = 0
    for b in data:
        crc = _CRC8[crc ^ b]
    return crc


def _crc16(data: bytes) -> int:
    crc = 0
    for b in data:
        crc = ((crc << 8) & 0xFFFF) ^ _CRC16[(crc >> 8) ^ b]
    return crc


def _flac_frame_end(frame: bytes, streaminfo: Any) -> int | None:
    """Samples up to the end of the FLAC frame at the start of `frame`, if its header is valid, else None."""
    if len(frame) < 6 or frame[0] != 0xFF or frame[1] & 0xFE != 0xF8:
        return None
    variable = frame[1] & 1
    bs_code, sr_code = frame[2] >> 4, frame[2] & 0x0F
    if bs_code == 0 or sr_code == 0x0F:
        return None
    # the frame or sample number, UTF-8 style
    first, pos = frame[4], 5
    extra = 0
    while first & (0x80 >> extra) and extra < 7:
        extra += 1
    if extra == 1:
        return None
    number = first & (0x7F >> extra) if extra else first
    for _ in range(max(extra - 1, 0)):
        if pos >= len(frame) or frame[pos] & 0xC0 != 0x80:
            return None
        number, pos = (number << 6) | (frame[pos] & 0x3F), pos + 1
    if bs_code == 1:
        block = 192
    elif bs_code <= 5:
        block = 576 << (bs_code - 2)
    elif bs_code == 6:
        block, pos = frame[pos] + 1, pos + 1
    elif bs_code == 7:
        block, pos = (frame[pos] << 8 | frame[pos + 1]) + 1, pos + 2
    else:
        block = 256 << (bs_code - 8)
    pos += {12: 1, 13: 2, 14: 2}.get(sr_code, 0)
    if pos >= len(frame) or _crc8(frame[:pos]) != frame[pos]:
        return None
    start = number if variable else number * streaminfo.min_blocksize
    return start + block


def _flac_complete(f: BinaryIO, audio: FLAC) -> None:
    """The file must end with a whole frame (its CRC-16 right) that ends at the stream's last sample."""
    info = audio.info
    size = _file_size(f)
    window = min(size, max(info.max_framesize or 0, 65536) + 16)
    f.seek(size - window)
    tail = f.read()
    total = info.total_samples
    index = len(tail)
    while True:
        index = tail.rfind(b"\xff", 0, index)
        if index < 0:
            raise NotAudio("The FLAC file is truncated (its last frame is cut).")
        end = _flac_frame_end(tail[index:], info)
        if end is not None and _crc16(tail[index:-2]) == struct.unpack(">H", tail[-2:])[0]:
            if total and end != total:
                raise NotAudio("The FLAC file is truncated (it ends before its last sample).")
            return


_COMPLETE: dict[str, Callable[[BinaryIO, Any], None]] = {
    "mp3": _mp3_complete,
    "opus": _ogg_complete,
    "ogg": _ogg_complete,
    "m4a": _mp4_complete,
    "aac": _adts_complete,
    "flac": _flac_complete,
    "wav": _wav_complete,
}


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
    size, pos = _file_size(f), 12
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
