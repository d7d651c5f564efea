"""Which rewards an evaluation looks at: all it would not skip unread, found without a pass over the catalogue."""

import random
from datetime import UTC, datetime
from typing import Any

from beanie import PydanticObjectId
from rewards_contract.rewards import RewardDefinition

from documents import Reward
from service.engine.catalogue import ActiveReward, ActiveRewards
from service.engine.standing import Standing
from service.engine.transitions import out_of_reach

NOW = datetime(2026, 5, 1, tzinfo=UTC)


def reward(slug: str, *conditions: dict[str, Any], sort_order: int = 0) -> Reward:
    definition = RewardDefinition.model_validate(
        {
            "slug": slug,
            "name": slug.title(),
            "reward_type": "besitos",
            "reward_value": {"amount": 1},
            "sort_order": sort_order,
            "conditions": list(conditions),
        }
    )
    return Reward.model_construct(**dict(definition), id=PydanticObjectId())


def points(value: int) -> dict[str, Any]:
    return {"condition_type": "total_points", "value": value}


def level(value: int) -> dict[str, Any]:
    return {"condition_type": "level_reached", "value": value}


def standing(total_points: int = 0, level: int = 1) -> Standing:
    return Standing.of({"user_id": 1, "total_points": total_points, "level": level}, NOW)


def slugs(rewards: list[ActiveReward]) -> list[str]:
    return [found.slug for found in rewards]


def test_a_user_below_every_threshold_looks_only_at_the_rewards_without_one():
    catalogue = ActiveRewards.of(
        [
            reward("first-steps", {"condition_type": "first_reaction"}),
            reward("hundred", points(100)),
            reward("thousand", points(1000), level(2)),
            reward("after-hundred", {"condition_type": "reward_claimed", "reward": "hundred"}),
        ]
    )
    # Only conditions comparing a number with a value are thresholds; the others are evaluated as ever.
    assert slugs(catalogue.within_reach(standing(total_points=10), [])) == ["after-hundred", "first-steps"]


def test_thresholds_reached_bring_their_rewards_in_display_order():
    catalogue = ActiveRewards.of([reward(f"tier-{n}", points(n * 100), sort_order=n) for n in range(1, 6)])
    assert slugs(catalogue.within_reach(standing(total_points=300), [])) == ["tier-1", "tier-2", "tier-3"]
    assert slugs(catalogue.within_reach(standing(total_points=299), [])) == ["tier-1", "tier-2"]


def test_a_reward_the_user_has_a_state_of_is_always_looked_at():
    # An unlocked reward may expire, a repeatable one unlock again: neither depends on thresholds met now.
    catalogue = ActiveRewards.of([reward("hundred", points(100)), reward("thousand", points(1000))])
    thousand = catalogue.by_slug["thousand"]
    assert slugs(catalogue.within_reach(standing(total_points=0), [thousand.id, PydanticObjectId()])) == ["thousand"]


def test_a_reward_left_out_is_one_evaluation_would_skip_unread():
    rng = random.Random(7)
    names = ("total_points", "level_reached", "streak_length", "besitos_spent")
    rewards = []
    for number in range(200):
        conditions = [
            {"condition_type": rng.choice(names), "value": rng.randint(1, 50)} for _ in range(rng.randint(0, 3))
        ]
        rewards.append(reward(f"reward-{number:03d}", *conditions, sort_order=rng.randint(0, 20)))
    catalogue = ActiveRewards.of(rewards)
    for _ in range(100):
        user = Standing.of(
            {
                "user_id": 1,
                "total_points": rng.randint(0, 60),
                "level": rng.randint(1, 60),
                "current_streak": rng.randint(0, 60),
                "besitos_spent": rng.randint(0, 60),
            },
            NOW,
        )
        looked_at = catalogue.within_reach(user, [])
        assert looked_at == [found for found in catalogue.entries if found in looked_at]  # display order
        left_out = [found for found in catalogue.entries if found not in looked_at]
        assert all(out_of_reach(found.rules, user) for found in left_out)
        assert len(left_out) > 0
