"""Rates, histogram quantiles and error ratios on known counter series."""

from __future__ import annotations

import math

import pytest

from admin_web import series
from admin_web.series import Sample

EXPOSITION = """\
# HELP http_requests_total HTTP requests served.
# TYPE http_requests_total counter
http_requests_total{service="inventory",method="GET",route="/products",status="200"} 90.0
http_requests_total{service="inventory",method="GET",route="/products",status="503"} 6.0
http_requests_total{service="inventory",method="POST",route="/reservations",status="201"} 4.0
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{service="inventory",method="GET",route="/products",le="0.1"} 50.0
http_request_duration_seconds_bucket{service="inventory",method="GET",route="/products",le="0.5"} 90.0
http_request_duration_seconds_bucket{service="inventory",method="GET",route="/products",le="+Inf"} 96.0
http_request_duration_seconds_bucket{service="inventory",method="POST",route="/reservations",le="0.1"} 4.0
http_request_duration_seconds_bucket{service="inventory",method="POST",route="/reservations",le="0.5"} 4.0
http_request_duration_seconds_bucket{service="inventory",method="POST",route="/reservations",le="+Inf"} 4.0
http_request_duration_seconds_count{service="inventory",method="GET",route="/products"} 96.0
http_request_duration_seconds_sum{service="inventory",method="GET",route="/products"} 12.0
# TYPE http_requests_in_flight gauge
http_requests_in_flight{service="inventory"} 3.0
# TYPE inventory_reservations_total counter
inventory_reservations_total{result="reserved"} 7.0
inventory_reservations_total{result="out_of_stock"} 2.0
# TYPE inventory_low_stock_items gauge
inventory_low_stock_items 11.0
"""


def test_flatten_sums_series_across_routes_when_parsing_exposition() -> None:
    sample = series.flatten(EXPOSITION, at=100.0)
    assert sample.values[series.REQUESTS] == 100.0
    assert sample.values[series.ERRORS] == 6.0
    assert sample.values[series.BUCKET + "0.1"] == 54.0
    assert sample.values[series.BUCKET + "0.5"] == 94.0
    assert sample.values[series.BUCKET + "+Inf"] == 100.0
    assert sample.values[series.IN_FLIGHT] == 3.0
    assert sample.values[series.RESERVATION + "reserved"] == 7.0
    assert sample.values[series.LOW_STOCK] == 11.0


def _counter(points: list[tuple[float, float]], key: str = series.REQUESTS) -> list[Sample]:
    return [Sample(at=t, values={key: v}) for t, v in points]


def test_rate_is_increase_over_elapsed_time_when_counter_grows() -> None:
    samples = _counter([(0, 100), (2, 120), (4, 150), (6, 160)])
    assert series.rate(samples, series.REQUESTS) == pytest.approx(60 / 6)


def test_rate_counts_values_after_a_reset_as_new_when_counter_drops() -> None:
    # 100 → 130 (+30), restart → 5 (+5), → 25 (+20): 55 over 6 s.
    samples = _counter([(0, 100), (2, 130), (4, 5), (6, 25)])
    assert series.increase(samples, series.REQUESTS) == 55
    assert series.rate(samples, series.REQUESTS) == pytest.approx(55 / 6)


def test_rate_is_none_when_there_is_only_one_sample() -> None:
    assert series.rate(_counter([(0, 100)]), series.REQUESTS) is None


def test_histogram_quantile_interpolates_inside_the_bucket_when_rank_falls_there() -> None:
    # 100 observations: 50 ≤ 0.1 s, 40 in (0.1, 0.5], 10 above 0.5 s.
    buckets = {0.1: 50.0, 0.5: 90.0, math.inf: 100.0}
    assert series.histogram_quantile(0.5, buckets) == pytest.approx(0.1)
    # rank 75 → 25 of 40 into (0.1, 0.5]: 0.1 + 0.4 * 25/40 = 0.35
    assert series.histogram_quantile(0.75, buckets) == pytest.approx(0.35)
    # rank 25 in the first bucket, which starts at 0: 0.1 * 25/50
    assert series.histogram_quantile(0.25, buckets) == pytest.approx(0.05)


def test_histogram_quantile_returns_highest_finite_bound_when_rank_is_in_inf_bucket() -> None:
    buckets = {0.1: 50.0, 0.5: 90.0, math.inf: 100.0}
    assert series.histogram_quantile(0.95, buckets) == pytest.approx(0.5)


def test_histogram_quantile_is_none_when_there_are_no_observations() -> None:
    assert series.histogram_quantile(0.5, {0.1: 0.0, math.inf: 0.0}) is None
    assert series.histogram_quantile(0.5, {}) is None


def test_quantiles_come_from_bucket_increases_when_computed_over_a_window() -> None:
    before = Sample(at=0, values={series.BUCKET + "0.1": 1000.0, series.BUCKET + "0.5": 1000.0,
                                  series.BUCKET + "+Inf": 1000.0})  # fmt: skip
    # In the window: 10 fast, 10 between 0.1 and 0.5 s. The old 1000 fast ones do not count.
    after = Sample(at=10, values={series.BUCKET + "0.1": 1010.0, series.BUCKET + "0.5": 1020.0,
                                  series.BUCKET + "+Inf": 1020.0})  # fmt: skip
    buckets = series.bucket_increases([before, after])
    assert buckets == {0.1: 10.0, 0.5: 20.0, math.inf: 20.0}
    assert series.histogram_quantile(0.99, buckets) == pytest.approx(0.1 + 0.4 * (19.8 - 10) / 10)


def test_error_ratio_is_share_of_5xx_when_there_was_traffic() -> None:
    samples = [
        Sample(at=0, values={series.REQUESTS: 100.0, series.ERRORS: 1.0}),
        Sample(at=5, values={series.REQUESTS: 300.0, series.ERRORS: 21.0}),
    ]
    assert series.error_ratio(samples) == pytest.approx(20 / 200)


def test_error_ratio_is_none_when_there_was_no_traffic() -> None:
    samples = [Sample(at=0, values={series.REQUESTS: 100.0}), Sample(at=5, values={series.REQUESTS: 100.0})]
    assert series.error_ratio(samples) is None


def test_per_minute_rates_are_keyed_by_label_when_counters_share_a_prefix() -> None:
    samples = [
        Sample(at=0, values={series.TRANSITION + "confirmed": 10.0, series.TRANSITION + "shipped": 0.0}),
        Sample(at=30, values={series.TRANSITION + "confirmed": 16.0, series.TRANSITION + "shipped": 1.0}),
    ]
    assert series.per_minute(samples, series.TRANSITION) == {"confirmed": 12.0, "shipped": 2.0}
