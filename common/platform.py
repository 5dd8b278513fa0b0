"""What the local runner starts: each deployable, its port, database and environment.

This is the local twin of `k8s/`: one entry per deployable. Modules are named by string,
so `common` still imports no deployable.
"""

from __future__ import annotations

import importlib.util

import msgspec


class Deployable(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    package: str
    port: int
    prefix: str
    # Database name, or "" when the deployable keeps no tables.
    database: str = ""
    piccolo_app: str = ""
    redis_db: int = 0
    # Module run with `python -m` after migrations, when seeding is on.
    seed_module: str = ""
    # Extra variables; `{inventory_url}`-style placeholders name other deployables' URLs.
    env: dict[str, str] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def is_present(self) -> bool:
        return importlib.util.find_spec(f"{self.package}.app") is not None


DEPLOYABLES: tuple[Deployable, ...] = (
    Deployable(
        name="inventory",
        package="inventory_svc",
        port=4002,
        prefix="INV_",
        database="inventory",
        piccolo_app="inventory",
        redis_db=0,
        seed_module="inventory_svc.seed",
    ),
    Deployable(
        name="orders",
        package="orders_svc",
        port=4001,
        prefix="ORD_",
        database="orders",
        piccolo_app="orders",
        redis_db=1,
        env={"INVENTORY_URL": "{inventory_url}"},
    ),
    Deployable(
        name="client",
        package="client_web",
        port=3000,
        prefix="WEB_",
        redis_db=2,
        env={"INVENTORY_URL": "{inventory_url}", "ORDERS_URL": "{orders_url}"},
    ),
    Deployable(
        name="admin",
        package="admin_web",
        port=3003,
        prefix="ADM_",
        database="admin",
        piccolo_app="admin",
        redis_db=3,
        env={
            "INVENTORY_URL": "{inventory_url}",
            "ORDERS_URL": "{orders_url}",
            "CLIENT_URL": "{client_url}",
        },
    ),
)


def service_urls() -> dict[str, str]:
    return {f"{d.name}_url": d.url for d in DEPLOYABLES}
