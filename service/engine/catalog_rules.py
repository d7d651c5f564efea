"""What a reward definition must agree with in the rest of the catalogue (pure): declared counters, prerequisites.

The contract's models check a definition on its own. What needs the catalogue is checked here,
with the catalogue passed in as plain values, when a definition comes in (API, seed files).
"""

from collections.abc import Iterable, Mapping, Sequence

from rewards_contract.enums import CounterKind, RewardConditionType
from rewards_contract.errors import DetailType, RewardCycle, UnknownCounter, UnknownReward, WrongCounterKind
from rewards_contract.rewards import BUILT_IN_FACTS, RewardCondition


def _field(index: int, name: str) -> str:
    return f"conditions[{index}].{name}"


def declared_counters_read(conditions: Iterable[RewardCondition]) -> set[str]:
    """The declared counters (not built-in facts) the conditions read."""
    return {c.counter for c in conditions if c.counter is not None and c.counter not in BUILT_IN_FACTS}


def prerequisites(conditions: Iterable[RewardCondition]) -> set[str]:
    """The slugs of the rewards the conditions need claimed first."""
    return {c.reward for c in conditions if c.condition_type is RewardConditionType.REWARD_CLAIMED and c.reward}


def stored_prerequisites(conditions: Iterable[Mapping[str, object]]) -> set[str]:
    """`prerequisites` of conditions as stored (plain dicts, read without validating them)."""
    return {
        str(c["reward"])
        for c in conditions
        if c.get("condition_type") == RewardConditionType.REWARD_CLAIMED and c.get("reward")
    }


def check_counters(conditions: Sequence[RewardCondition], counters: Mapping[str, CounterKind]) -> None:
    """Every declared counter a condition names exists, and a window counts a `count` counter."""
    for index, condition in enumerate(conditions):
        name = condition.counter
        if name is None or name in BUILT_IN_FACTS:
            continue
        kind = counters.get(name)
        if kind is None:
            raise UnknownCounter(
                f"{_field(index, 'counter')}: no counter named {name!r} is declared (POST /v1/counters declares one).",
                [
                    {
                        "field": _field(index, "counter"),
                        "message": f"unknown counter {name!r}",
                        "type": DetailType.UNKNOWN_COUNTER,
                    }
                ],
            )
        if condition.condition_type is RewardConditionType.COUNTER_IN_WINDOW and kind is CounterKind.VALUE:
            raise WrongCounterKind(
                f"{_field(index, 'counter')}: a window counts what events add, and {name!r} is a value counter "
                "(its events set it); use counter_at_least, or a count counter.",
                [
                    {
                        "field": _field(index, "counter"),
                        "message": f"{name!r} is a value counter",
                        "type": DetailType.WRONG_COUNTER_KIND,
                    }
                ],
            )


def check_prerequisites_exist(conditions: Sequence[RewardCondition], existing: set[str]) -> None:
    """Every reward a `reward_claimed` condition names exists (active or not)."""
    for index, condition in enumerate(conditions):
        if condition.condition_type is RewardConditionType.REWARD_CLAIMED and condition.reward not in existing:
            raise UnknownReward(
                f"{_field(index, 'reward')}: no reward has the slug {condition.reward!r}.",
                [
                    {
                        "field": _field(index, "reward"),
                        "message": f"unknown reward {condition.reward!r}",
                        "type": DetailType.UNKNOWN_REWARD,
                    }
                ],
            )


def find_cycle(slug: str, graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """A chain of prerequisites leading from `slug` back to itself (`[a, b, a]`), or None.

    `graph` maps each reward to the rewards it needs claimed first, `slug`'s entry as it would be saved.
    """
    path: list[str] = [slug]
    on_path = {slug}
    done: set[str] = set()

    def visit(current: str) -> list[str] | None:
        for needed in sorted(graph.get(current, ())):
            if needed == slug:
                return [*path, slug]
            if needed in on_path or needed in done:
                continue
            path.append(needed)
            on_path.add(needed)
            found = visit(needed)
            if found is not None:
                return found
            on_path.discard(path.pop())
            done.add(needed)
        return None

    return visit(slug)


def check_no_cycle(slug: str, graph: Mapping[str, Iterable[str]]) -> None:
    """Refuse a definition whose prerequisites lead back to itself, at any depth."""
    cycle = find_cycle(slug, graph)
    if cycle is not None:
        raise RewardCycle(
            f"These rewards would each need the next claimed first, in a circle: {' -> '.join(cycle)}.",
            [{"field": "conditions", "message": " -> ".join(cycle), "type": DetailType.REWARD_CYCLE}],
        )
