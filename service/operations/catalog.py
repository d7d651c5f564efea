"""The reward catalogue: an in-process cache of active rewards, and the admin's changes to it.

Rewards change rarely and every request reads them, so each instance keeps the active ones in
memory. Its own admin changes invalidate the cache at once; changes made through another
instance (or a seed run) are noticed within `ttl_seconds` by comparing the stored catalogue
version, one tiny read per TTL at most.
"""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pymongo.errors import DuplicateKeyError
from rewards_contract.enums import CounterKind, RewardConditionType, RewardType
from rewards_contract.errors import (
    DetailType,
    RaceLost,
    MaxClaimsBelowTaken,
    RewardNotFound,
    SlugTaken,
    TierTaken,
    ValidationFailed,
)
from rewards_contract.rewards import RewardDefinition

from documents import Counter, DocumentId, Reward
from service.db import collections
from service.engine.catalog_rules import (
    check_counters,
    check_no_cycle,
    check_prerequisites_exist,
    prerequisites,
    stored_prerequisites,
)
from service.engine.intake import check_incoming
from service.engine.languages import LocalizedTexts
from service.engine.transitions import RewardRules
from service.operations.catalog_version import (
    bump_catalog_version,
    current_catalog_version,
)
from service.operations.leases import INSTANCE_ID, hold_lease, release_lease
from service.plain_errors import validated

# The reward fields every per-user view repeats (events' unlocks, the user's rewards list), besides
# its texts in the caller's language (`texts`).
SUMMARY_FIELDS = ("slug", "reward_type", "reward_value")


@dataclass(frozen=True)
class ActiveReward:
    """One active reward as every request path reads it (events, lists, claims, the bot's catalogue).

    Built once per catalogue load, the only form of a reward the hot paths see: reading a Beanie
    document's fields goes through its lazy-parsing attribute lookup.
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

    @classmethod
    def of(cls, rewards: list[Reward], counters: list[Counter] | None = None) -> "ActiveRewards":
        entries = tuple(ActiveReward.of(r) for r in sorted(rewards, key=lambda r: (r.sort_order, r.slug)))
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
        )


async def load_active_rewards() -> ActiveRewards:
    """Read every active reward and every declared counter (two queries)."""
    rewards = await Reward.find(Reward.is_active == True).to_list()  # noqa: E712
    return ActiveRewards.of(rewards, await Counter.find_all().to_list())


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

    async def knowing_counter(self, name: str) -> ActiveRewards:
        """The active catalogue; re-checked once when it does not know `name` (declared on another instance since).

        Costs a round trip only on a miss: a counter just declared elsewhere is never refused.
        """
        current = await self.active()
        if name in current.counters:
            return current
        if self._rewards is current:
            self._checked_at = float("-inf")  # due now: the next read compares the stored version
        return await self.active()


# --- admin changes ------------------------------------------------------------------------------
#
# A definition is checked against the rest of the catalogue (the counters it reads, the rewards it
# needs claimed first, its series' tiers) under the catalogue's write lock: two instances saving
# A-needs-B and B-needs-A at once, or deleting a counter while a reward that reads it is saved,
# are serialized, and the second sees the first. The lock is a lease (one conditional upsert),
# renewed just before the write, so only a writer stalled for longer than LOCK_SECONDS could race.

CATALOG_LOCK = "catalog-write"
LOCK_SECONDS = 30.0
LOCK_WAIT_ATTEMPTS = 20
LOCK_WAIT_SECONDS = 0.1


@asynccontextmanager
async def catalogue_change(now: datetime) -> AsyncIterator[str]:
    """Hold the catalogue's write lock for the block (waiting briefly for another change to finish)."""
    owner = f"{INSTANCE_ID}:{uuid.uuid4().hex[:12]}"
    lease = timedelta(seconds=LOCK_SECONDS)
    for attempt in range(LOCK_WAIT_ATTEMPTS):
        if await hold_lease(CATALOG_LOCK, now, lease, owner):
            break
        await asyncio.sleep(LOCK_WAIT_SECONDS * (1 + attempt % 4))
    else:
        raise RaceLost("Another change of the catalogue is in progress; retry.")
    try:
        yield owner
    finally:
        await release_lease(CATALOG_LOCK, owner)


async def _still_holding(owner: str, now: datetime) -> None:
    if not await hold_lease(CATALOG_LOCK, now, timedelta(seconds=LOCK_SECONDS), owner):
        raise RaceLost("The catalogue change took too long and another one began; retry.")


async def stored_counter_kinds() -> dict[str, CounterKind]:
    """Every declared counter's kind, by name."""
    return {
        doc["name"]: CounterKind(doc["kind"]) async for doc in collections.counters().find({}, {"name": 1, "kind": 1})
    }


async def _prerequisite_graph() -> dict[str, set[str]]:
    """Each stored reward with prerequisites, and the slugs it needs claimed first (on the condition_types index)."""
    graph: dict[str, set[str]] = {}
    cursor = collections.rewards().find(
        {"conditions.condition_type": str(RewardConditionType.REWARD_CLAIMED)}, {"slug": 1, "conditions": 1}
    )
    async for doc in cursor:
        graph[doc["slug"]] = stored_prerequisites(doc["conditions"])
    return graph


async def admit(definition: RewardDefinition) -> None:
    """Check a definition against the stored catalogue: counters, prerequisites, no cycle, its tier free.

    Call it holding the write lock (`catalogue_change`).
    """
    check_counters(definition.conditions, await stored_counter_kinds())
    needed = prerequisites(definition.conditions)
    if needed:
        existing = {
            doc["slug"] async for doc in collections.rewards().find({"slug": {"$in": sorted(needed)}}, {"slug": 1})
        }
        check_prerequisites_exist(definition.conditions, existing)
        graph = await _prerequisite_graph()
        graph[definition.slug] = needed
        check_no_cycle(definition.slug, graph)
    if definition.series is not None:
        taken = await collections.rewards().find_one(
            {"series": definition.series, "tier": definition.tier, "slug": {"$ne": definition.slug}}, {"slug": 1}
        )
        if taken is not None:
            raise TierTaken(
                f"Tier {definition.tier} of series {definition.series!r} is already "
                f"{taken['slug']!r}; choose another tier."
            )


async def create_reward(definition: RewardDefinition, now: datetime) -> Reward:
    """Insert a new reward, checked against the intake rules and the catalogue; a taken slug is SlugTaken."""
    check_incoming(definition)
    async with catalogue_change(now) as owner:
        await admit(definition)
        if await collections.rewards().find_one({"slug": definition.slug}, {"_id": 1}) is not None:
            raise SlugTaken(f"A reward with slug {definition.slug!r} already exists.")
        if definition.max_claims is not None:
            await set_edition_cap(definition.slug, definition.max_claims, now)
        # Its id is chosen here: an insert the driver retried after a lost answer is recognised as ours.
        reward = Reward(id=DocumentId(), **definition.model_dump(), created_at=now, updated_at=now)
        await _still_holding(owner, now)
        try:
            await reward.insert()
        except DuplicateKeyError:
            if await collections.rewards().find_one({"_id": reward.id}, {"_id": 1}) is None:
                # Another writer that did not take the lock (an older version) took the slug.
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
            f"slug: must be {slug!r}, the slug in the path (slugs never change).",
            [{"field": "slug", "message": f"must be {slug!r}, the slug in the path", "type": DetailType.SLUG_MISMATCH}],
        )
    check_incoming(definition)
    async with catalogue_change(now) as owner:
        current = await get_reward(slug)
        await admit(definition)
        fields = definition.model_dump(exclude={"slug"})
        fields |= await _cap_change(slug, current.max_claims, definition.max_claims, now)
        await _still_holding(owner, now)
        return await _set_fields(slug, fields, now, expected_updated_at=None)


async def patch_reward(slug: str, changes: dict[str, Any], now: datetime) -> Reward:
    """Change some fields; the merged reward is validated whole (and against the catalogue) before anything is written."""
    async with catalogue_change(now) as owner:
        current = await get_reward(slug)
        merged = current.model_dump(include=set(RewardDefinition.model_fields)) | changes
        definition = validated(RewardDefinition, merged)
        check_incoming(definition, changed=changes)
        await admit(definition)
        fields = definition.model_dump(include=set(changes))
        if "max_claims" in changes:
            fields |= await _cap_change(slug, current.max_claims, definition.max_claims, now)
        await _still_holding(owner, now)
        return await _set_fields(slug, fields, now, expected_updated_at=current.updated_at)


async def deactivate_reward(slug: str, now: datetime) -> Reward:
    """Deactivate (never delete): users' unlocks, claims and grants are kept."""
    return await _set_fields(slug, {"is_active": False}, now, expected_updated_at=None)


async def _set_fields(slug: str, fields: dict[str, Any], now: datetime, expected_updated_at: datetime | None) -> Reward:
    collection = collections.rewards()
    query: dict[str, Any] = {"slug": slug}
    if expected_updated_at is not None:
        # A patch merged onto what it read: refuse if someone changed the reward in between.
        query["updated_at"] = expected_updated_at
    stored = await collection.find_one_and_update(query, {"$set": {**fields, "updated_at": now}}, return_document=True)
    if stored is None:
        await get_reward(slug)  # raises RewardNotFound when the slug does not exist
        raise RaceLost("The reward changed while this request was applied; read it again and retry.")
    await bump_catalog_version(now)
    return Reward.model_validate(stored)


# --- limited editions: the cap ---------------------------------------------------------------------


async def set_edition_cap(slug: str, max_claims: int | None, now: datetime) -> bool:
    """Set an edition's cap (creating its document with the grants made so far); answers whether it is sold out.

    Raises MaxClaimsBelowTaken when more slots are taken than the new cap allows.
    """
    editions = collections.reward_editions()
    existing = await editions.find_one({"_id": slug}, {"taken": 1})
    if existing is None:
        if max_claims is None:
            return False
        # Capping a reward that was already granted: its grants so far hold slots.
        holders = [
            f"{g['user_id']}:{g['claim_number']}"
            async for g in collections.grants().find(
                {"reward_slug": slug, "kind": {"$ne": "reversal"}}, {"user_id": 1, "claim_number": 1}
            )
        ]
        if len(holders) > max_claims:
            raise MaxClaimsBelowTaken(f"max_claims {max_claims} is below the {len(holders)} slots already taken.")
        try:
            await editions.insert_one(
                {"_id": slug, "max_claims": max_claims, "taken": len(holders), "holders": holders, "updated_at": now}
            )
        except DuplicateKeyError:
            return await set_edition_cap(slug, max_claims, now)  # created meanwhile (a claim found none)
        return len(holders) >= max_claims
    if max_claims is None:
        # Unlimited from now on: forget the slots, so capping it again counts its grants afresh.
        await editions.delete_one({"_id": slug})
        return False
    guard: dict[str, Any] = {"_id": slug, "taken": {"$lte": max_claims}}
    updated = await editions.find_one_and_update(
        guard, {"$set": {"max_claims": max_claims, "updated_at": now}}, projection={"taken": 1}, return_document=True
    )
    if updated is None:
        raise MaxClaimsBelowTaken(f"max_claims {max_claims} is below the {existing['taken']} slots already taken.")
    return updated["taken"] >= max_claims


async def _cap_change(slug: str, before: int | None, after: int | None, now: datetime) -> dict[str, Any]:
    """The reward fields a change of its cap implies (sold out or not); the edition's document first."""
    if before is None and after is None:
        return {}
    return {"sold_out": await set_edition_cap(slug, after, now)}
