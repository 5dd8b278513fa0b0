"""Piccolo CLI configuration.

Usage: `PICCOLO_CONF=inventory_svc.piccolo_conf piccolo migrations forwards inventory`.
"""

from piccolo.conf.apps import AppRegistry

from inventory_svc.db import DB

APP_REGISTRY = AppRegistry(apps=["inventory_svc.piccolo_app"])

__all__ = ("APP_REGISTRY", "DB")
