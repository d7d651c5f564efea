"""Rules a reward definition must meet where it comes in (the API, seed files), and only there (pure).

They are not on `RewardDefinition` itself: the catalogue loads stored rewards through that model,
so a rule placed on it would make every reward stored before the rule fail to load. Stored rewards
that break these rules keep loading and keep working; `rewards-seed --check` lists them.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from rewards_contract.enums import RewardConditionType, RewardType
from rewards_contract.errors import DetailType, ValidationFailed
from rewards_contract.fields import MAX_BESITOS_GRANT
from rewards_contract.rewards import RewardCondition, RewardDefinition

# What makes two conditions the same test: everything but their display order.
_CONDITION_IDENTITY = ("condition_type", "value", "counter", "window_days", "reward", "group")


@dataclass(frozen=True)
class IntakeProblem:
    """One rule a definition breaks: the field as the caller wrote it, and what to do, in plain words."""

    field: str
    message: str
    type: DetailType


def intake_problems(definition: RewardDefinition, changed: Iterable[str] | None = None) -> list[IntakeProblem]:
    """What the definition breaks of the intake rules.

    `changed`: for a PATCH, the fields it changes; only those are checked, so a reward stored before
    a rule can still be patched elsewhere. None: the whole definition came in (POST, PUT, a seed file),
    and `conditions` must then have been given, `[]` included.
    """
    checked = None if changed is None else set(changed)
    problems: list[IntakeProblem] = []
    if checked is None and "conditions" not in definition.model_fields_set:
        problems.append(
            IntakeProblem(
                "conditions",
                'must be given: list the conditions, or send "conditions": [] to unlock the reward for everyone',
                DetailType.MISSING,
            )
        )
    if checked is None or "conditions" in checked:
        problems += _repeated_conditions(definition.conditions)
        problems += _awarded_alone(definition.conditions)
    if (checked is None or {"reward_value", "reward_type"} & checked) and definition.reward_type is RewardType.BESITOS:
        amount = definition.reward_value.get("amount", 0)  # checked against BesitosValue already
        if amount > MAX_BESITOS_GRANT:
            problems.append(
                IntakeProblem(
                    "reward_value.amount",
                    f"must be at most {MAX_BESITOS_GRANT:,} besitos, the most an event can "
                    f"report spent (got {amount:,})",
                    DetailType.TOO_LARGE,
                )
            )
    return problems


def condition_identity(condition: RewardCondition) -> tuple[object, ...]:
    """What two conditions share when they test the same thing: all but their display order."""
    return tuple(getattr(condition, name) for name in _CONDITION_IDENTITY)


def _repeated_conditions(conditions: list[RewardCondition]) -> list[IntakeProblem]:
    first_at: dict[tuple[object, ...], int] = {}
    problems = []
    for index, condition in enumerate(conditions):
        identity = condition_identity(condition)
        if identity in first_at:
            problems.append(
                IntakeProblem(
                    f"conditions[{index}]",
                    f"repeats conditions[{first_at[identity]}] (same type, parameters and group); remove one of them",
                    DetailType.DUPLICATE_CONDITION,
                )
            )
        else:
            first_at[identity] = index
    return problems


def _awarded_alone(conditions: list[RewardCondition]) -> list[IntakeProblem]:
    """`awarded` is a reward's only condition: a prize is given by its closing, never earned as well."""
    if len(conditions) < 2:
        return []
    return [
        IntakeProblem(
            f"conditions[{index}]",
            "awarded must be the reward's only condition (a leaderboard's closing gives it, no fact does)",
            DetailType.NOT_ALLOWED,
        )
        for index, condition in enumerate(conditions)
        if condition.condition_type is RewardConditionType.AWARDED
    ]


def check_incoming(definition: RewardDefinition, changed: Iterable[str] | None = None) -> None:
    """Raise ValidationFailed (422) naming every intake rule the definition breaks."""
    problems = intake_problems(definition, changed)
    if problems:
        raise ValidationFailed(
            "; ".join(f"{problem.field}: {problem.message}" for problem in problems),
            [{"field": p.field, "message": p.message, "type": p.type} for p in problems],
        )
