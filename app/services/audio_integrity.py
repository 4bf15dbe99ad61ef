"""Is an audio file whole? One structural check per format, run by app.services.audio.probe after mutagen
has parsed the file: an MP3 whose last frame runs past the end, an Ogg stream without its final page,
an MP4 or WAV whose boxes or chunks overrun the file, an ADTS stream cut mid-frame, a FLAC file whose
last frame is cut, fails its CRC or ends before its last sample: each raises Damaged with the reason.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from typing import Any, BinaryIO

from mutagen.flac import FLAC
from mutagen.mp3 import MP3, HeaderNotFoundError, MPEGFrame
from mutagen.ogg import OggPage


class Damaged(Exception):
    """The file is truncated or damaged; the message says how."""


def file_size(f: BinaryIO) -> int:
    f.seek(0, io.SEEK_END)
    return f.tell()


def _mp3_complete(f: BinaryIO, audio: MP3) -> None:
    """Walk the MPEG frames: the last must end inside the file, and a Xing/LAME frame count must be met."""
    size = file_size(f)
    first = audio.info.frame_offset  # type: ignore[attr-defined]
    if first > 1024 * 1024:
        raise Damaged("No MP3 audio near the start of the file.")
    pos, frames = first, 0
    while pos < size:
        f.seek(pos)
        try:
            MPEGFrame(f)
        except HeaderNotFoundError:
            break
        pos, frames = f.tell(), frames + 1
    if pos > size:
        raise Damaged("The MP3 file is truncated (its last frame is cut).")
    samples = 384 if audio.info.layer == 1 else (576 if audio.info.version >= 2 and audio.info.layer == 3 else 1152)
    walked = frames * samples / audio.info.sample_rate
    if frames < 2 or walked + 0.1 < audio.info.length * 0.97:
        raise Damaged("The MP3 file is truncated (fewer frames than its header says).")


def _ogg_complete(f: BinaryIO, _audio: Any) -> None:
    """The stream's last page must be whole and carry the end-of-stream flag."""
    size = file_size(f)
    f.seek(max(0, size - 65536 - 27 - 255))
    tail = f.read()
    index = tail.rfind(b"OggS")
    if index < 0:
        raise Damaged("The Ogg file is truncated.")
    page_io = io.BytesIO(tail[index:])
    page = OggPage(page_io)
    if page_io.tell() != len(tail) - index or not page.last:
        raise Damaged("The Ogg file is truncated (its final page is missing).")


def _mp4_complete(f: BinaryIO, _audio: Any) -> None:
    """The top-level boxes must tile the file exactly, with the audio's `mdat` among them."""
    size, pos, seen = file_size(f), 0, set()
    while pos < size:
        f.seek(pos)
        header = f.read(8)
        if len(header) < 8:
            raise Damaged("The M4A file is truncated.")
        length, kind = struct.unpack(">I4s", header)
        if length == 1:
            length = struct.unpack(">Q", f.read(8))[0]
        elif length == 0:
            length = size - pos
        if length < 8 or pos + length > size:
            raise Damaged("The M4A file is truncated (a box runs past its end).")
        seen.add(kind)
        pos += length
    if not {b"moov", b"mdat"} <= seen:
        raise Damaged("The M4A file holds no audio data.")


def _wav_complete(f: BinaryIO, _audio: Any) -> None:
    """Every RIFF chunk must fit in the file, the `data` chunk included."""
    size = file_size(f)
    pos, seen = 12, set()
    while pos + 8 <= size:
        f.seek(pos)
        kind, length = struct.unpack("<4sI", f.read(8))
        if pos + 8 + length > size:
            raise Damaged("The WAV file is truncated (its data runs past the end).")
        seen.add(kind)
        pos += 8 + length + (length & 1)
    if b"data" not in seen or b"fmt " not in seen:
        raise Damaged("The WAV file holds no audio data.")


def _adts_complete(f: BinaryIO, _audio: Any) -> None:
    """Walk the ADTS frames: the last must end exactly at the end of the file (or before an ID3v1 tag)."""
    size, pos, frames = file_size(f), 0, 0
    f.seek(0)
    data = f.read()
    while pos + 7 <= size and data[pos] == 0xFF and data[pos + 1] & 0xF6 == 0xF0:
        length = ((data[pos + 3] & 0x03) << 11) | (data[pos + 4] << 3) | (data[pos + 5] >> 5)
        if length < 7:
            break
        pos, frames = pos + length, frames + 1
    if pos > size or frames < 2 or (size - pos not in (0, 128)):
        raise Damaged("The AAC file is truncated or damaged.")


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
    size = file_size(f)
    window = min(size, max(info.max_framesize or 0, 65536) + 16)
    f.seek(size - window)
    tail = f.read()
    total = info.total_samples
    index = len(tail)
    while True:
        index = tail.rfind(b"\xff", 0, index)
        if index < 0:
            raise Damaged("The FLAC file is truncated (its last frame is cut).")
        end = _flac_frame_end(tail[index:], info)
        if end is not None and _crc16(tail[index:-2]) == struct.unpack(">H", tail[-2:])[0]:
            if total and end != total:
                raise Damaged("The FLAC file is truncated (it ends before its last sample).")
            return


COMPLETE: dict[str, Callable[[BinaryIO, Any], None]] = {
    "mp3": _mp3_complete,
    "opus": _ogg_complete,
    "ogg": _ogg_complete,
    "m4a": _mp4_complete,
    "aac": _adts_complete,
    "flac": _flac_complete,
    "wav": _wav_complete,
}


def check_complete(fmt: str, f: BinaryIO, audio: Any) -> None:
    """Raise Damaged unless the file of format `fmt` (parsed by mutagen as `audio`) is whole."""
    COMPLETE[fmt](f, audio)
