"""What conditions read about one user at one moment: built-in facts, declared counters, days counted, rewards claimed.

Built-in numeric facts and declared counters are one mechanism here: `number(name)` reads either,
so a `counter_at_least` condition names `total_points` as it names `messages_sent`. Windows count
per UTC calendar day (`utc_day`): what events added on each day the user's document still keeps.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from rewards_contract.facts import NEW_USER_FACTS, Facts

_EPOCH = date(1970, 1, 1)
_NOTHING: Mapping[Any, Any] = MappingProxyType({})


def utc_day(moment: datetime) -> int:
    """The UTC calendar day of `moment`, as days since 1970-01-01 (how per-day counts are stored)."""
    return (moment.date() - _EPOCH).days


# A mark taken at a claim: (day, what that day had counted then). Only what came after counts again.
Mark = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Standing:
    """One user's facts as conditions read them, at `today` (a `utc_day`)."""

    facts: Facts = field(default_factory=Facts)
    counters: Mapping[str, int] = field(default_factory=dict)
    # Per counted name (a declared counter or an additive built-in fact): {day: amount counted that day}.
    days: Mapping[str, Mapping[int, int]] = field(default_factory=dict)
    # Slugs of the rewards the user has claimed at least once.
    claimed: frozenset[str] = frozenset()
    today: int = 0

    @classmethod
    def of(cls, stored: Mapping[str, Any] | None, now: datetime, claimed: frozenset[str] = frozenset()) -> "Standing":
        """From a stored `user_facts` document (None: a user never seen)."""
        if stored is None:
            return cls(claimed=claimed, today=utc_day(now))
        return cls(
            facts=Facts.from_mapping(stored),
            counters=stored.get("counters") or _NOTHING,
            days={
                name: {bucket["d"]: bucket["n"] for bucket in buckets}
                for name, buckets in (stored.get("days") or {}).items()
            },
            claimed=claimed,
            today=utc_day(now),
        )

    def number(self, name: str) -> int:
        """A built-in number (`total_points`...) or a declared counter (0 until its first event)."""
        if name in NEW_USER_FACTS:
            return int(getattr(self.facts, name))
        return self.counters.get(name, 0)

    def counted_in_window(self, name: str, window_days: int, mark: Mark | None = None) -> int:
        """What events added to `name` in the last `window_days` days, today included; after `mark` only."""
        first = self.today - window_days + 1
        total = 0
        for day, amount in self.days.get(name, _NOTHING).items():
            if day < first or day > self.today:
                continue
            if mark is not None:
                if day < mark[0]:
                    continue
                if day == mark[0]:
                    amount = max(0, amount - mark[1])
            total += amount
        return total

    def marks(self, names: Sequence[str]) -> dict[str, Mark]:
        """Today's counts of these names: what a claim records, so only later events count toward the next unlock."""
        return {name: (self.today, self.days.get(name, _NOTHING).get(self.today, 0)) for name in names}
