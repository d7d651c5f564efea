"""The reward catalogue: an in-process cache of active rewards, and the admin's changes to it.

Rewards change rarely and every request reads them, so each instance keeps the active ones in
memory. Its own admin changes invalidate the cache at once; changes made through another
instance (or a seed run) are noticed within `ttl_seconds` by comparing the stored catalogue
version, one tiny read per TTL at most.
"""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError
from rewards_contract.enums import RewardType
from rewards_contract.errors import (
    Conflict,
    RewardNotFound,
    SlugTaken,
    ValidationFailed,
)
from rewards_contract.rewards import RewardDefinition

from documents import Reward
from service.db import collections
from service.engine.languages import LocalizedTexts
from service.engine.transitions import RewardRules
from service.operations.catalog_version import (
    bump_catalog_version,
    current_catalog_version,
)

# The reward fields every per-user view repeats (events' unlocks, the user's rewards list), besides
# its texts in the caller's language (`texts`).
SUMMARY_FIELDS = ("slug", "reward_type", "reward_value")


@dataclass(frozen=True)
class ActiveReward:
    """One active reward as every request path reads it (events, lists, claims, the bot's catalogue).

    Built once per catalogue load, the only form of a reward the hot paths see: reading a Beanie
    document's fields goes through its lazy-parsing attribute lookup, and dumping its views per
    request showed in the profile.
    """

    id: Any
    slug: str
    reward_type: RewardType
    reward_value: dict[str, Any]
    is_secret: bool
    rules: RewardRules
    # SUMMARY_FIELDS as Python values; shared by every response, so never mutated.
    summary: dict[str, Any]
    # The reward as the catalogue answers it (RewardView's fields but its texts); never mutated either.
    view: dict[str, Any]
    # `name` and `description` in each of the reward's languages.
    texts: LocalizedTexts
    # The parts of this reward's answers that depend only on the languages answered in, serialized
    # by the HTTP layer on first use and kept as long as this catalogue load (never per request).
    answer_parts: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, reward: Reward) -> "ActiveReward":
        view = reward.model_dump(exclude={"id", "revision_id"})
        return cls(reward.id, reward.slug, reward.reward_type, view["reward_value"], reward.is_secret,
                   RewardRules.of(reward), {name: view[name] for name in SUMMARY_FIELDS}, view,
                   texts_of(reward))


def texts_of(reward: RewardDefinition) -> LocalizedTexts:
    """A reward's texts per language, as every answer that names the reward picks them."""
    return LocalizedTexts.of(reward.name, reward.description, reward.translations)


@dataclass(frozen=True)
class ActiveRewards:
    """The active rewards in display order (sort_order, then slug), and by slug."""

    entries: tuple[ActiveReward, ...]
    by_slug: dict[str, ActiveReward]

    @classmethod
    def of(cls, rewards: list[Reward]) -> "ActiveRewards":
        entries = tuple(ActiveReward.of(r) for r in sorted(rewards, key=lambda r: (r.sort_order, r.slug)))
        return cls(entries, {reward.slug: reward for reward in entries})


async def load_active_rewards() -> ActiveRewards:
    """Read every active reward (one query)."""
    return ActiveRewards.of(await Reward.find(Reward.is_active == True).to_list())  # noqa: E712


class CatalogCache:
    """Active rewards, reloaded when the stored version moves (checked at most every TTL)."""

    def __init__(self, ttl_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._rewards: ActiveRewards | None = None
        self._version: int | None = None
        self._checked_at = 0.0
        self._lock = asyncio.Lock()
        # Bumped by invalidate(): a reload that began before a change must not be kept after it.
        self._generation = 0

    def invalidate(self) -> None:
        """Forget everything: the next read reloads (after a change made by this instance)."""
        self._rewards = None
        self._generation += 1

    async def active(self) -> ActiveRewards:
        if self._rewards is not None and self._clock() - self._checked_at < self._ttl:
            return self._rewards
        async with self._lock:  # one refresh at a time; the others reuse its result
            if self._rewards is not None and self._clock() - self._checked_at < self._ttl:
                return self._rewards
            generation = self._generation
            version = await current_catalog_version()
            rewards = self._rewards
            if rewards is None or version != self._version:
                rewards = await load_active_rewards()
            if generation == self._generation:  # no change by this instance while we read
                self._rewards, self._version, self._checked_at = rewards, version, self._clock()
            return rewards


# --- admin changes ------------------------------------------------------------------------------


async def create_reward(definition: RewardDefinition, now: datetime) -> Reward:
    """Insert a new reward; the unique slug index turns a taken slug into SlugTaken."""
    reward = Reward(**definition.model_dump(), created_at=now, updated_at=now)
    try:
        await reward.insert()
    except DuplicateKeyError:
        raise SlugTaken(f"A reward with slug {definition.slug!r} already exists.") from None
    await bump_catalog_version(now)
    return reward


async def get_reward(slug: str) -> Reward:
    """Any reward by slug, active or not."""
    reward = await Reward.find_one(Reward.slug == slug)
    if reward is None:
        raise RewardNotFound(f"No reward with slug {slug!r}.")
    return reward


async def texts_by_slug(slugs: set[str], active: ActiveRewards) -> dict[str, LocalizedTexts]:
    """The texts of these rewards: the cached active ones, plus one read for inactive ones (a grant's reward)."""
    texts = {slug: active.by_slug[slug].texts for slug in slugs if slug in active.by_slug}
    missing = slugs - texts.keys()
    if missing:
        for reward in await Reward.find({"slug": {"$in": sorted(missing)}}).to_list():
            texts[reward.slug] = texts_of(reward)
    return texts


async def list_rewards() -> list[Reward]:
    """Every reward, active or not, in display order."""
    return await Reward.find_all().sort([("sort_order", 1), ("slug", 1)]).to_list()


async def replace_reward(slug: str, definition: RewardDefinition, now: datetime) -> Reward:
    """Replace a reward's definition; its id, slug, creation time and users' history stay."""
    if definition.slug != slug:
        raise ValidationFailed(
            "The slug in the body must match the slug in the path (slugs never change).",
            [{"field": "slug", "message": f"expected {slug!r}", "type": "slug_mismatch"}],
        )
    return await _set_fields(slug, definition.model_dump(exclude={"slug"}), now, expected_updated_at=None)


async def patch_reward(slug: str, changes: dict[str, Any], now: datetime) -> Reward:
    """Change some fields; the merged reward is validated whole before anything is written."""
    current = await get_reward(slug)
    merged = current.model_dump(include=set(RewardDefinition.model_fields)) | changes
    definition = RewardDefinition.model_validate(merged)
    fields = definition.model_dump(include=set(changes))
    return await _set_fields(slug, fields, now, expected_updated_at=current.updated_at)


async def deactivate_reward(slug: str, now: datetime) -> Reward:
    """Deactivate (never delete): users' unlocks, claims and grants are kept."""
    return await _set_fields(slug, {"is_active": False}, now, expected_updated_at=None)


async def _set_fields(
    slug: str, fields: dict[str, Any], now: datetime, expected_updated_at: datetime | None
) -> Reward:
    collection = collections.rewards()
    query: dict[str, Any] = {"slug": slug}
    if expected_updated_at is not None:
        # A patch merged onto what it read: refuse if someone changed the reward in between.
        query["updated_at"] = expected_updated_at
    stored = await collection.find_one_and_update(
        query, {"$set": {**fields, "updated_at": now}}, return_document=True
    )
    if stored is None:
        await get_reward(slug)  # raises RewardNotFound when the slug does not exist
        raise Conflict("The reward changed while this request was applied; read it again and retry.")
    await bump_catalog_version(now)
    return Reward.model_validate(stored)
