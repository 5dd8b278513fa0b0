"""The Piccolo app `admin`: its tables and migrations."""

import os

from piccolo.conf.apps import AppConfig

from admin_web.tables import AdminUser

APP_CONFIG = AppConfig(
    app_name="admin",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[AdminUser],
    migration_dependencies=[],
    commands=[],
)
