from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter

from common.bodies import StrictJSON
from orders_svc import services
from orders_svc.inventory_client import InventoryClient
from orders_svc.schemas import (
    CancellationCreate,
    HistoryRead,
    OrderCreate,
    OrderPage,
    OrderRead,
    TransitionCreate,
    require_json,
)
from orders_svc.settings import OrdersSettings
from orders_svc.tables import Status

IdempotencyKey = Annotated[
    str,
    HeaderParameter(
        name="Idempotency-Key",
        min_length=1,
        max_length=128,
        description="Client-chosen key, 1..128 characters",
    ),
]


class OrderController(Controller):
    path = "/orders"
    tags = ["orders"]

    # Bodies are decoded strictly by the StrictJSON DTO (common.bodies): `"2"` is not a quantity,
    # and the error names the field; the DTO also documents each body in the OpenAPI schema.
    @post(status_code=201, dto=StrictJSON[OrderCreate], return_dto=None)
    async def place(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[OrderCreate],
        idempotency_key: IdempotencyKey,
        inventory: NamedDependency[InventoryClient],
        settings: NamedDependency[OrdersSettings],
    ) -> Response[OrderRead]:
        """Place an order (`OrderCreate`, 201), or return the order already placed with this key (200)."""
        require_json(request.content_type[0])
        order, created = await services.place_order(
            data,
            idempotency_key=idempotency_key,
            inventory=inventory,
            ttl_s=settings.reservation_ttl_s,
            wait_s=settings.inventory_timeout_s * (settings.inventory_retries + 1) + 1.0,
        )
        return Response(order, status_code=201 if created else 200)

    @get()
    async def list_orders(
        self,
        status: Annotated[Status | None, QueryParameter()] = None,
        email: Annotated[str | None, QueryParameter(max_length=254)] = None,
        created_from: Annotated[datetime | None, QueryParameter()] = None,
        created_to: Annotated[datetime | None, QueryParameter()] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> OrderPage:
        """List orders newest first, filtered by status, customer email and creation time."""
        return await services.list_orders(
            status=status,
            email=email,
            created_from=created_from,
            created_to=created_to,
            limit=limit,
            cursor=cursor,
        )

    @get("/{order_id:uuid}")
    async def get_order(self, order_id: FromPath[UUID]) -> OrderRead:
        return await services.get_order(order_id)

    @get("/{order_id:uuid}/history")
    async def get_history(self, order_id: FromPath[UUID]) -> list[HistoryRead]:
        """The order's status changes, oldest first."""
        return await services.list_history(order_id)

    @get("/tracking/{token:str}")
    async def track(self, token: FromPath[str]) -> OrderRead:
        """The order behind a shopper's tracking token."""
        return await services.get_order_by_token(token)

    @post("/{order_id:uuid}/transitions", status_code=200, dto=StrictJSON[TransitionCreate], return_dto=None)
    async def transition(
        self,
        order_id: FromPath[UUID],
        request: Request[Any, Any, Any],
        data: JSONBody[TransitionCreate],
        inventory: NamedDependency[InventoryClient],
    ) -> OrderRead:
        """Move the order to another status (`TransitionCreate`): `{"to", "actor", "reason"}`."""
        require_json(request.content_type[0])
        return await services.transition_order(
            order_id, to=data.to, actor=data.actor, reason=data.reason, inventory=inventory
        )

    @post(
        "/{order_id:uuid}/cancellation", status_code=200, dto=StrictJSON[CancellationCreate], return_dto=None
    )
    async def cancel(
        self,
        order_id: FromPath[UUID],
        request: Request[Any, Any, Any],
        data: JSONBody[CancellationCreate],
        inventory: NamedDependency[InventoryClient],
    ) -> OrderRead:
        """Cancel the order (`CancellationCreate`: `{"actor", "reason"}`); releases its stock once."""
        require_json(request.content_type[0])
        cancellation = data
        return await services.transition_order(
            order_id,
            to=Status.cancelled,
            actor=cancellation.actor,
            reason=cancellation.reason,
            inventory=inventory,
        )
