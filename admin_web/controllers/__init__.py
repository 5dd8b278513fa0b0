"""Thin handlers: parse input, check the role (guards), call a client or service, render."""

from admin_web.controllers._account import AccountController, UserController
from admin_web.controllers._dashboard import DashboardController
from admin_web.controllers._inventory import InventoryController
from admin_web.controllers._orders import OrderController

__all__ = (
    "AccountController",
    "DashboardController",
    "InventoryController",
    "OrderController",
    "UserController",
)
