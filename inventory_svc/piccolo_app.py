"""The Piccolo app "inventory": its tables and migrations."""

import os

from piccolo.conf.apps import AppConfig, table_finder

APP_CONFIG = AppConfig(
    app_name="inventory",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=table_finder(modules=["inventory_svc.tables"], exclude_imported=True),
    migration_dependencies=[],
    commands=[],
)
