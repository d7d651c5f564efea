"""Pages of a list: how many items, where the next page starts, and filters written as comma-separated values."""

from collections.abc import Callable
from enum import Enum

from rewards_contract.errors import DetailType
from rewards_contract.fields import refused

# The most rewards one page answers (`limit`).
MAX_REWARDS_PAGE = 100
# A page cursor as the service writes it: opaque, URL-safe, short.
PAGE_CURSOR_PATTERN = r"^[A-Za-z0-9_-]{1,200}$"


def values_pattern(values: type[Enum]) -> str:
    """One or more of the enum's values, comma-separated: the OpenAPI document's statement of the rule."""
    one = "(" + "|".join(str(member.value) for member in values) + ")"
    return f"^{one}(,{one})*$"


def known_values(values: type[Enum], noun: str) -> Callable[[object], object]:
    """A validator naming the first unknown value in words (the pattern says the same to the OpenAPI document)."""
    allowed = [str(member.value) for member in values]

    def check(value: object) -> object:
        if isinstance(value, str):
            for name in value.split(","):
                if name not in allowed:
                    raise refused(
                        DetailType.UNKNOWN_VALUE,
                        f"unknown {noun} {name!r}; allowed (comma-separated): {', '.join(allowed)}",
                    )
        return value

    return check
