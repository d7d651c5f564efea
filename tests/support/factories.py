"""Builders for test data: valid by default, overridden per test."""

from typing import Any

from rewards_contract.facts import Facts
from rewards_contract.rewards import RewardCondition, RewardDefinition

from service.engine.standing import Standing


def condition(kind: str, value: int | None = None, group: int = 0, sort_order: int = 0) -> RewardCondition:
    return RewardCondition(condition_type=kind, value=value, group=group, sort_order=sort_order)


def standing(**facts: Any) -> Standing:
    """What conditions read about a user whose facts are these (no counters, nothing claimed)."""
    return Standing(facts=Facts(**facts))


def reward_payload(**overrides: Any) -> dict[str, Any]:
    """A valid reward definition as JSON, like a seed file or an admin request carries."""
    payload: dict[str, Any] = {
        "slug": "streak-7",
        "name": "Seven-day streak",
        "description": "Keep a 7-day streak",
        "reward_type": "besitos",
        "reward_value": {"amount": 50},
        "conditions": [{"condition_type": "streak_length", "value": 7}],
    }
    payload.update(overrides)
    return payload


def definition(**overrides: Any) -> RewardDefinition:
    return RewardDefinition.model_validate(reward_payload(**overrides))
