"""bench/smaps.py: a process's memory by mapping, as the churn analysis reads it."""

from __future__ import annotations

import os
import sys

import pytest

from bench import smaps


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/PID/smaps is Linux's")
def test_this_process_memory_splits_into_heap_anonymous_and_libraries():
    kinds = smaps.read(os.getpid())
    assert kinds["[anon]"]["rss_kb"] > 0
    for k in kinds.values():
        assert 0 <= k["rss_kb"] <= k["size_kb"] and k["mappings"] >= 1
    held = bytearray(64 * 1024 * 1024)  # 64 MB written: anonymous RSS goes up by about that much
    held[::4096] = b"x" * len(held[::4096])
    grown = smaps.read(os.getpid())
    anon = sum(k["rss_kb"] for name, k in grown.items() if name in ("[anon]", "[heap]"))
    before = sum(k["rss_kb"] for name, k in kinds.items() if name in ("[anon]", "[heap]"))
    assert anon - before > 60 * 1024
    del held
