from __future__ import annotations

import random

from load.histogram import BUCKETS, Histogram, bucket_bounds, bucket_index


def exact_percentile(values: list[int], p: float) -> int:
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def test_every_value_falls_inside_its_bucket_when_recorded() -> None:
    for value in [*range(0, 3000), 65_535, 65_536, 1_000_000, 123_456_789]:
        low, high = bucket_bounds(bucket_index(value))
        assert low <= value <= high


def test_buckets_tile_the_range_without_gaps_when_walked_in_order() -> None:
    previous_high = -1
    for index in range(BUCKETS):
        low, high = bucket_bounds(index)
        assert low == previous_high + 1
        previous_high = high


def test_percentiles_are_within_two_percent_when_values_span_decades() -> None:
    rng = random.Random(7)
    values = [int(rng.lognormvariate(8, 1.5)) for _ in range(50_000)]
    histogram = Histogram.from_values(values)
    for p in (50, 90, 95, 99, 99.9):
        exact = exact_percentile(values, p)
        assert abs(histogram.percentile(p) - exact) <= max(1, exact * 0.02), p
    assert histogram.percentile(100) == max(values)
    assert histogram.max == max(values)
    assert histogram.min == min(values)
    assert histogram.count == len(values)


def test_merge_equals_recording_everything_when_histograms_are_combined() -> None:
    left, right = Histogram.from_values(range(0, 5000, 3)), Histogram.from_values(range(7, 90_000, 11))
    both = Histogram.from_values([*range(0, 5000, 3), *range(7, 90_000, 11)])
    left.merge(right)
    assert left.counts == both.counts
    assert (left.count, left.total, left.min, left.max) == (both.count, both.total, both.min, both.max)


def test_percentile_is_zero_when_nothing_was_recorded() -> None:
    assert Histogram().percentile(99) == 0
