"""Catalog pages: search with filters (the home page) and the product page."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import Request, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest

from client_web.clients import Category, ProductRead, StockLevelRead, Warehouse
from client_web.settings import WebSettings
from client_web.views import HTMX_HEADERS, Inventory, block_for, clean_text, shopper

T = TypeVar("T")
SORTS = {
    "": "Best match",
    "name": "Name",
    "price": "Price: low to high",
    "-price": "Price: high to low",
    "sku": "Part number",
}


class Memo(Generic[T]):
    """Keep one slowly changing backend answer (facets, warehouses) for `ttl_s` in this process."""

    def __init__(self, load: Callable[[], Awaitable[T]], *, ttl_s: float = 60.0) -> None:
        self._load = load
        self._ttl_s = ttl_s
        self._value: T | None = None
        self._expires = 0.0

    async def get(self) -> T:
        if self._value is None or time.monotonic() >= self._expires:
            self._value = await self._load()
            self._expires = time.monotonic() + self._ttl_s
        return self._value


class Facets:
    """Category, brand and warehouse lists, fetched at most once a minute."""

    def __init__(self, inventory: Inventory) -> None:
        self.categories: Memo[list[Category]] = Memo(inventory.categories)
        self.brands: Memo[list[str]] = Memo(inventory.brands)
        self.warehouses: Memo[list[Warehouse]] = Memo(inventory.warehouses)
        self.years: Memo[list[int]] = Memo(inventory.years, ttl_s=3600)


# Longest values the search form sends; anything longer is not a search a person typed.
SKU_MAX = 64
QUERY_MAX = 100
CURSOR_MAX = 500


def catalog_url(filters: dict[str, str], **changes: str) -> str:
    """The catalog URL for `filters` with `changes` applied; empty values are left out."""
    merged = {**filters, **changes}
    query = urlencode({k: v for k, v in merged.items() if v})
    return f"/?{query}" if query else "/"


@get("/", name="catalog")
async def catalog(
    request: HTMXRequest,
    inventory: Inventory,
    facets: NamedDependency[Facets],
    settings: NamedDependency[WebSettings],
    q: FromQuery[str] = "",
    part_number: FromQuery[str] = "",
    category: FromQuery[str] = "",
    brand: FromQuery[str] = "",
    sort: FromQuery[str] = "",
    cursor: FromQuery[str] = "",
    fit: FromQuery[str] = "",
) -> HTMXBlockTemplate:
    """The catalog: search as you type, filters, sort and pages; fragment `results` for htmx."""
    filters = {
        "q": clean_text(q, field="search", max_length=QUERY_MAX),
        "part_number": clean_text(part_number, field="part number", max_length=QUERY_MAX),
        "category": clean_text(category, field="category", max_length=QUERY_MAX),
        "brand": clean_text(brand, field="brand", max_length=QUERY_MAX),
        "sort": sort if sort in SORTS else "",
        "fit": "all" if fit == "all" else "",
    }
    cursor = clean_text(cursor, field="page link", max_length=CURSOR_MAX)
    vehicle = shopper(request).vehicle
    use_vehicle = vehicle if filters["fit"] != "all" else None
    block = block_for(request, "results")
    search = inventory.search(
        q=filters["q"],
        part_number=filters["part_number"],
        category=filters["category"],
        brand=filters["brand"],
        sort=filters["sort"] or ("" if filters["q"] else "name"),
        vehicle=use_vehicle.as_tuple() if use_vehicle else None,
        limit=max(1, min(100, settings.page_size)),
        cursor=cursor,
    )
    context: dict[str, Any] = {
        "filters": filters,
        "cursor": cursor,
        "sorts": SORTS,
        "fits_vehicle": use_vehicle,
        "catalog_url": catalog_url,
    }
    if block:
        context["page"] = await search
    else:
        context["page"], context["categories"], context["brands"] = await asyncio.gather(
            search, facets.categories.get(), facets.brands.get()
        )
    return HTMXBlockTemplate(
        template_name="catalog.html.j2", block_name=block, context=context, headers=HTMX_HEADERS
    )


async def _product_context(
    request: Request, inventory: Inventory, facets: Facets, settings: WebSettings, sku: str
) -> dict[str, Any]:
    sku = clean_text(sku, field="part number", max_length=SKU_MAX)
    vehicle = shopper(request).vehicle
    product, warehouses = await asyncio.gather(inventory.product_or_none(sku), facets.warehouses.get())
    if product is None:
        raise NotFoundException(f"No part with number {sku}")
    # The product detail may come from inventory's cache; stock figures must not.
    stock, fits = await asyncio.gather(
        inventory.availability(product.sku),
        inventory.fits(product.sku, vehicle.as_tuple()) if vehicle else _none(),
    )
    return {
        "product": product,
        "stock": stock,
        "fits": fits,
        "warehouse_names": {w.code: w.name for w in warehouses},
        "refresh_s": settings.availability_refresh_s,
    }


async def _none() -> None:
    return None


@get("/products/{sku:str}", name="product")
async def product_page(
    request: HTMXRequest,
    inventory: Inventory,
    facets: NamedDependency[Facets],
    settings: NamedDependency[WebSettings],
    sku: FromPath[str],
) -> HTMXBlockTemplate:
    """The product page: description, attributes, fitment, live availability, add to cart."""
    context = await _product_context(request, inventory, facets, settings, sku)
    return HTMXBlockTemplate(template_name="product.html.j2", context=context)


@get("/products/{sku:str}/availability", name="availability")
async def availability(
    request: HTMXRequest,
    inventory: Inventory,
    facets: NamedDependency[Facets],
    settings: NamedDependency[WebSettings],
    sku: FromPath[str],
) -> HTMXBlockTemplate:
    """Fresh stock per warehouse: the `availability` block for htmx polling, else the whole page."""
    block = block_for(request, "availability")
    if block is None:
        context = await _product_context(request, inventory, facets, settings, sku)
    else:
        sku = clean_text(sku, field="part number", max_length=SKU_MAX)
        stock: list[StockLevelRead]
        stock, warehouses = await asyncio.gather(inventory.availability(sku), facets.warehouses.get())
        context = {
            "product": ProductRead(
                sku=sku,
                name="",
                brand="",
                category="",
                part_type="",
                price_cents=0,
                currency="USD",
                available=sum(s.available for s in stock),
            ),
            "stock": stock,
            "warehouse_names": {w.code: w.name for w in warehouses},
            "refresh_s": settings.availability_refresh_s,
        }
    return HTMXBlockTemplate(
        template_name="product.html.j2", block_name=block, context=context, headers=HTMX_HEADERS
    )


def provide_facets(state: State) -> Facets:
    return state.facets
