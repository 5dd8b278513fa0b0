from __future__ import annotations

from load.settings import StressSettings


def test_url_joins_service_port_and_endpoint_when_all_are_set() -> None:
    settings = StressSettings.from_env(
        {
            "SERVICE_URL": "http://inventory-svc",
            "SERVICE_PORT": "4002",
            "ENDPOINT": "/products/ABC",
            "PATH": "/bin",
        }
    )
    assert settings.url == "http://inventory-svc:4002/products/ABC"


def test_url_keeps_its_own_port_when_service_port_is_also_set() -> None:
    settings = StressSettings.from_env(
        {"SERVICE_URL": "127.0.0.1:4001", "SERVICE_PORT": "80", "ENDPOINT": "orders"}
    )
    assert settings.url == "http://127.0.0.1:4001/orders"


def test_values_are_coerced_when_read_from_strings() -> None:
    settings = StressSettings.from_env({"CONCURRENT": "25", "DURATION": "2m", "SERVICE_PORT": ""})
    assert (settings.concurrent, settings.duration, settings.service_port) == (25, "2m", 0)
    assert settings.url == ""
