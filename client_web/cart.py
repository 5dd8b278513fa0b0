"""The cart (in the server-side session) and checkout with an Idempotency-Key per cart."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import quote

import msgspec
from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect

from client_web import session as store
from client_web.clients import (
    Address,
    BackendProblem,
    BackendUnavailable,
    Customer,
    OrderCreate,
    OrderLineCreate,
)
from client_web.views import (
    HTMX_HEADERS,
    Inventory,
    Orders,
    block_for,
    clean_text,
    form_int,
    form_text,
    form_value,
    session_of,
    text_problem,
)

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
COUNTRY = re.compile(r"^[A-Za-z]{2}$")
QUANTITY = re.compile(r"^[0-9]{1,9}$")
# What store.checkout_key makes (secrets.token_urlsafe); anything else is a forged or broken form.
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
SKU_MAX = 64
QUANTITY_ERROR = f"Enter a whole number from 1 to {store.MAX_QUANTITY}."


class CartLine(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    name: str
    brand: str
    quantity: int
    unit_price_cents: int
    line_total_cents: int
    currency: str
    available: int
    # Set when the part is gone from the catalog: the line cannot be ordered.
    missing: bool = False

    @property
    def warning(self) -> str:
        if self.missing:
            return "This part is no longer sold; remove it to check out."
        if self.available <= 0:
            return "Out of stock right now."
        if self.quantity > self.available:
            return f"Only {self.available} in stock."
        return ""


class CartView(msgspec.Struct, frozen=True, kw_only=True):
    lines: list[CartLine]
    total_cents: int
    currency: str
    count: int

    @property
    def has_warnings(self) -> bool:
        return any(line.warning for line in self.lines)


async def load_cart(inventory: Inventory, session: dict[str, Any]) -> CartView:
    """Price the session's cart with current catalog prices and stock; totals come from here."""
    wanted = store.cart(session)
    found = await inventory.by_skus(list(wanted))
    products = {p.sku: p for p in found.items}
    lines = []
    for sku, quantity in wanted.items():
        product = products.get(sku)
        if product is None:
            lines.append(
                CartLine(
                    sku=sku,
                    name=sku,
                    brand="",
                    quantity=quantity,
                    unit_price_cents=0,
                    line_total_cents=0,
                    currency="USD",
                    available=0,
                    missing=True,
                )
            )
            continue
        lines.append(
            CartLine(
                sku=sku,
                name=product.name,
                brand=product.brand,
                quantity=quantity,
                unit_price_cents=product.price_cents,
                line_total_cents=product.price_cents * quantity,
                currency=product.currency,
                available=product.available,
            )
        )
    currency = lines[0].currency if lines else "USD"
    return CartView(
        lines=lines,
        total_cents=sum(line.line_total_cents for line in lines),
        currency=currency,
        count=sum(line.quantity for line in lines),
    )


def _cart_response(request: Request, view: CartView) -> HTMXBlockTemplate | Redirect:
    if block_for(request, "cart"):
        return HTMXBlockTemplate(
            template_name="cart.html.j2", block_name="cart", context={"cart": view}, headers=HTMX_HEADERS
        )
    return Redirect("/cart", status_code=303)


@get("/cart", name="cart")
async def cart_page(request: HTMXRequest, inventory: Inventory) -> HTMXBlockTemplate:
    """The cart: lines with in-place quantities, server totals and stock warnings."""
    view = await load_cart(inventory, session_of(request))
    return HTMXBlockTemplate(
        template_name="cart.html.j2",
        block_name=block_for(request, "cart"),
        context={"cart": view},
        headers=HTMX_HEADERS,
    )


def parse_quantity(raw: str) -> int | None:
    """The quantity a shopper typed if it is a whole number in 1..MAX_QUANTITY, else None."""
    if not QUANTITY.match(raw):
        return None
    quantity = int(raw)
    return quantity if 1 <= quantity <= store.MAX_QUANTITY else None


def _quantity_refused(request: HTMXRequest, sku: str) -> HTMXBlockTemplate:
    """422 with the field message: the `cart_notice` block for htmx, a plain page without JS."""
    if request.htmx:
        return HTMXBlockTemplate(
            template_name="product.html.j2",
            block_name="cart_notice",
            context={"quantity_error": QUANTITY_ERROR},
            status_code=422,
        )
    back = f"/products/{quote(sku, safe='')}"
    context = {
        "status": 422,
        "title": "Please check the quantity",
        "message": f"Nothing was added to your cart. {QUANTITY_ERROR}",
        "back_url": back,
        "back_label": "Back to the part",
    }
    return HTMXBlockTemplate(template_name="error.html.j2", context=context, status_code=422)


@post("/cart/lines", name="add_to_cart", status_code=303)
async def add_to_cart(request: HTMXRequest, inventory: Inventory, data: Form) -> HTMXBlockTemplate | Redirect:
    """Add a quantity of a part; htmx gets the `cart_notice` block of the product page."""
    sku = clean_text(form_text(data, "sku"), field="part number", max_length=SKU_MAX)
    quantity = parse_quantity(form_text(data, "quantity")) if "quantity" in data else 1
    if quantity is None:
        return _quantity_refused(request, sku)
    found = await inventory.by_skus([sku]) if sku else None
    if not found or not found.items:
        raise NotFoundException(f"No part with number {sku}")
    session = session_of(request)
    store.add_to_cart(session, sku, quantity)
    if request.htmx:
        context = {
            "added": {"product": found.items[0], "quantity": quantity},
            "cart_count": store.cart_count(session),
        }
        return HTMXBlockTemplate(
            template_name="product.html.j2", block_name="cart_notice", context=context, status_code=200
        )
    return Redirect("/cart", status_code=303)


@post("/cart/lines/{sku:str}", name="update_cart_line", status_code=303)
async def update_cart_line(
    request: HTMXRequest, inventory: Inventory, sku: FromPath[str], data: Form
) -> HTMXBlockTemplate | Redirect:
    """Change a line's quantity (1..99) in place."""
    store.set_quantity(session_of(request), sku, form_int(data, "quantity", default=1))
    return _cart_response(request, await load_cart(inventory, session_of(request)))


@post("/cart/lines/{sku:str}/deletion", name="remove_cart_line", status_code=303)
async def remove_cart_line(
    request: HTMXRequest, inventory: Inventory, sku: FromPath[str]
) -> HTMXBlockTemplate | Redirect:
    store.remove_from_cart(session_of(request), sku)
    return _cart_response(request, await load_cart(inventory, session_of(request)))


CHECKOUT_FIELDS = ("name", "email", "line1", "line2", "city", "region", "postal_code", "country")


def validate_checkout(form: dict[str, str]) -> dict[str, str]:
    """Return {field: message} for every field that orders would refuse, in words for people."""
    errors = {}
    for field in CHECKOUT_FIELDS:
        if problem := text_problem(form[field], max_length=300):
            errors[field] = problem
    for field, label, limit in (
        ("name", "your name", 200),
        ("line1", "the street address", 200),
        ("city", "the city", 200),
        ("postal_code", "the postal code", 20),
    ):
        if field in errors:
            continue
        if not form[field]:
            errors[field] = f"Enter {label}."
        elif len(form[field]) > limit:
            errors[field] = f"Use at most {limit} characters."
    if "email" not in errors and (not EMAIL.match(form["email"]) or len(form["email"]) > 254):
        errors["email"] = "Enter an email address like name@example.com."
    if "country" not in errors and not COUNTRY.match(form["country"]):
        errors["country"] = "Enter the two-letter country code, for example US."
    if "region" not in errors and len(form["region"]) > 100:
        errors["region"] = "Use at most 100 characters."
    if "line2" not in errors and len(form["line2"]) > 200:
        errors["line2"] = "Use at most 200 characters."
    return errors


def _checkout_template(
    *,
    view: CartView,
    form: dict[str, str],
    errors: dict[str, str],
    key: str,
    problem: str = "",
    status: int = 200,
) -> HTMXBlockTemplate:
    context = {"cart": view, "form": form, "errors": errors, "idempotency_key": key, "problem": problem}
    return HTMXBlockTemplate(template_name="checkout.html.j2", context=context, status_code=status)


@get("/checkout", name="checkout")
async def checkout_page(request: Request, inventory: Inventory) -> HTMXBlockTemplate | Redirect:
    """The checkout form; rendering it creates (or reuses) this cart's Idempotency-Key."""
    session = session_of(request)
    if not store.cart(session):
        return Redirect("/cart", status_code=303)
    view = await load_cart(inventory, session)
    form = dict.fromkeys(CHECKOUT_FIELDS, "") | dict(session.get("contact", {}))
    return _checkout_template(view=view, form=form, errors={}, key=store.checkout_key(session))


def _describe_shortage(exc: BackendProblem, view: CartView) -> str:
    names = {line.sku: line.name for line in view.lines}
    parts = []
    for line in exc.body.get("lines", []) or []:
        sku = str(line.get("sku", ""))
        available = line.get("available")
        parts.append(f"{names.get(sku, sku)} ({sku}): {line.get('requested')} wanted, {available} available")
    detail = "; ".join(parts) or exc.detail
    return f"Not enough stock for: {detail}. Your cart is kept; change the quantity and try again."


@post("/checkout", name="place_order", status_code=303)
async def place_order(
    request: Request, inventory: Inventory, orders: Orders, data: Form
) -> HTMXBlockTemplate | Redirect:
    """Place the order once per Idempotency-Key; problems re-show the form and keep the cart."""
    session = session_of(request)
    key = form_value(data, "idempotency_key", max_length=200)
    if not IDEMPOTENCY_KEY.match(key):
        key = ""
    if key and (token := store.placed_order(session, key)):
        return Redirect(f"/orders/{token}", status_code=303)
    if not store.cart(session):
        return Redirect("/cart", status_code=303)
    # Unclipped: an over-long value gets a field error instead of being cut without a word.
    form = {field: form_text(data, field) for field in CHECKOUT_FIELDS}
    form["country"] = form["country"].upper()
    view = await load_cart(inventory, session)
    if not key:
        key = store.checkout_key(session)
        return _checkout_template(
            view=view,
            form=form,
            errors={},
            key=key,
            status=422,
            problem="The form was missing its order key; please submit again.",
        )
    errors = validate_checkout(form)
    if errors:
        return _checkout_template(view=view, form=form, errors=errors, key=key, status=422)
    session["contact"] = form
    order = OrderCreate(
        customer=Customer(name=form["name"], email=form["email"]),
        shipping_address=Address(
            line1=form["line1"],
            line2=form["line2"] or None,
            city=form["city"],
            region=form["region"],
            postal_code=form["postal_code"],
            country=form["country"],
        ),
        lines=[OrderLineCreate(sku=sku, quantity=qty) for sku, qty in store.cart(session).items()],
    )
    try:
        placed = await orders.place(order, idempotency_key=key)
    except BackendUnavailable:
        # Same key on the retry: if the order did go through, the retry finds it.
        return _checkout_template(
            view=view,
            form=form,
            errors={},
            key=key,
            status=503,
            problem="Ordering is temporarily unavailable. Your cart is kept; please try again in a moment.",
        )
    except BackendProblem as exc:
        store.renew_checkout_key(session)
        fresh_key = store.checkout_key(session)
        if exc.code == "out_of_stock":
            problem = _describe_shortage(exc, view)
        elif exc.code == "idempotency_key_reused":
            problem = (
                "Your cart changed since you opened checkout. Please check it and place the order again."
            )
        elif exc.code == "unknown_sku":
            skus = ", ".join(str(s) for s in exc.body.get("skus", []))
            problem = f"These parts are no longer sold: {skus}. Remove them from your cart and try again."
        elif exc.status in (400, 422):
            # The form passed our checks but orders refused a value: say so, it is not an outage.
            problem = (
                f"Some details could not be used ({exc.detail or exc.code}). Please check them and try again."
            )
            return _checkout_template(
                view=view, form=form, errors={}, key=fresh_key, problem=problem, status=422
            )
        else:
            problem = f"The order was refused: {exc.detail or exc.code}."
        return _checkout_template(view=view, form=form, errors={}, key=fresh_key, problem=problem, status=409)
    store.remember_order(session, key=key, tracking_token=placed.tracking_token)
    return Redirect(f"/orders/{placed.tracking_token}", status_code=303)
