"""Peak memory of decoding one uploaded image (docs/SECURITY.md, "Images").

Each case runs in a fresh process: the image file is made first (in another process, so that making it
does not count), then the measuring process reads it and runs the upload path's re-encoder; the peak
resident set (ru_maxrss) minus the one before decoding is the cost of the decode.

    python bench/image_memory.py                      # the cases below, against this checkout
    PYTHONPATH=/path/to/other/checkout python bench/image_memory.py   # e.g. before the change
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CASES = [
    ("png", "RGBA", 6300, 6300),  # the 154 kB PNG: 39.7 MP
    ("png", "RGBA", 5120, 2880),  # a 5K screenshot: 14.7 MP
    ("png", "RGBA", 4096, 4096),  # the PNG limit: 16.8 MP
    ("jpeg", "RGB", 8064, 6048),  # a 48 MP phone photo
    ("webp", "RGB", 4000, 3000),  # the WebP limit: 12 MP
    ("webp", "RGB", 4000, 4000),
]


def make(path: Path, fmt: str, mode: str, width: int, height: int) -> None:
    """Write a (mostly flat, so small) image file in another process."""
    code = (
        "from PIL import Image, ImageDraw; import sys;"
        f"im = Image.new({mode!r}, ({width}, {height}), (200, 100, 50, 255)[:len({mode!r})]);"
        "d = ImageDraw.Draw(im); d.line((0, 0, im.width, im.height), fill=(0, 0, 0, 255)[:len(im.mode)], width=9);"
        f"im.save(sys.argv[1], {fmt.upper()!r})"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)


def measure(path: Path, max_side: int = 2048) -> dict:
    """Decode+re-encode `path` in a fresh process; returns its peak RSS growth and the outcome."""
    code = f"""
import json, resource, sys, time
from app.services import uploads
data = open(sys.argv[1], "rb").read()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.monotonic()
try:
    out, ctype, _ = uploads._reencode_image(data, {max_side})
    outcome = "ok " + ctype
except Exception as exc:
    outcome = type(exc).__name__ + ": " + str(exc)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
took = round(time.monotonic() - t, 2)
print(json.dumps({{"peak_mb": round((peak - base) / 1024, 1), "seconds": took, "outcome": outcome}}))
"""
    env = {**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH", str(ROOT))}
    res = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, env=env, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for fmt, mode, w, h in CASES:
            path = Path(tmp) / f"img.{fmt}"
            make(path, fmt, mode, w, h)
            result = measure(path)
            print(json.dumps({"image": f"{w}x{h} {mode} {fmt}", "file_kb": path.stat().st_size // 1024, **result}))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
