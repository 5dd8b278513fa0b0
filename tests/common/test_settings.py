import msgspec
import pytest

from common.settings import PlatformSettings, load


class ExampleSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    database_url: str
    db_pool: bool = True
    pool_max_size: int = 10


def test_string_values_are_coerced_when_loaded_from_environ() -> None:
    settings = load(
        ExampleSettings,
        prefix="EX_",
        environ={"EX_DATABASE_URL": "postgresql://db/x", "EX_DB_POOL": "false", "EX_POOL_MAX_SIZE": "3"},
    )
    assert settings == ExampleSettings(database_url="postgresql://db/x", db_pool=False, pool_max_size=3)


def test_load_fails_when_a_variable_names_no_field() -> None:
    with pytest.raises(msgspec.ValidationError, match="databse_url"):
        load(ExampleSettings, prefix="EX_", environ={"EX_DATABASE_URL": "x", "EX_DATABSE_URL": "typo"})


def test_load_fails_when_a_required_field_is_missing() -> None:
    with pytest.raises(msgspec.ValidationError, match="database_url"):
        load(ExampleSettings, prefix="EX_", environ={"OTHER_DATABASE_URL": "x"})


def test_platform_defaults_to_embedded_servers_when_nothing_is_set() -> None:
    settings = PlatformSettings.from_env({})
    assert (settings.database_url, settings.redis_url) == ("", "")
    assert settings.data_path.name == ".autoforge"
