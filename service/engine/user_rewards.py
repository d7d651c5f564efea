"""A user's rewards as the list shows them (pure): a page of them with status and progress, hints, counts, what expired.

Built from the catalogue, the user's stored states and standing, and `now`; the list's use case
(`service/usecases/user_rewards.py`) reads those, stores the expiries found, and answers. Each step
walks what its answer needs (the page, the user's states, the secret rewards with a hint), never the
whole catalogue, so that a page costs the same in a catalogue of fifty rewards or of a thousand.
"""

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any, NamedTuple

from rewards_contract.enums import Availability, RewardStatus, RewardType

from service.engine.catalogue import ActiveReward, ActiveRewards
from service.engine.conditions import ConditionProgress, groups_hold, progress
from service.engine.standing import Standing
from service.engine.tiers import collapsed
from service.engine.transitions import RewardState, availability, expire_if_due, is_overdue

# A user's stored states, by reward id.
States = Mapping[Any, Mapping[str, Any]]


class UserRewardStatus(NamedTuple):
    """One reward as one user sees it (a named tuple: a list builds one per active reward)."""

    reward: ActiveReward
    state: RewardState
    progress: list[ConditionProgress]
    last_claimed_at: datetime | None
    availability: Availability
    # A limited edition's slots left (None: not limited).
    remaining: int | None = None


class Hint(NamedTuple):
    """A locked secret reward's hint, and how many of its conditions the user meets."""

    reward: ActiveReward
    met: int
    total: int


class Overdue(NamedTuple):
    """An unlocked reward whose claim window closed before anyone stored it as expired: the list stores it."""

    doc_id: Any
    slug: str
    state: RewardState


@dataclass(frozen=True)
class RewardFilter:
    """Which of the user's rewards the caller asked for (None: any)."""

    statuses: frozenset[RewardStatus] | None = None
    types: frozenset[RewardType] | None = None
    series: str | None = None

    def admits_reward(self, reward: ActiveReward) -> bool:
        return (self.types is None or reward.reward_type in self.types) and (
            self.series is None or reward.series == self.series
        )

    def admits_status(self, status: RewardStatus) -> bool:
        return self.statuses is None or status in self.statuses


EVERY_REWARD = RewardFilter()


class Listed(NamedTuple):
    """A reward picked for the answer, with the user's state as the list shows it (expired when due)."""

    reward: ActiveReward
    stored: Mapping[str, Any] | None
    state: RewardState


@dataclass(frozen=True)
class Page:
    """The rewards of one page, and where the next one starts (None: this is the last)."""

    items: list[Listed]
    next_after: tuple[int, str] | None


def listed(reward: ActiveReward, stored: Mapping[str, Any] | None, now: datetime) -> Listed:
    state = RewardState.from_mapping(stored)
    return Listed(reward, stored, state if stored is None else expire_if_due(state, now))


def is_shown(item: Listed, include_secret: bool) -> bool:
    """A locked secret reward is shown only to admins who ask (the others see its hint)."""
    return include_secret or not item.reward.is_secret or item.state.status is not RewardStatus.LOCKED


def page_of(
    catalog: ActiveRewards,
    states: States,
    now: datetime,
    *,
    include_secret: bool,
    collapse_tiers: bool = False,
    wanted: RewardFilter = EVERY_REWARD,
    after: tuple[int, str] | None = None,
    limit: int | None = None,
) -> Page:
    """The rewards shown after `after` (a display key), in display order, at most `limit` of them.

    Only the rewards it walks are looked at, so a page costs what it shows, not what the catalogue
    holds: it starts at its cursor by bisection, and when the caller wants no locked reward it walks
    the user's stored states rather than the catalogue. Progress is computed later, for the page only.
    """
    hidden = hidden_tiers(catalog, states, now, include_secret) if collapse_tiers else frozenset()
    candidates: Iterable[ActiveReward]
    if wanted.statuses is not None and RewardStatus.LOCKED not in wanted.statuses:
        stored = sorted((catalog.by_id[i] for i in states if i in catalog.by_id), key=lambda r: r.display_key)
        candidates = (reward for reward in stored if after is None or reward.display_key > after)
    else:
        start = 0 if after is None else bisect_right(catalog.display_keys, after)
        candidates = islice(catalog.entries, start, None)
    items: list[Listed] = []
    for reward in candidates:
        if reward.id in hidden or not wanted.admits_reward(reward):
            continue
        item = listed(reward, states.get(reward.id), now)
        if not is_shown(item, include_secret) or not wanted.admits_status(item.state.status):
            continue
        if limit is not None and len(items) == limit:
            return Page(items, items[-1].reward.display_key)
        items.append(item)
    return Page(items, None)


def hidden_tiers(catalog: ActiveRewards, states: States, now: datetime, include_secret: bool) -> frozenset[Any]:
    """The ids of the tiers collapsing hides: of each series, it shows the highest tier the user claimed and the
    next one above it, or the lowest alone (`tiers.collapsed`), among the tiers the caller may see."""
    hidden: set[Any] = set()
    for tiers in catalog.series_tiers.values():
        shown = [item for r in tiers if is_shown(item := listed(r, states.get(r.id), now), include_secret)]
        kept = collapsed(shown, lambda i: i.reward.series, lambda i: i.reward.tier, lambda i: i.state.claim_count > 0)
        kept_ids = {item.reward.id for item in kept}
        hidden.update(item.reward.id for item in shown if item.reward.id not in kept_ids)
    return frozenset(hidden)


def reward_status(
    item: Listed, standing: Standing, now: datetime, remaining: Mapping[str, int | None]
) -> UserRewardStatus:
    """The reward as the user sees it now, its progress included (computed for what is answered only)."""
    reward, state = item.reward, item.state
    return UserRewardStatus(
        reward,
        state,
        progress(reward.rules.conditions, standing, state.claim_count, state.window_marks),
        item.stored.get("last_claimed_at") if item.stored else None,
        availability(reward.rules, now),
        remaining.get(reward.slug),
    )


def hints_of(catalog: ActiveRewards, states: States, standing: Standing, now: datetime) -> list[Hint]:
    """The locked secret rewards that have a hint, with how many of their conditions the user meets."""
    hints: list[Hint] = []
    for reward in catalog.hinted_secrets:
        state = listed(reward, states.get(reward.id), now).state
        if state.status is RewardStatus.LOCKED:
            reward_progress = progress(reward.rules.conditions, standing, state.claim_count, state.window_marks)
            hints.append(Hint(reward, sum(p.met for p in reward_progress), len(reward_progress)))
    return hints


def status_counts(catalog: ActiveRewards, states: States, now: datetime, include_secret: bool) -> dict[str, int]:
    """The whole list per status, from the user's stored states alone: a reward without one is locked.

    States of rewards no longer active do not count, and a secret reward counts only once shown.
    """
    counts = dict.fromkeys((status.value for status in RewardStatus), 0)
    seen_without_state = len(catalog.entries) if include_secret else catalog.public_count
    for reward_id, stored in states.items():
        reward = catalog.by_id.get(reward_id)
        if reward is None:
            continue
        item = listed(reward, stored, now)
        if is_shown(item, include_secret):
            counts[item.state.status.value] += 1
            if include_secret or not reward.is_secret:
                seen_without_state -= 1
    counts[RewardStatus.LOCKED.value] += seen_without_state
    return counts


def overdue_of(catalog: ActiveRewards, states: States, now: datetime) -> list[Overdue]:
    """The user's unlocks of active rewards whose claim window closed before anyone stored them as expired."""
    overdue: list[Overdue] = []
    for reward_id, stored in states.items():
        reward = catalog.by_id.get(reward_id)
        if reward is not None and is_overdue(state := RewardState.from_mapping(stored), now):
            overdue.append(Overdue(stored["_id"], reward.slug, state))
    return overdue


def chains_left_unfinished(
    catalog: ActiveRewards, standing: Standing, states: States, now: datetime
) -> list[ActiveReward]:
    """Rewards that need another claimed first, whose conditions all hold, still locked: a claim's last step
    (unlocking what depends on it) was cut short. Only the dependents of what the user claimed can be such a
    reward, so the check costs what the user claimed, not what the catalogue holds."""
    found: dict[Any, ActiveReward] = {}
    for slug in standing.claimed:
        for reward in catalog.dependents.get(slug, ()):
            if reward.id in states or reward.id in found or reward.rules.sold_out:
                continue
            if availability(reward.rules, now) is not Availability.OPEN:
                continue
            if groups_hold(progress(reward.rules.conditions, standing, 0)):
                found[reward.id] = reward
    return list(found.values())
