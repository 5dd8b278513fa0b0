from prometheus_client import REGISTRY

from orders_svc.app import create_app
from orders_svc.tables import Status


def test_every_transition_series_exists_at_start_when_the_app_is_built() -> None:
    create_app()
    for status in Status:
        value = REGISTRY.get_sample_value("orders_transitions_total", {"to_status": status.value})
        assert value is not None, status
