"""HTTP handlers: parse (by signature), call one service function, return a wire type."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, get, patch, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from common.cache import Cache
from inventory_svc import services
from inventory_svc.schemas import (
    AdjustmentCreate,
    CategoryRead,
    FitsRead,
    LowStockRead,
    MovementPage,
    ProductBatch,
    ProductCreate,
    ProductPage,
    ProductPatch,
    ProductRead,
    ReservationCreate,
    ReservationRead,
    RestockCreate,
    StockLevelRead,
    WarehouseRead,
)
from inventory_svc.services._catalog import Sort
from inventory_svc.settings import InventorySettings

Limit = Annotated[int, Parameter(ge=1, le=100)]
YearParam = Annotated[int, Parameter(ge=1900, le=2100)]
Text = Annotated[str, Parameter(max_length=200)]


class ProductController(Controller):
    path = "/products"
    tags = ["catalog"]

    @get()
    async def search(
        self,
        q: Text | None = None,
        part_number: Text | None = None,
        category: Text | None = None,
        part_type: Text | None = None,
        brand: Text | None = None,
        year: YearParam | None = None,
        make: Text | None = None,
        model: Text | None = None,
        sort: Sort | None = None,
        limit: Limit = 24,
        cursor: Annotated[str | None, Parameter(max_length=500)] = None,
    ) -> ProductPage:
        return await services.search_products(
            q=q,
            part_number=part_number,
            category=category,
            part_type=part_type,
            brand=brand,
            year=year,
            make=make,
            model=model,
            sort=sort,
            limit=limit,
            cursor=cursor,
        )

    @get("/by-sku")
    async def by_sku(self, sku: Annotated[list[str], Parameter(min_items=1, max_items=100)]) -> ProductBatch:
        return await services.get_products_by_sku(sku)

    @get("/{sku:str}", media_type="application/json", response_description="ProductRead (cached in Redis)")
    async def detail(self, sku: str, cache: Cache, settings: InventorySettings) -> Response[bytes]:
        # The cached value is already the encoded body: no decode/encode on a hit.
        body = await services.get_product_json(sku, cache=cache, ttl_s=settings.cache_ttl_s)
        return Response(body, media_type="application/json")

    @get("/{sku:str}/availability")
    async def availability(self, sku: str) -> list[StockLevelRead]:
        return await services.get_availability(sku)

    @get("/{sku:str}/fitment")
    async def fitment(self, sku: str, year: YearParam, make: Text, model: Text) -> FitsRead:
        return FitsRead(fits=await services.product_fits(sku, year=year, make=make, model=model))

    @post()
    async def create(self, data: ProductCreate, cache: Cache) -> ProductRead:
        return await services.create_product(data, cache=cache)

    @patch("/{sku:str}")
    async def update(self, sku: str, data: ProductPatch, cache: Cache) -> ProductRead:
        return await services.update_product(sku, data, cache=cache)


class VehicleController(Controller):
    path = "/vehicles"
    tags = ["catalog"]

    @get("/years")
    async def years(self) -> list[int]:
        return await services.vehicle_years()

    @get("/makes")
    async def makes(self, year: YearParam | None = None) -> list[str]:
        return await services.vehicle_makes(year=year)

    @get("/models")
    async def models(self, make: Text, year: YearParam | None = None) -> list[str]:
        return await services.vehicle_models(year=year, make=make)


class FacetController(Controller):
    tags = ["catalog"]

    @get("/categories")
    async def categories(self) -> list[CategoryRead]:
        return await services.list_categories()

    @get("/brands")
    async def brands(self) -> list[str]:
        return await services.list_brands()

    @get("/warehouses")
    async def warehouses(self) -> list[WarehouseRead]:
        return await services.list_warehouses()


class StockController(Controller):
    path = "/stock"
    tags = ["stock"]

    @get("/low")
    async def low(self, limit: Limit = 50) -> list[LowStockRead]:
        return await services.low_stock(limit=limit)

    @get("/{sku:str}")
    async def levels(self, sku: str) -> list[StockLevelRead]:
        return await services.stock_levels(sku)

    @post("/{sku:str}/restocks")
    async def restock(self, sku: str, data: RestockCreate, cache: Cache) -> list[StockLevelRead]:
        return await services.restock(sku, data, cache=cache)

    @post("/{sku:str}/adjustments")
    async def adjust(self, sku: str, data: AdjustmentCreate, cache: Cache) -> list[StockLevelRead]:
        return await services.adjust(sku, data, cache=cache)

    @get("/{sku:str}/movements")
    async def movements(
        self, sku: str, limit: Limit = 50, cursor: Annotated[str | None, Parameter(max_length=500)] = None
    ) -> MovementPage:
        return await services.list_movements(sku, limit=limit, cursor=cursor)


class ReservationController(Controller):
    path = "/reservations"
    tags = ["reservations"]

    @post(status_code=HTTP_201_CREATED)
    async def reserve(
        self, data: ReservationCreate, cache: Cache, settings: InventorySettings
    ) -> Response[ReservationRead]:
        reservation, created = await services.reserve(
            data, default_ttl_s=settings.reservation_ttl_s, cache=cache
        )
        return Response(reservation, status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @get("/{order_id:uuid}")
    async def read(self, order_id: UUID) -> ReservationRead:
        return await services.get_reservation(order_id)

    @post("/{order_id:uuid}/commitment", status_code=HTTP_200_OK)
    async def commit(self, order_id: UUID, cache: Cache) -> ReservationRead:
        return await services.commit_reservation(order_id, cache=cache)

    @post("/{order_id:uuid}/release", status_code=HTTP_200_OK)
    async def release(self, order_id: UUID, cache: Cache) -> ReservationRead:
        return await services.release_reservation(order_id, cache=cache)
