"""The active catalogue as every request path reads it: each active reward's rules, texts and summary, built once per load.

Pure values derived from the stored rewards and counters; the in-process cache that holds them is
`service/caches/catalogue.py`.
"""

import hashlib
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from rewards_contract.enums import CounterKind, RewardConditionType, RewardType
from rewards_contract.rewards import RewardDefinition

from documents import CommunityGoal, Counter, Leaderboard, Reward
from service.engine.goals import ActiveGoal
from service.engine.languages import LocalizedTexts
from service.engine.leaderboards import ActiveBoard
from service.engine.standing import Standing
from service.engine.transitions import RewardRules

# The reward fields every per-user view repeats (events' unlocks, the user's rewards list), besides
# its texts in the caller's language (`texts`).
SUMMARY_FIELDS = ("slug", "reward_type", "reward_value")


@dataclass(frozen=True, slots=True)
class ActiveReward:
    """One active reward as every request path reads it (events, lists, claims, the bot's catalogue).

    Built once per catalogue load, the only form of a reward the hot paths see: reading a Beanie
    document's fields goes through its lazy-parsing attribute lookup. Slots: the cache holds one per
    active reward for as long as the service runs, and a per-instance dict would add a third to it.
    """

    id: Any
    slug: str
    reward_type: RewardType
    reward_value: dict[str, Any]
    is_secret: bool
    rules: RewardRules
    # SUMMARY_FIELDS as Python values; shared by every response, so never mutated.
    summary: dict[str, Any]
    # The reward as the bot's catalogue answers it (RewardView's fields but its texts): a secret
    # prerequisite named by its hint id (`ActiveRewards.of`). Never mutated either.
    view: dict[str, Any]
    # `name` and `description` in each of the reward's languages (and a secret reward's `hint`).
    texts: LocalizedTexts
    series: str | None = None
    tier: int | None = None
    max_claims: int | None = None
    # Slugs of the rewards its `reward_claimed` conditions name.
    prerequisites: tuple[str, ...] = ()

    @classmethod
    def of(cls, reward: Reward) -> "ActiveReward":
        view = reward.model_dump(exclude={"id", "revision_id", "sold_out"})
        prerequisites = tuple(
            c.reward for c in reward.conditions if c.condition_type is RewardConditionType.REWARD_CLAIMED and c.reward
        )
        return cls(
            reward.id,
            reward.slug,
            reward.reward_type,
            view["reward_value"],
            reward.is_secret,
            RewardRules.of(reward, sold_out=reward.sold_out),
            {name: view[name] for name in SUMMARY_FIELDS},
            view,
            texts_of(reward),
            reward.series,
            reward.tier,
            reward.max_claims,
            prerequisites,
        )

    @property
    def display_key(self) -> tuple[int, str]:
        """Where it is listed: by `sort_order`, then by slug (unique, so the order is total and stable)."""
        return self.view["sort_order"], self.slug

    @property
    def has_hint(self) -> bool:
        return self.texts.default_hint is not None or any(self.texts.hints.values())

    @property
    def hint_id(self) -> str:
        """An opaque id for a secret reward: stable, and telling nothing of its slug or name (ids are random)."""
        return "h_" + hashlib.sha256(f"hint:{self.id}".encode()).hexdigest()[:16]


def _with_secret_prerequisites_hidden(reward: ActiveReward, by_slug: dict[str, ActiveReward]) -> ActiveReward:
    """The reward with each secret prerequisite its conditions name replaced by that reward's hint id.

    The bot's catalogue is the same for every user, so it never names a secret reward: the id is the
    one its hint carries in a user's list, which tells the bot which hint to claim first and nothing more.
    """
    hidden = {
        slug: by_slug[slug].hint_id for slug in reward.prerequisites if slug in by_slug and by_slug[slug].is_secret
    }
    if not hidden:
        return reward
    conditions = [
        {**c, "reward": hidden[c["reward"]]} if c.get("reward") in hidden else c for c in reward.view["conditions"]
    ]
    return replace(reward, view={**reward.view, "conditions": conditions})


@dataclass(frozen=True)
class ThresholdIndex:
    """The active rewards filed under one of their required thresholds, sorted by its target.

    A reward whose filed threshold is above the user's number is out of reach whatever else it
    needs, so it is never looked at; any required threshold would do, and the highest target is
    filed because it is the one fewest users reach. Rewards with no required threshold are always
    looked at; awarded ones (a closing gives them) never are.
    """

    unfiled: tuple[int, ...]
    # Per number read: the filed targets in ascending order, and the places of their rewards in the same order.
    filed: dict[str, tuple[list[int], list[int]]]

    @classmethod
    def of(cls, entries: Iterable[ActiveReward]) -> "ThresholdIndex":
        unfiled: list[int] = []
        by_name: dict[str, list[tuple[int, int]]] = {}
        for place, reward in enumerate(entries):
            if reward.rules.awarded:
                continue  # out of every user's reach: only a closing unlocks it
            if not reward.rules.thresholds:
                unfiled.append(place)
                continue
            name, target = max(reward.rules.thresholds, key=lambda threshold: threshold[1])
            by_name.setdefault(name, []).append((target, place))
        filed = {}
        for name, pairs in by_name.items():
            pairs.sort()
            filed[name] = ([target for target, _ in pairs], [place for _, place in pairs])
        return cls(tuple(unfiled), filed)

    def reachable(self, standing: Standing) -> set[int]:
        """The places of the rewards whose filed threshold the user has reached, and of the unfiled ones."""
        places = set(self.unfiled)
        for name, (targets, filed_places) in self.filed.items():
            places.update(filed_places[: bisect_right(targets, standing.number(name))])
        return places


def texts_of(reward: RewardDefinition) -> LocalizedTexts:
    """A reward's texts per language, as every answer that names the reward picks them."""
    return LocalizedTexts.of(reward.name, reward.description, reward.translations, reward.hint)


@dataclass(frozen=True)
class ActiveRewards:
    """The active rewards in display order (sort_order, then slug), by slug, and what requests derive from them."""

    entries: tuple[ActiveReward, ...]
    by_slug: dict[str, ActiveReward]
    # Declared counters by name: what a `counter` event may name, and how it moves the counter.
    counters: dict[str, CounterKind] = field(default_factory=dict)
    # The counters' display names per language.
    counter_texts: dict[str, LocalizedTexts] = field(default_factory=dict)
    # What events must count per day, with the longest window any active reward counts it over.
    windows: dict[str, int] = field(default_factory=dict)
    # Per slug, the active rewards that need it claimed first.
    dependents: dict[str, tuple[ActiveReward, ...]] = field(default_factory=dict)
    # The active limited editions.
    capped: tuple[ActiveReward, ...] = ()
    # The active leaderboards: what events feed and closings close.
    boards: tuple[ActiveBoard, ...] = ()
    # The active community goals: what events add to.
    goals: tuple[ActiveGoal, ...] = ()

    # Derived once per load, on first use: what lets a page or one reward be found without a pass over all.

    @cached_property
    def display_keys(self) -> list[tuple[int, str]]:
        """Each entry's `display_key`, in the entries' order: a cursor's place is found by bisection."""
        return [reward.display_key for reward in self.entries]

    @cached_property
    def by_id(self) -> dict[Any, ActiveReward]:
        return {reward.id: reward for reward in self.entries}

    @cached_property
    def _places(self) -> dict[Any, int]:
        """Each entry's place in display order, by reward id."""
        return {reward.id: place for place, reward in enumerate(self.entries)}

    @cached_property
    def _thresholds(self) -> "ThresholdIndex":
        return ThresholdIndex.of(self.entries)

    def within_reach(self, standing: Standing, stored_ids: Iterable[Any]) -> list[ActiveReward]:
        """What an evaluation of this user must look at, in display order: every reward but those it would skip unread.

        An evaluation passes over a reward the user has no state of when a required threshold is not
        reached (`out_of_reach`). The index finds the others by bisection, so an event's cost
        follows the rewards within the user's reach, not the catalogue's size.
        """
        places = self._thresholds.reachable(standing)
        places.update(place for reward_id in stored_ids if (place := self._places.get(reward_id)) is not None)
        return [self.entries[place] for place in sorted(places)]

    @cached_property
    def public_count(self) -> int:
        """How many are not secret: what every user sees, whatever they unlocked."""
        return sum(not reward.is_secret for reward in self.entries)

    @cached_property
    def hinted_secrets(self) -> tuple[ActiveReward, ...]:
        """The secret rewards with a hint, in display order."""
        return tuple(reward for reward in self.entries if reward.is_secret and reward.has_hint)

    @cached_property
    def series_tiers(self) -> dict[str, tuple[ActiveReward, ...]]:
        """Each series' tiers, in display order."""
        series: dict[str, list[ActiveReward]] = {}
        for reward in self.entries:
            if reward.series is not None:
                series.setdefault(reward.series, []).append(reward)
        return {name: tuple(tiers) for name, tiers in series.items()}

    def named_for_bot(self, slug: str) -> str | None:
        """How the bot's token may name a reward a board or a goal gives: its slug, a secret one by its hint's id
        (as the catalogue names a secret prerequisite), and None when it is not active."""
        reward = self.by_slug.get(slug)
        if reward is None:
            return None
        return reward.hint_id if reward.is_secret else reward.slug

    @cached_property
    def boards_by_slug(self) -> dict[str, ActiveBoard]:
        return {board.slug: board for board in self.boards}

    @classmethod
    def of(
        cls,
        rewards: list[Reward],
        counters: list[Counter] | None = None,
        boards: list[Leaderboard] | None = None,
        goals: list[CommunityGoal] | None = None,
    ) -> "ActiveRewards":
        loaded = [ActiveReward.of(r) for r in sorted(rewards, key=lambda r: (r.sort_order, r.slug))]
        loaded_by_slug = {reward.slug: reward for reward in loaded}
        entries = tuple(_with_secret_prerequisites_hidden(reward, loaded_by_slug) for reward in loaded)
        windows: dict[str, int] = {}
        dependents: dict[str, list[ActiveReward]] = {}
        for reward in entries:
            for condition in reward.rules.conditions:
                if condition.condition_type is RewardConditionType.COUNTER_IN_WINDOW and condition.counter:
                    windows[condition.counter] = max(windows.get(condition.counter, 0), condition.window_days or 1)
            for prerequisite in reward.prerequisites:
                dependents.setdefault(prerequisite, []).append(reward)
        return cls(
            entries,
            {reward.slug: reward for reward in entries},
            {c.name: c.kind for c in counters or ()},
            {
                c.name: LocalizedTexts.of(
                    c.display_name,
                    c.description,
                    {tag: {"name": t.display_name, "description": t.description} for tag, t in c.translations.items()},
                )
                for c in counters or ()
            },
            windows,
            {slug: tuple(found) for slug, found in dependents.items()},
            tuple(reward for reward in entries if reward.max_claims is not None),
            tuple(
                ActiveBoard(b.slug, b.ranks, b.period, b.starts_at, b.ends_at, tuple(b.prizes))
                for b in boards or ()
                if b.is_active
            ),
            tuple(
                ActiveGoal(g.slug, g.counts, g.target, g.starts_at, g.ends_at, g.reward, g.min_contribution, g.shards)
                for g in goals or ()
                if g.is_active
            ),
        )
