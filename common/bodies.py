"""Strict JSON request bodies: `"5"` is not a number, and the error names the field."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec
from litestar.dto import AbstractDTO
from litestar.typing import FieldDefinition

from common.errors import DomainError

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.dto.data_structures import DTOFieldDefinition
    from litestar.openapi.spec import Reference, Schema

T = TypeVar("T")


class InvalidBody(DomainError):
    code = "validation_error"


def decode_strict(raw: bytes, type_: type[T]) -> T:
    """Decode `raw` JSON into `type_` without msgspec's lax conversions, or raise InvalidBody.

    Litestar converts a parsed body to the handler's `data` type with `strict=False`, which
    turns `"1"` into `1`; handlers that take the raw body and call this refuse it instead.
    """
    try:
        return msgspec.json.decode(raw, type=type_)
    except msgspec.ValidationError as exc:
        # msgspec says where: "Expected `int`, got `str` - at `$.lines[0].quantity`".
        path = str(exc).rpartition(" - at ")[2] if " - at " in str(exc) else "$"
        raise InvalidBody(f"invalid body: {exc}", extra={"path": path.strip("`")}) from exc
    except msgspec.DecodeError as exc:
        raise InvalidBody(f"malformed JSON: {exc}", extra={"path": "$"}) from exc


class StrictJSON(AbstractDTO[T]):
    """Handler `dto=` that decodes `data` with `decode_strict`, keeping the body in the OpenAPI schema.

    `@post(dto=StrictJSON[ProductCreate], return_dto=None)` with `data: JSONBody[ProductCreate]`: Litestar
    hands the raw body to `decode_bytes` instead of converting it laxly, and documents the body
    as `ProductCreate`. Only JSON bodies; responses are left to Litestar (`return_dto=None`).
    """

    @classmethod
    def create_for_field_definition(
        cls, field_definition: FieldDefinition, handler_id: str, backend_cls: type[Any] | None = None
    ) -> None:
        # No transfer models or backends: the struct itself is the wire type.
        return None

    @classmethod
    def generate_field_definitions(cls, model_type: type[Any]) -> Generator[DTOFieldDefinition, None, None]:
        yield from ()

    @classmethod
    def detect_nested_field(cls, field_definition: FieldDefinition) -> bool:
        return False

    @classmethod
    def create_openapi_schema(
        cls, field_definition: FieldDefinition, handler_id: str, schema_creator: SchemaCreator
    ) -> Reference | Schema:
        return schema_creator.for_field_definition(FieldDefinition.from_annotation(cls.model_type))

    def decode_bytes(self, value: bytes) -> T:
        return decode_strict(value, self.model_type)

    def decode_builtins(self, value: dict[str, Any]) -> T:
        return decode_strict(msgspec.json.encode(value), self.model_type)

    def data_to_encodable_type(self, data: Any) -> Any:
        return data
