from __future__ import annotations

from litestar.datastructures import State

from orders_svc.inventory_client import InventoryClient


def provide_inventory(state: State) -> InventoryClient:
    """The app's inventory client, created in its lifespan."""
    return state.inventory
