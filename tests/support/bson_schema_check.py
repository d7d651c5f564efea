"""A small evaluator of the `$jsonSchema` subset our validators use, to test them without a real MongoDB."""

import re
from datetime import datetime
from typing import Any

from bson import ObjectId

# Bounds, not a range(): a wire read gives bson.Int64 for a long, and `in range(...)` scans an int
# subclass element by element (minutes per value) where it answers an exact int at once.
_INT32_MIN, _INT32_END = -(2**31), 2**31
_BSON_TYPES = {
    "bool": lambda v: isinstance(v, bool),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool) and _INT32_MIN <= v < _INT32_END,
    "long": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "double": lambda v: isinstance(v, float),
    "string": lambda v: isinstance(v, str),
    "date": lambda v: isinstance(v, datetime),
    "objectId": lambda v: isinstance(v, ObjectId),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


def violations(schema: dict[str, Any], value: Any, path: str = "$") -> list[str]:
    """Every way `value` breaks `schema` (empty when MongoDB would accept it)."""
    kinds = schema.get("bsonType")
    if kinds is not None:
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if not any(_BSON_TYPES[kind](value) for kind in kinds):
            return [f"{path}: {value!r} is not {kinds}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{path}: {value!r} not in {schema['enum']}"]
    problems: list[str] = []
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and (
            value < schema["minimum"] or (schema.get("exclusiveMinimum") and value == schema["minimum"])
        ):
            problems.append(f"{path}: {value} below minimum")
        if "maximum" in schema and (
            value > schema["maximum"] or (schema.get("exclusiveMaximum") and value == schema["maximum"])
        ):
            problems.append(f"{path}: {value} above maximum")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", len(value)):
            problems.append(f"{path}: length {len(value)} out of bounds")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            problems.append(f"{path}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, list):
        if len(value) > schema.get("maxItems", len(value)):
            problems.append(f"{path}: too many items")
        for index, item in enumerate(value):
            problems.extend(violations(schema.get("items", {}), item, f"{path}[{index}]"))
    if isinstance(value, dict):
        problems.extend(f"{path}.{name}: missing" for name in schema.get("required", []) if name not in value)
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                problems.extend(violations(sub, value[name], f"{path}.{name}"))
    return problems
