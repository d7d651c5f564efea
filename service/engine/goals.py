"""Community goals' pure rules: which goals an event feeds, which shard an entry goes to, and a goal's progress."""

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ActiveGoal:
    """What events and the goal relay read of an active goal, built once per catalogue load."""

    slug: str
    counts: str
    target: int
    starts_at: datetime
    ends_at: datetime
    reward: str
    min_contribution: int
    shards: int = 1

    def counts_at(self, moment: datetime) -> bool:
        """Whether contributions made at `moment` count (the window: `starts_at` included, `ends_at` not)."""
        return self.starts_at <= moment < self.ends_at


@dataclass(frozen=True, slots=True)
class GoalFeed:
    """What one event adds to one goal."""

    goal: str
    amount: int
    shards: int = 1

    def shard_for(self, event_id: str) -> int:
        return shard_of(increment_id(event_id, self.goal), self.shards)


def goals_fed(goals: Iterable[ActiveGoal], counted: Mapping[str, int], now: datetime) -> list[GoalFeed]:
    """What an event that counted these amounts adds to each goal whose window is open."""
    return [
        GoalFeed(goal.slug, counted[goal.counts], goal.shards)
        for goal in goals
        if counted.get(goal.counts, 0) > 0 and goal.counts_at(now)
    ]


def increment_id(event_id: str, goal: str) -> str:
    """The id of what one event added to one goal: the same event, the same id, however often it is relayed."""
    return f"{event_id}:{goal}"


def shard_of(increment: str, shards: int) -> int:
    """The shard an increment goes to: fixed by its id, so a repeated relay finds it where it was added."""
    return int.from_bytes(hashlib.sha256(increment.encode()).digest()[:8], "big") % shards


def shard_id(goal: str, shard: int) -> str:
    return f"{goal}:{shard}"


def share_of(total: int, target: int) -> float:
    return min(1.0, total / target)


def award_marker(goal: str) -> str:
    """What a goal's unlock records as `unlocked_by`: each contributor gets the goal's reward once."""
    return f"goal:{goal}"
