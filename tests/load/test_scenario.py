from __future__ import annotations

import random

import pytest

from load.engine import Plan
from load.scenario import Iteration, builtin_names, parse_duration, pick, read_scenario, single_endpoint


@pytest.mark.parametrize("name", ["storefront", "inventory", "orders"])
def test_builtin_scenario_compiles_when_loaded_by_name(name: str) -> None:
    plan = Plan(read_scenario(name))
    assert plan.step_names
    assert name in builtin_names()


def test_storefront_mix_covers_the_shopper_journey_when_loaded() -> None:
    tasks = {task.name for task in read_scenario("storefront").tasks}
    assert tasks >= {"browse", "vehicle-search", "product-page", "add-to-cart", "checkout"}


@pytest.mark.parametrize(("text", "seconds"), [("90", 90.0), ("90s", 90.0), ("1.5m", 90.0), ("250ms", 0.25)])
def test_duration_is_parsed_when_given_with_a_unit(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_one_value_is_shared_by_all_steps_when_an_iteration_renders_templates() -> None:
    iteration = Iteration(
        {"sku": ["A", "B", "C", "D"], "car": [{"make": "LAND ROVER"}]}, n=7, random=random.Random(1)
    )
    first = iteration.render("/products/{sku}")
    assert iteration.render("{sku}") == first.rsplit("/", 1)[1]
    assert iteration.render("/p?make={car.make}", quote_values=True) == "/p?make=LAND%20ROVER"
    assert iteration.render("{n}") == "7"
    iteration.cookies["csrf"] = "tok"
    assert iteration.render("{cookie.csrf}") == "tok"


def test_pick_maps_over_lists_when_the_selector_has_brackets() -> None:
    document = {"items": [{"sku": "A"}, {"sku": "B"}], "next_cursor": None}
    assert pick(document, "items[].sku") == ["A", "B"]
    assert pick([1, 2], "[]") == [1, 2]


def test_single_endpoint_splits_origin_and_path_when_given_a_url() -> None:
    scenario = single_endpoint("http://127.0.0.1:4002/products/ABC?x=1")
    assert scenario.targets == {"target": "http://127.0.0.1:4002"}
    assert scenario.tasks[0].steps[0].path == "/products/ABC?x=1"


def test_scenario_is_refused_when_a_step_names_an_unknown_target(tmp_path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad\ntargets: {a: 'http://127.0.0.1:1'}\ntasks: [{name: t, steps: [{target: b, path: /}]}]\n"
    )
    with pytest.raises(ValueError, match="unknown target"):
        read_scenario(str(path))


def test_scenario_is_refused_when_a_template_names_missing_data(tmp_path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad\ntargets: {a: 'http://127.0.0.1:1'}\n"
        "tasks: [{name: t, steps: [{target: a, path: '/products/{skuu}'}]}]\ndata: {sku: [A]}\n"
    )
    with pytest.raises(ValueError, match="no data for"):
        read_scenario(str(path))


def test_head_requests_are_refused_when_a_step_uses_them() -> None:
    with pytest.raises(ValueError, match="HEAD"):
        single_endpoint("http://127.0.0.1:1/", method="HEAD")
