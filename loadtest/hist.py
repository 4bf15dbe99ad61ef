"""Mergeable latency histograms: logarithmic buckets 1 % wide (HDR-style), stored in the result JSON.

Percentiles of several runs (shards on several machines) come from the sum of their histograms,
never from averaging each run's percentiles. A bucket's value is its geometric middle, so a
percentile read from a histogram is within 0.5 % of the exact one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

BASE = 1.01  # each bucket is 1 % wider than the one before
FLOOR_MS = 0.001  # everything below a microsecond falls into bucket 0
_LOG = math.log(BASE)


def bucket(value_ms: float) -> int:
    """The bucket index of one value in milliseconds."""
    if value_ms <= FLOOR_MS:
        return 0
    return 1 + int(math.log(value_ms / FLOOR_MS) / _LOG)


def bucket_value(index: int) -> float:
    """The representative value (ms) of a bucket: the geometric middle of its bounds."""
    if index <= 0:
        return FLOOR_MS
    return FLOOR_MS * BASE ** (index - 0.5)


def from_values(values_ms: Iterable[float]) -> dict[str, int]:
    """A histogram {bucket index (as a JSON key): count} of values in milliseconds."""
    counts: dict[int, int] = {}
    for v in values_ms:
        b = bucket(v)
        counts[b] = counts.get(b, 0) + 1
    return {str(k): counts[k] for k in sorted(counts)}


def merge(hists: Iterable[dict[str, int]]) -> dict[str, int]:
    """The sum of several histograms."""
    total: dict[int, int] = {}
    for h in hists:
        for k, n in (h or {}).items():
            total[int(k)] = total.get(int(k), 0) + n
    return {str(k): total[k] for k in sorted(total)}


def count(h: dict[str, int]) -> int:
    """How many values the histogram holds."""
    return sum((h or {}).values())


def percentile(h: dict[str, int], q: float) -> float | None:
    """The q-th percentile (nearest rank, like report.percentile) read from a histogram; None when empty."""
    n = count(h)
    if n == 0:
        return None
    rank = max(1, math.ceil(q / 100 * n))
    seen = 0
    for k in sorted(h, key=int):
        seen += h[k]
        if seen >= rank:
            return bucket_value(int(k))
    return bucket_value(int(max(h, key=int)))
