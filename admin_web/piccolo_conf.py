"""Piccolo configuration for the admin database (used by `piccolo migrations`)."""

from piccolo.conf.apps import AppRegistry

APP_REGISTRY = AppRegistry(apps=["admin_web.piccolo_app"])
