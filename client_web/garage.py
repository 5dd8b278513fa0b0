"""The vehicle picker (year → make → model) and "my garage" in the session."""

from __future__ import annotations

from typing import Annotated, Any

from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, QueryParameter
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect

from client_web import session as store
from client_web.catalog import Facets
from client_web.views import HTMX_HEADERS, Inventory, block_for, form_int, form_value, safe_next, session_of

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


async def picker_context(
    inventory: Inventory,
    facets: NamedDependency[Facets],
    *,
    year: int | None,
    make: str,
    model: str,
    next_url: str,
) -> dict[str, Any]:
    """Options for the three selects; a make or model that does not belong to the year is dropped."""
    years = await facets.years.get()
    year = year if year in years else None
    makes = await inventory.makes(year) if year else []
    make = make if make in makes else ""
    models = await inventory.models(year, make) if year and make else []
    model = model if model in models else ""
    return {
        "picker": {
            "years": years,
            "makes": makes,
            "models": models,
            "year": year,
            "make": make,
            "model": model,
            "next": next_url,
        }
    }


@get("/garage", name="garage")
async def garage_page(
    request: HTMXRequest,
    inventory: Inventory,
    facets: NamedDependency[Facets],
    year: FromQuery[int | None] = None,
    make: FromQuery[str] = "",
    model: FromQuery[str] = "",
    next_url: Annotated[str, QueryParameter(name="next")] = "/",
) -> HTMXBlockTemplate:
    """My garage plus the picker; htmx refills the picker (`vehicle_picker`) on each change."""
    next_target = safe_next(next_url[:500])
    context = await picker_context(
        inventory, facets, year=year, make=make[:50], model=model[:80], next_url=next_target
    )
    return HTMXBlockTemplate(
        template_name="garage.html.j2",
        block_name=block_for(request, "vehicle_picker"),
        context=context,
        headers=HTMX_HEADERS,
    )


@post("/garage/vehicles", name="add_vehicle", status_code=303)
async def add_vehicle(
    request: Request, inventory: Inventory, facets: NamedDependency[Facets], data: Form
) -> Redirect | HTMXBlockTemplate:
    """Add the picked vehicle to the garage and make it active; an incomplete pick re-shows the picker."""
    year = form_int(data, "year", default=0)
    make, model = form_value(data, "make", max_length=50), form_value(data, "model", max_length=80)
    next_url = safe_next(form_value(data, "next", max_length=500))
    context = await picker_context(inventory, facets, year=year, make=make, model=model, next_url=next_url)
    picked = context["picker"]
    if not (picked["year"] and picked["make"] and picked["model"]):
        context["picker"]["error"] = "Choose a year, a make and a model."
        return HTMXBlockTemplate(template_name="garage.html.j2", context=context, status_code=422)
    store.add_vehicle(session_of(request), store.Vehicle(picked["year"], picked["make"], picked["model"]))
    return Redirect(next_url, status_code=303)


@post("/garage/vehicles/{index:int}/activation", name="activate_vehicle", status_code=303)
async def activate_vehicle(request: Request, index: FromPath[int], data: Form) -> Redirect:
    store.activate_vehicle(session_of(request), index)
    return Redirect(safe_next(form_value(data, "next", max_length=500)), status_code=303)


@post("/garage/vehicles/{index:int}/deletion", name="remove_vehicle", status_code=303)
async def remove_vehicle(request: Request, index: FromPath[int]) -> Redirect:
    store.remove_vehicle(session_of(request), index)
    return Redirect("/garage", status_code=303)
