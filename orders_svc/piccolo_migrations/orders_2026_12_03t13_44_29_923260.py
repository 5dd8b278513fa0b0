from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from orders_svc.db import DB

ID = "2026-12-03T13:44:29:923260"
VERSION = "1.38.0"
DESCRIPTION = "keyset and outbox indexes"

# Piccolo tables declare single-column indexes only; these serve the keyset listing
# (newest first), the pending-order sweeper and the outbox relay's scan of unpublished rows.
STATEMENTS = (
    "CREATE INDEX orders_created_id_idx ON orders (created_at DESC, id DESC)",
    "CREATE INDEX orders_status_created_idx ON orders (status, created_at DESC, id DESC)",
    "CREATE INDEX orders_hold_due_idx ON orders (hold) WHERE hold = 'release_due'",
    "CREATE INDEX outbox_events_unpublished_idx ON outbox_events (id) WHERE published_at IS NULL",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="orders", description=DESCRIPTION)

    async def run():
        for statement in STATEMENTS:
            await DB.run_ddl(statement)

    manager.add_raw(run)

    return manager
