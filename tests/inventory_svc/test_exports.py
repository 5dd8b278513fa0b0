"""The services package declares its public surface (STYLE rule 14)."""

from __future__ import annotations

from inventory_svc import services


def test_services_all_lists_every_public_name_when_imported() -> None:
    public = {name for name in vars(services) if not name.startswith("_")}
    assert set(services.__all__) == public
