"""A log-linear latency histogram in the manner of HdrHistogram, small enough to read.

Values are whole microseconds. Below 2**SUB_BITS every value has its own bucket; above it,
each power of two is split into 2**(SUB_BITS - 1) equal buckets, so any recorded value is
known to within 1/64 (< 1.6%) of itself, like HdrHistogram with two significant digits.
Recording is one `bit_length`, two shifts and a list increment.
"""

from __future__ import annotations

from collections.abc import Iterable

SUB_BITS = 7
SUB_COUNT = 1 << SUB_BITS  # 128: values 0..127 are exact
HALF = SUB_COUNT >> 1  # 64 buckets per power of two above that
# Latencies above an hour are clamped; a run never lasts that long.
MAX_VALUE_US = 3_600_000_000


def bucket_index(value: int) -> int:
    """Return the bucket that holds `value` (microseconds, clamped to 0..MAX_VALUE_US)."""
    if value < SUB_COUNT:
        return max(value, 0)
    value = min(value, MAX_VALUE_US)
    shift = value.bit_length() - SUB_BITS
    return SUB_COUNT + (shift - 1) * HALF + ((value >> shift) - HALF)


def bucket_bounds(index: int) -> tuple[int, int]:
    """Return the smallest and largest value that fall into bucket `index`."""
    if index < SUB_COUNT:
        return index, index
    shift, offset = divmod(index - SUB_COUNT, HALF)
    shift += 1
    low = (HALF + offset) << shift
    return low, low + (1 << shift) - 1


BUCKETS = bucket_index(MAX_VALUE_US) + 1


class Histogram:
    """Counts of latencies in microseconds, with exact count, sum, min and max."""

    __slots__ = ("count", "counts", "max", "min", "total")

    def __init__(self) -> None:
        self.counts = [0] * BUCKETS
        self.count = 0
        self.total = 0
        self.min = 0
        self.max = 0

    def record(self, value: int) -> None:
        """Add one latency of `value` microseconds."""
        if value < SUB_COUNT:
            index = max(value, 0)
        else:
            if value > MAX_VALUE_US:
                value = MAX_VALUE_US
            shift = value.bit_length() - SUB_BITS
            index = SUB_COUNT + (shift - 1) * HALF + ((value >> shift) - HALF)
        self.counts[index] += 1
        if self.count == 0 or value < self.min:
            self.min = value
        if value > self.max:
            self.max = value
        self.count += 1
        self.total += value

    def merge(self, other: Histogram) -> None:
        """Add every count of `other` to this histogram."""
        if other.count == 0:
            return
        counts = self.counts
        for index, n in enumerate(other.counts):
            if n:
                counts[index] += n
        self.min = other.min if self.count == 0 else min(self.min, other.min)
        self.max = max(self.max, other.max)
        self.count += other.count
        self.total += other.total

    def percentile(self, p: float) -> int:
        """Return the value at or below which `p` percent of recorded values lie.

        The answer is the upper bound of the bucket that holds the rank (as HdrHistogram's
        `getValueAtPercentile` does), capped by the exact maximum.
        """
        if self.count == 0:
            return 0
        rank = max(1, -(-self.count * p // 100))
        seen = 0
        for index, n in enumerate(self.counts):
            seen += n
            if seen >= rank:
                return min(bucket_bounds(index)[1], self.max)
        return self.max

    def mean(self) -> float:
        return self.total / self.count if self.count else 0.0

    def buckets(self) -> list[list[int]]:
        """Return the non-empty buckets as `[low_us, high_us, count]`, for the JSON report."""
        return [[*bucket_bounds(i), n] for i, n in enumerate(self.counts) if n]

    @classmethod
    def from_values(cls, values: Iterable[int]) -> Histogram:
        histogram = cls()
        for value in values:
            histogram.record(value)
        return histogram
