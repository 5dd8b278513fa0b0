"""HTTP handlers: parse (by signature), call one service function, return a wire type."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody, Parameter, QueryParameter
from litestar.response.base import ASGIResponse
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from common.bodies import StrictJSON
from inventory_svc import services
from inventory_svc.product_cache import ProductCache
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

Limit = Annotated[int, QueryParameter(ge=1, le=100)]
YearParam = Annotated[int, QueryParameter(ge=1900, le=2100)]
# PostgreSQL text cannot hold U+0000; refusing it here lets the 400 name the parameter.
NO_NUL = r"^[^\x00]*$"
Text = Annotated[str, QueryParameter(max_length=200, pattern=NO_NUL)]
Cursor = Annotated[str | None, QueryParameter(max_length=500)]
OptionalText = Annotated[str | None, QueryParameter(max_length=200, pattern=NO_NUL)]
SkuPath = Annotated[str, Parameter(max_length=64, pattern=NO_NUL)]
OptionalYear = Annotated[int | None, QueryParameter(ge=1900, le=2100)]
# Bodies are decoded strictly by the StrictJSON DTO (common.bodies): Litestar's own `data`
# conversion is lax and would take "5" for 5. `return_dto=None` leaves responses to Litestar.


class ProductController(Controller):
    path = "/products"
    tags = ["catalog"]

    @get()
    async def search(
        self,
        q: OptionalText = None,
        part_number: OptionalText = None,
        category: OptionalText = None,
        part_type: OptionalText = None,
        brand: OptionalText = None,
        year: OptionalYear = None,
        make: OptionalText = None,
        model: OptionalText = None,
        sort: Annotated[Sort | None, QueryParameter()] = None,
        limit: Limit = 24,
        cursor: Cursor = None,
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
    async def by_sku(
        self, sku: Annotated[list[str], QueryParameter(min_items=1, max_items=100)]
    ) -> ProductBatch:
        return await services.get_products_by_sku(sku)

    @get(
        "/{sku:str}",
        media_type="application/json",
        response_description="ProductRead (cached)",
        responses={200: ResponseSpec(data_container=ProductRead, description="ProductRead (cached)")},
    )
    async def detail(self, sku: SkuPath, cache: NamedDependency[ProductCache]) -> ASGIResponse:
        # The cached value is already the encoded body: it goes out as is, without a decode,
        # an encode or Litestar's response conversion.
        body = await services.get_product_json(sku, cache=cache)
        return ASGIResponse(body=body, media_type="application/json")

    @get("/{sku:str}/availability")
    async def availability(self, sku: SkuPath) -> list[StockLevelRead]:
        return await services.get_availability(sku)

    @get("/{sku:str}/fitment")
    async def fitment(self, sku: SkuPath, year: YearParam, make: Text, model: Text) -> FitsRead:
        return FitsRead(fits=await services.product_fits(sku, year=year, make=make, model=model))

    @post(dto=StrictJSON[ProductCreate], return_dto=None)
    async def create(
        self, data: JSONBody[ProductCreate], cache: NamedDependency[ProductCache]
    ) -> ProductRead:
        """Create a product."""
        return await services.create_product(data, cache=cache)

    @patch("/{sku:str}", dto=StrictJSON[ProductPatch], return_dto=None)
    async def update(
        self, sku: SkuPath, data: JSONBody[ProductPatch], cache: NamedDependency[ProductCache]
    ) -> ProductRead:
        """Change the fields sent."""
        return await services.update_product(sku, data, cache=cache)


class VehicleController(Controller):
    path = "/vehicles"
    tags = ["catalog"]

    @get("/years")
    async def years(self) -> list[int]:
        return await services.vehicle_years()

    @get("/makes")
    async def makes(self, year: OptionalYear = None) -> list[str]:
        return await services.vehicle_makes(year=year)

    @get("/models")
    async def models(self, make: Text, year: OptionalYear = None) -> list[str]:
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
    async def levels(self, sku: SkuPath) -> list[StockLevelRead]:
        return await services.stock_levels(sku)

    @post("/{sku:str}/restocks", dto=StrictJSON[RestockCreate], return_dto=None)
    async def restock(
        self, sku: SkuPath, data: JSONBody[RestockCreate], cache: NamedDependency[ProductCache]
    ) -> list[StockLevelRead]:
        """Add received stock."""
        return await services.restock(sku, data, cache=cache)

    @post("/{sku:str}/adjustments", dto=StrictJSON[AdjustmentCreate], return_dto=None)
    async def adjust(
        self, sku: SkuPath, data: JSONBody[AdjustmentCreate], cache: NamedDependency[ProductCache]
    ) -> list[StockLevelRead]:
        """Correct stock after a count."""
        return await services.adjust(sku, data, cache=cache)

    @get("/{sku:str}/movements")
    async def movements(self, sku: SkuPath, limit: Limit = 50, cursor: Cursor = None) -> MovementPage:
        return await services.list_movements(sku, limit=limit, cursor=cursor)


class ReservationController(Controller):
    path = "/reservations"
    tags = ["reservations"]

    @post(status_code=HTTP_201_CREATED, dto=StrictJSON[ReservationCreate], return_dto=None)
    async def reserve(
        self,
        data: JSONBody[ReservationCreate],
        cache: NamedDependency[ProductCache],
        settings: NamedDependency[InventorySettings],
    ) -> Response[ReservationRead]:
        """Hold stock for an order (201), or return its reservation (200)."""
        reservation, created = await services.reserve(
            data, default_ttl_s=settings.reservation_ttl_s, cache=cache
        )
        return Response(reservation, status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @get("/{order_id:uuid}")
    async def read(self, order_id: FromPath[UUID]) -> ReservationRead:
        return await services.get_reservation(order_id)

    @post("/{order_id:uuid}/commitment", status_code=HTTP_200_OK)
    async def commit(self, order_id: FromPath[UUID], cache: NamedDependency[ProductCache]) -> ReservationRead:
        return await services.commit_reservation(order_id, cache=cache)

    @post("/{order_id:uuid}/release", status_code=HTTP_200_OK)
    async def release(
        self, order_id: FromPath[UUID], cache: NamedDependency[ProductCache]
    ) -> ReservationRead:
        return await services.release_reservation(order_id, cache=cache)
