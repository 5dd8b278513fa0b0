"""Inventory settings come from INV_* variables; a typo fails at start-up."""

from __future__ import annotations

import msgspec
import pytest

from inventory_svc.settings import InventorySettings


def test_settings_are_coerced_from_strings_when_read_from_the_environment() -> None:
    settings = InventorySettings.from_env(
        {"INV_DATABASE_URL": "postgresql://db/inv", "INV_DB_POOL": "false", "INV_RESERVATION_TTL_S": "60"}
    )
    assert (settings.database_url, settings.db_pool, settings.reservation_ttl_s) == (
        "postgresql://db/inv",
        False,
        60,
    )
    assert InventorySettings.from_env({}).reservation_ttl_s == 900


def test_settings_refuse_to_load_when_a_variable_is_misspelt() -> None:
    with pytest.raises(msgspec.ValidationError, match="databse_url"):
        InventorySettings.from_env({"INV_DATABSE_URL": "postgresql://db/inv"})
