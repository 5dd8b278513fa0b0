from pathlib import Path

from piccolo.conf.apps import AppConfig

from orders_svc.tables import Order, OrderHistory, OrderLine, OutboxEvent

APP_CONFIG = AppConfig(
    app_name="orders",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Order, OrderLine, OrderHistory, OutboxEvent],
    migration_dependencies=[],
    commands=[],
)
