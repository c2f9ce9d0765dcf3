"""Query coercion and error wording of the validation middleware (no server needed)."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from postwriter.api import openapi
from postwriter.api.request_validation import _as_invalid, _coerce
from postwriter.errors import InvalidRequest


def _param(schema: dict[str, object]) -> openapi.Param:
    return openapi.Param("p", False, schema, Draft202012Validator(schema))


@pytest.mark.parametrize(
    ("schema", "raw", "value"),
    [
        ({"type": "integer"}, "42", 42),
        ({"type": "number"}, "0.5", 0.5),
        ({"type": "boolean"}, "TRUE", True),
        ({"type": "boolean"}, "false", False),
        ({"type": "array", "items": {"type": "string"}}, "a,b,,c", ["a", "b", "c"]),
        ({"type": "string"}, "x y", "x y"),
    ],
)
def test_query_values_take_the_schema_type(
    schema: dict[str, object], raw: str, value: object
) -> None:
    assert _coerce(raw, _param(schema), "p") == value


@pytest.mark.parametrize(
    ("schema", "raw", "words"),
    [
        ({"type": "integer"}, "1.5", "whole number"),
        ({"type": "integer"}, "", "whole number"),
        ({"type": "number"}, "NaNx", "a number"),
        ({"type": "boolean"}, "yes", "true or false"),
    ],
)
def test_wrong_query_values_name_the_parameter(
    schema: dict[str, object], raw: str, words: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        _coerce(raw, _param(schema), "p")
    assert words in caught.value.message
    assert caught.value.field == "p"


def test_body_errors_name_the_field_and_never_echo_long_values() -> None:
    schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["name"],
        "properties": {"name": {"type": "string", "maxLength": 5}, "n": {"type": "integer"}},
    }
    validator = Draft202012Validator(schema)
    unknown = _as_invalid(next(validator.iter_errors({"name": "a", "extra": 1})))
    assert unknown.message.startswith("unknown field") and "extra" in unknown.message
    missing = _as_invalid(next(validator.iter_errors({})))
    assert missing.field == "name"
    long = _as_invalid(next(validator.iter_errors({"name": "x" * 5000})))
    assert long.field == "name" and len(long.message) <= 210
