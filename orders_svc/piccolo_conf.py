from piccolo.conf.apps import AppRegistry

from orders_svc.db import DB

APP_REGISTRY = AppRegistry(apps=["orders_svc.piccolo_app"])

__all__ = ("APP_REGISTRY", "DB")
