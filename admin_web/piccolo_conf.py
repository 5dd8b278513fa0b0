"""Piccolo CLI configuration.

Usage: `PICCOLO_CONF=admin_web.piccolo_conf piccolo migrations forwards admin`.
"""

from piccolo.conf.apps import AppRegistry

from admin_web.db import DB

APP_REGISTRY = AppRegistry(apps=["admin_web.piccolo_app"])

__all__ = ("APP_REGISTRY", "DB")
