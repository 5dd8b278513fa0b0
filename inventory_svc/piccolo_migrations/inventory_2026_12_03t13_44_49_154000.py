from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-03T13:44:49:154000"
VERSION = "1.38.0"
DESCRIPTION = "constraints, indexes, search"

# What Piccolo's column API cannot say: CHECKs that make impossible stock unrepresentable,
# composite unique keys, the full-text column and the indexes behind the hot queries.
STATEMENTS = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # Stock can never be negative nor reserve more than is on hand, whatever the code does.
    """ALTER TABLE stock_level
         ADD CONSTRAINT stock_level_reserved_within_on_hand CHECK (reserved >= 0 AND reserved <= on_hand),
         ADD CONSTRAINT stock_level_planning_non_negative CHECK (reorder_point >= 0 AND safety_stock >= 0),
         ADD CONSTRAINT stock_level_product_warehouse_key UNIQUE (product, warehouse)""",
    """ALTER TABLE stock_movement
         ADD CONSTRAINT stock_movement_kind_known CHECK (kind IN
           ('seed', 'restock', 'adjustment', 'reservation', 'release', 'expiry', 'shipment'))""",
    "CREATE INDEX stock_movement_product_id ON stock_movement (product, id DESC)",
    """ALTER TABLE product
         ADD CONSTRAINT product_price_non_negative CHECK (price_cents >= 0),
         ADD COLUMN search tsvector GENERATED ALWAYS AS (
           setweight(to_tsvector('english', coalesce(name, '')), 'A') ||
           setweight(to_tsvector('english', coalesce(brand, '') || ' ' || coalesce(category, '') || ' ' ||
                                            coalesce(part_type, '')), 'B') ||
           setweight(to_tsvector('english', coalesce(description, '')), 'C')
         ) STORED""",
    "CREATE INDEX product_search ON product USING gin (search)",
    "CREATE INDEX product_name_trgm ON product USING gin (name gin_trgm_ops)",
    "CREATE INDEX product_part_numbers ON product USING gin (part_numbers)",
    "CREATE INDEX product_category_part_type ON product (category, part_type)",
    "CREATE INDEX product_name_id ON product (name, id)",
    "CREATE INDEX product_price_id ON product (price_cents, id)",
    "ALTER TABLE fitment ADD CONSTRAINT fitment_years_ordered CHECK (year_from <= year_to)",
    "CREATE INDEX fitment_vehicle ON fitment (make, model, year_from, year_to, product)",
    "CREATE INDEX fitment_product ON fitment (product)",
    "ALTER TABLE vehicle ADD CONSTRAINT vehicle_year_make_model_key UNIQUE (year, make, model)",
    """ALTER TABLE reservation
         ADD CONSTRAINT reservation_status_known CHECK (status IN ('held', 'committed', 'released', 'expired'))""",
    "CREATE INDEX reservation_held_expiry ON reservation (expires_at) WHERE status = 'held'",
    "ALTER TABLE reservation_line ADD CONSTRAINT reservation_line_quantity_positive CHECK (quantity > 0)",
    "CREATE INDEX reservation_line_reservation ON reservation_line (reservation)",
]


class RawTable(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="inventory", description=DESCRIPTION)

    async def run():
        for statement in STATEMENTS:
            await RawTable.raw(statement)

    manager.add_raw(run)
    return manager
