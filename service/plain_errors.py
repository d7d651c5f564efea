"""Pydantic's refusals in the caller's words: each field named as it was written, each error one plain sentence.

Pydantic locates an error with its own internals: a union's branch labels
(`function-before[_whole_float_as_int(), constrained-int]`, `none`), a tagged union's tag, `[key]`
for a dict key; and it words it with class names and regexes. `plain_errors` walks each location
along the model's schema and keeps only what the caller wrote (`conditions[2].value`), words each
error as what is allowed, and keeps one error per field: an optional field's `none` branch is not
a second error. The server answers these in `ValidationFailed.details`; seed files report them;
the settings word theirs with `plain_message`, so there is one table of words.

Each error also gets a code of the contract's `DetailType`: pydantic's own error types (`int_parsing`,
`union_tag_not_found`) never reach a caller; one this module does not map is `invalid`.

A validator that checks several fields together names the one it refuses by raising the contract's
`field_refused(field, why, message)`: the field is appended to the location, `why` is its code.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar, get_args

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from pydantic_core.core_schema import ErrorType
from rewards_contract.api import GRANT_ID_PATTERN
from rewards_contract.enums import RewardStatus, RewardType
from rewards_contract.errors import DetailType, ErrorDetail, ValidationFailed
from rewards_contract.events import EVENT_ID_PATTERN
from rewards_contract.feed import CURSOR_PATTERN, TYPES_PATTERN
from rewards_contract.languages import TAG_PATTERN
from rewards_contract.leaderboards import RUN_KEY_PATTERN
from rewards_contract.paging import PAGE_CURSOR_PATTERN, values_pattern
from rewards_contract.rewards import SLUG_PATTERN

Part = str | int
M = TypeVar("M", bound=BaseModel)


# What each pattern of the contract allows, in words (a test checks every pattern the API uses is here).
PATTERN_MEANINGS: dict[str, str] = {
    SLUG_PATTERN: "must be lowercase letters, digits, '-' and '_', starting with a letter or a digit",
    EVENT_ID_PATTERN: "must be printable ASCII characters without spaces",
    CURSOR_PATTERN: "must be a cursor from an earlier page: decimal digits (at most 18)",
    # Its validator names the unknown type before the pattern is checked: listed so that every pattern has words.
    TYPES_PATTERN: "must be entry types, comma-separated",
    TAG_PATTERN: "must be a BCP 47 language tag such as es, en or es-MX",
    PAGE_CURSOR_PATTERN: "must be the `next_cursor` of an earlier page",
    values_pattern(RewardStatus): "must be reward statuses, comma-separated",
    values_pattern(RewardType): "must be reward types, comma-separated",
    GRANT_ID_PATTERN: "must not hold control characters",
    RUN_KEY_PATTERN: "must be a run's key: all, season, a date (2026-12-07), a week (2026-W49) or a month (2026-12)",
}

_FIXED: dict[str, str] = {
    "missing": "is required",
    "extra_forbidden": "unknown parameter; remove it",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "int_parsing_size": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be {switch}",
    "bool_parsing": "must be {switch}",
    "string_type": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "none_required": "must be left out",
    "datetime_type": "must be a date-time such as 2026-12-01T00:00:00Z",
    "datetime_parsing": "must be a date-time such as 2026-12-01T00:00:00Z",
    "datetime_from_date_parsing": "must be a date-time such as 2026-12-01T00:00:00Z",
    "union_tag_not_found": "is required",
}

# How a yes/no value is written where it is read: JSON and query strings say true or false, the
# environment on or off (pydantic accepts both pairs in both places).
TRUE_OR_FALSE = "true or false"
ON_OR_OFF = "on or off"
# Refusals whose words quote the value sent (an unknown value), or are our validators' own sentences
# (which name it where they need to).
_WORDS_NAME_THE_INPUT = frozenset({"enum", "literal_error", "union_tag_invalid", "value_error", "assertion_error"})

_BOUNDS = {
    "greater_than": "greater than {gt}",
    "greater_than_equal": "at least {ge}",
    "less_than": "less than {lt}",
    "less_than_equal": "at most {le}",
}

# Pydantic's error types by the code answered for them; any other is `invalid` (a test checks every
# type worded above has a code).
_DETAIL_TYPES: dict[str, DetailType] = {
    **dict.fromkeys(("missing", "union_tag_not_found"), DetailType.MISSING),
    "extra_forbidden": DetailType.UNKNOWN_FIELD,
    "none_required": DetailType.NOT_ALLOWED,
    **dict.fromkeys(("dict_type", "model_type", "model_attributes_type"), DetailType.NOT_AN_OBJECT),
    **dict.fromkeys(
        (
            *("int_type", "int_parsing", "int_from_float", "int_parsing_size", "float_type", "float_parsing"),
            *("finite_number", "bool_type", "bool_parsing", "string_type", "list_type", "datetime_type"),
        ),
        DetailType.WRONG_TYPE,
    ),
    **dict.fromkeys(("greater_than", "greater_than_equal"), DetailType.TOO_SMALL),
    **dict.fromkeys(("less_than", "less_than_equal"), DetailType.TOO_LARGE),
    **dict.fromkeys(("string_too_short", "too_short"), DetailType.TOO_SHORT),
    **dict.fromkeys(("string_too_long", "too_long"), DetailType.TOO_LONG),
    **dict.fromkeys(
        ("string_pattern_mismatch", "datetime_parsing", "datetime_from_date_parsing"), DetailType.BAD_FORMAT
    ),
    **dict.fromkeys(("enum", "literal_error", "union_tag_invalid"), DetailType.UNKNOWN_VALUE),
}
_OUR_CODES = frozenset(DetailType)

_HIDDEN = object()  # a value the words must not show
_PYDANTIC_TYPES = frozenset(get_args(ErrorType))  # the rest are our validators' (PydanticCustomError)

# Pydantic's names for the branches of a plain union, when a location cannot be matched to a schema.
_BRANCH_LABEL = re.compile(
    r"[\[\]()]|^(none|bool|int|float|str|bytes|list|dict|set|any|date|datetime|constrained-\w+|lax-or-strict"
    r"|json-or-python|is-instance|function-\w+|tagged-union|union)$|^[A-Z][A-Za-z0-9]*$"
)


def plain_errors(errors: Iterable[ErrorDetails], model: type[BaseModel] | None = None) -> list[ErrorDetail]:
    """Pydantic's errors as the caller reads them, one per field, in pydantic's order.

    `model` is the one that refused (its schema tells fields from branch labels); without it,
    branch labels are recognised by their shape.
    """
    schema = model.__pydantic_core_schema__ if model is not None else None
    refused = [(_plain(error, schema), error["type"] == "none_required") for error in errors]
    # An optional field's `none` branch is no second error when its other branch said what is wrong,
    # at the field or below it (`conditions` must be null / `conditions[0].value` ...).
    about_values = [item["field"] for item, about_none in refused if not about_none]
    items = [
        item
        for item, about_none in refused
        if not about_none
        or not any(
            field == item["field"] or field.startswith((item["field"] + ".", item["field"] + "["))
            for field in about_values
        )
    ]
    # One error per field: a union's other branches say nothing the first did not.
    by_field: dict[str, ErrorDetail] = {}
    for item in items:
        by_field.setdefault(item["field"], item)
    return list(by_field.values())


def summary(items: Sequence[ErrorDetail]) -> str:
    """One sentence for the envelope's `message`: every field and what is wrong with it."""
    text = "; ".join(f"{item['field']}: {item['message']}" if item["field"] else item["message"] for item in items)
    text = text or "the request is not valid"
    if not items or not items[0]["field"]:  # a sentence about the whole input is capitalised; a field name never is
        text = text[0].upper() + text[1:]
    return text.removesuffix(".") + "."


def refusal(error: ValidationError, model: type[BaseModel] | None = None) -> ValidationFailed:
    """The 422 answering a pydantic refusal: a summary, and the plain errors as details."""
    items = plain_errors(error.errors(include_url=False), model)
    return ValidationFailed(summary(items), items)


def validated(model: type[M], data: Any) -> M:
    """`model` validated from `data`; ValidationFailed (422, in plain words) when it is refused."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise refusal(error, model) from None


def written(path: Iterable[Part]) -> str:
    """A location as the caller writes it: `conditions[2].value`, `translations.es.name`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def _plain(error: ErrorDetails, schema: Mapping[str, Any] | None) -> ErrorDetail:
    loc = tuple(error["loc"])
    path = _caller_path(schema, loc, {}) if schema is not None else None
    if path is None:
        path = [part for part in loc if isinstance(part, int) or not _BRANCH_LABEL.search(part)]
    ctx = error.get("ctx") or {}
    kind = error["type"]
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        path.append(str(ctx.get("discriminator", "")).strip("'\""))
    if isinstance(ctx.get("field"), str) and ctx["field"]:
        path.extend(ctx["field"].split("."))
    message = plain_message(error)
    if loc[-1:] == ("[key]",):
        message = f"the key {message}"
    return {"field": written(path), "message": message, "type": detail_type(error)}


def detail_type(error: ErrorDetails) -> DetailType:
    """The code answered for `error`: pydantic's types by what they mean, our validators' own as they are."""
    kind = error["type"]
    if _worded_by_us(error):
        return DetailType(kind) if kind in _OUR_CODES else DetailType.INVALID
    return _DETAIL_TYPES.get(kind, DetailType.INVALID)


def _worded_by_us(error: ErrorDetails) -> bool:
    """A refusal our validators raised with their own sentence (PydanticCustomError), not one of pydantic's."""
    return error["type"] not in _PYDANTIC_TYPES or "field" in (error.get("ctx") or {})


def plain_message(error: ErrorDetails, *, switch: str = TRUE_OR_FALSE, echo: bool | None = None) -> str:
    """What `error` says is allowed, as a phrase to follow a field's name (`must be a whole number`).

    `switch`: how a yes/no value is written where it was read. `echo`: None quotes the value sent only
    where the words need it (an unknown value: `unknown value 'gold'; allowed: ...`); True also names it
    after any other refusal of a value (`must be at most 65535, got '70000'`); False never shows it (a secret).
    """
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    if _worded_by_us(error):
        return error["msg"]
    message = _message(kind, ctx, value if echo is not False else _HIDDEN, error["msg"], switch)
    if echo and kind not in _WORDS_NAME_THE_INPUT:
        message += f", got {value!r}"
    return message


def figure(value: Any) -> Any:
    """5.0 as 5: the way a person writes the figure (a float field's bound is a float)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _message(kind: str, ctx: Mapping[str, Any], value: Any, msg: str, switch: str) -> str:
    if kind in _FIXED:
        return _FIXED[kind].format(switch=switch)
    if kind in _BOUNDS:
        return "must be " + _BOUNDS[kind].format(**{key: figure(bound) for key, bound in ctx.items()})
    if kind == "string_too_short":
        return "must not be empty" if ctx["min_length"] == 1 else f"must be at least {ctx['min_length']} characters"
    if kind == "string_too_long":
        return f"must be at most {ctx['max_length']} characters"
    if kind == "too_long":
        return f"must have at most {ctx['max_length']} items"
    if kind == "too_short":
        return f"must have at least {ctx['min_length']} items"
    if kind == "string_pattern_mismatch":
        return PATTERN_MEANINGS.get(ctx.get("pattern", ""), "is not in the expected format")
    if kind in ("enum", "literal_error"):
        allowed = ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
        shown = f" {value!r}" if isinstance(value, str | int | float) and len(repr(value)) <= 60 else ""
        return f"unknown value{shown}; allowed: {allowed}"
    if kind == "union_tag_invalid":
        allowed = ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected_tags", ""))))
        return f"unknown {str(ctx.get('discriminator', '')).strip(chr(39))} {ctx.get('tag')!r}; allowed: {allowed}"
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    # A refusal this table does not know yet.
    return msg.removeprefix("Value error, ").replace("Input should be", "must be")


def _caller_path(schema: Mapping[str, Any], loc: tuple[Part, ...], definitions: Mapping[str, Any]) -> list[Part] | None:
    """`loc` without the parts the caller never wrote, following `schema`; None when `loc` does not fit it."""
    kind = schema["type"]
    if kind == "definitions":
        definitions = {**definitions, **{item["ref"]: item for item in schema["definitions"]}}
    if kind == "definition-ref":
        return _caller_path(definitions[schema["schema_ref"]], loc, definitions)
    if isinstance(schema.get("schema"), Mapping):  # a model, a default, a nullable, a validator's wrapper
        return _caller_path(schema["schema"], loc, definitions)
    if kind == "lax-or-strict":
        return _caller_path(schema["lax_schema"], loc, definitions)
    if kind == "json-or-python":
        return _caller_path(schema["python_schema"], loc, definitions)
    if not loc:
        return []
    head, rest = loc[0], loc[1:]
    inner: list[Part] | None = None
    if kind == "model-fields":
        field = _field_named(schema["fields"], head)
        if field is None:  # a field the model does not have (extra_forbidden): nothing below it
            return [head] if not rest else None
        inner = _caller_path(field["schema"], rest, definitions)
        return None if inner is None else [head, *inner]
    if kind == "union":  # `head` is a branch label: the caller wrote none of it
        for choice in schema["choices"]:
            inner = _caller_path(choice[0] if isinstance(choice, tuple) else choice, rest, definitions)
            if inner is not None:
                return inner
        return None
    if kind == "tagged-union":  # `head` is the tag: the caller wrote it as the discriminator's value
        choice = next((c for tag, c in schema["choices"].items() if str(tag) == str(head)), None)
        return None if choice is None else _caller_path(choice, rest, definitions)
    if kind in ("list", "set", "frozenset") and isinstance(head, int):
        inner = _caller_path(schema["items_schema"], rest, definitions)
    elif kind == "dict":
        inner = [] if rest == ("[key]",) else _caller_path(schema["values_schema"], rest, definitions)
    return None if inner is None else [head, *inner]


def _field_named(fields: Mapping[str, Any], name: Part) -> Mapping[str, Any] | None:
    """The model field the caller names `name`: by its alias when it has one."""
    for field_name, field in fields.items():
        alias = field.get("validation_alias", field_name)
        # An alias is a name, or a list of choices, each a path whose first step is the name.
        names = [alias] if isinstance(alias, str) else [path[0] for path in alias]
        if name in names:
            return field
    return None
