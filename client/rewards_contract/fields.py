"""Field types and helpers shared by the contract's models and the stored documents."""

import re
from datetime import UTC, datetime
from typing import Annotated, TypeAlias

from pydantic import AfterValidator, BeforeValidator, Field, Strict
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from rewards_contract.errors import DetailType

MAX_USER_ID = 2**63 - 1
# The most one event may report (a purchase's amount, points): far above any real balance, and far
# below where adding many of them could overflow a stored 64-bit number.
MAX_EVENT_AMOUNT = 10**12
# The most besitos one reward may grant: what one event may report spent, so that no grant is an
# amount the bot could never spend.
MAX_BESITOS_GRANT = MAX_EVENT_AMOUNT

# An optional field's None where None means "not sent": accepted, and left out of the published schema.
# Named, so that the models built at run time (create_model) can add it to a type mypy can read.
NotSent: TypeAlias = SkipJsonSchema[None]


def field_refused(field: str, why: DetailType, message: str) -> PydanticCustomError:
    """A model validator's refusal of one field (`field`, dotted below the model; "" the model as a whole):
    named and coded so in the answer."""
    return PydanticCustomError(why.value, message, {"field": field})


def refused(why: DetailType, message: str) -> PydanticCustomError:
    """A field validator's refusal: its own sentence, and its code (`details[].type`).

    `missing`, `too_short` and `too_long` are pydantic's names too: a refusal coded so uses `field_refused`,
    which tells it from pydantic's own.
    """
    return PydanticCustomError(why.value, message)


def _whole_float_as_int(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# JSON has one number type: 5.0 is the integer 5 (JSON Schema's `integer` agrees), and a client
# keeping numbers as floats sends it so. Strict integers take it, while 5.5, "5" and true stay refused.
WholeFloatAsInt = BeforeValidator(_whole_float_as_int)
# An integer as JSON Schema means it. Give bounds as `Field(...)` arguments, and for `int | None` put
# WholeFloatAsInt around the union: pydantic cannot describe bounds placed after a validator.
WholeNumber = Annotated[int, WholeFloatAsInt, Strict()]

# A Telegram user id: a positive signed 64-bit integer (what MongoDB stores as a long).
UserId = Annotated[int, Field(ge=1, le=MAX_USER_ID, strict=True)]


def to_mongo_precision(moment: datetime) -> datetime:
    """Truncate to milliseconds: BSON dates keep no more, and replayed answers must match the first."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _require_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise refused(DetailType.BAD_FORMAT, "must include its UTC offset, such as 2026-12-01T00:00:00Z")
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before the first UTC date Python holds
        raise ValueError("must be a date in years 1-9999 once converted to UTC") from None


# Every stored datetime is timezone-aware UTC; naive values are rejected at the edge.
UtcDatetime = Annotated[datetime, AfterValidator(_require_aware)]


# RFC 3339 as JSON Schema's `date-time` means it; the offset is left optional here so that a naive
# value gets _require_aware's clearer message.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?")


def _date_time_text_or_datetime(value: object) -> object:
    if isinstance(value, datetime) or (isinstance(value, str) and _RFC3339.fullmatch(value)):
        return value
    raise refused(DetailType.BAD_FORMAT, "must be a date-time such as 2026-12-01T00:00:00Z")


# A UTC datetime an admin or a seed file gives: a datetime, or text in the document's `date-time`
# format (pydantic alone would also read numbers and digit strings as Unix times).
UtcDatetimeInput = Annotated[UtcDatetime, BeforeValidator(_date_time_text_or_datetime)]
