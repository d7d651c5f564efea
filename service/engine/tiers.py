"""Tiers collapsed: per series, the user's highest claimed tier and the next one above it (pure)."""

from collections.abc import Callable, Sequence
from typing import TypeVar

Item = TypeVar("Item")


def collapsed(
    items: Sequence[Item],
    series_of: Callable[[Item], str | None],
    tier_of: Callable[[Item], int | None],
    claimed: Callable[[Item], bool],
) -> list[Item]:
    """`items` with each series reduced to its highest claimed tier and the next tier above it (by number,
    gaps allowed), or to its lowest tier alone when none is claimed; items of no series stay. Order is kept."""
    by_series: dict[str, list[Item]] = {}
    for item in items:
        series = series_of(item)
        if series is not None:
            by_series.setdefault(series, []).append(item)
    shown: set[int] = set()
    for tiers in by_series.values():
        ranked = sorted(tiers, key=lambda item: tier_of(item) or 0)
        highest = max((i for i, item in enumerate(ranked) if claimed(item)), default=None)
        chosen = [ranked[0]] if highest is None else ranked[highest : highest + 2]
        shown.update(id(item) for item in chosen)
    return [item for item in items if series_of(item) is None or id(item) in shown]
