"""The reward documents: reading the catalogue, what admission reads of it, and the one way a reward is written.

Every reward document is written here: inserted whole from its model (`insert_reward`), or changed
field by field (`set_reward_fields`), whether the change came from the API, the console or a seed
file. The catalogue's use cases (`service/usecases/catalogue.py`, `seeding.py`) decide what to write,
under the catalogue's write lock; the in-process cache of the active rewards is `service/caches/`.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from rewards_contract.enums import CounterKind, RewardConditionType
from rewards_contract.errors import RaceLost, RewardNotFound, SlugTaken
from rewards_contract.rewards import RewardDefinition

from documents import CommunityGoal, Counter, DocumentId, Leaderboard, Reward, as_stored
from service.db import collections
from service.engine.admission import CatalogueSnapshot
from service.engine.board_admission import stored_condition_types
from service.engine.catalog_rules import prerequisites, stored_prerequisites
from service.engine.catalogue import ActiveRewards, texts_of
from service.engine.languages import LocalizedTexts
from service.operations.edition_slots import taken_slots


async def load_active_rewards() -> ActiveRewards:
    """Read every active reward, every declared counter, every active leaderboard and goal (four queries)."""
    rewards = [Reward.model_validate(doc) async for doc in collections.rewards().find({"is_active": True})]
    counters = [Counter.model_validate(doc) async for doc in collections.counters().find({})]
    boards = [Leaderboard.model_validate(doc) async for doc in collections.leaderboards().find({"is_active": True})]
    goals = [CommunityGoal.model_validate(doc) async for doc in collections.goals().find({"is_active": True})]
    return ActiveRewards.of(rewards, counters, boards, goals)


async def get_reward(slug: str) -> Reward:
    """Any reward by slug, active or not."""
    stored_reward = await collections.rewards().find_one({"slug": slug})
    if stored_reward is None:
        raise RewardNotFound(f"No reward with slug {slug!r}.")
    return Reward.model_validate(stored_reward)


async def list_rewards(after: tuple[int, str] | None = None, limit: int | None = None) -> list[Reward]:
    """Every reward, active or not, in display order: those after the display key `after`, at most `limit`
    (on the `display_order` index)."""
    query: dict[str, Any] = {}
    if after is not None:
        sort_order, slug = after
        query = {"$or": [{"sort_order": {"$gt": sort_order}}, {"sort_order": sort_order, "slug": {"$gt": slug}}]}
    cursor = collections.rewards().find(query).sort([("sort_order", 1), ("slug", 1)])
    if limit is not None:
        cursor = cursor.limit(limit)
    return [Reward.model_validate(doc) async for doc in cursor]


async def catalogue_entries(fields: Sequence[str]) -> list[dict[str, Any]]:
    """These few fields of every reward, active or not: the console's catalogue page filters and sorts by them."""
    return await collections.rewards().find({}, dict.fromkeys(fields, 1)).to_list(None)


async def rewards_by_slug(slugs: Sequence[str]) -> list[Reward]:
    """These rewards, in this order, in one read on the slug index (a slug no reward has is left out)."""
    if not slugs:
        return []  # an empty page: nothing to ask the server
    found = {doc["slug"]: doc async for doc in collections.rewards().find({"slug": {"$in": list(slugs)}})}
    return [Reward.model_validate(found[slug]) for slug in slugs if slug in found]


async def stored_definitions() -> list[dict[str, Any]]:
    """Every stored reward's definition fields, as stored (seeding compares the files with them)."""
    projection = dict.fromkeys(RewardDefinition.model_fields, 1)
    return await collections.rewards().find({}, projection).to_list(None)


async def texts_by_slug(slugs: set[str], active: ActiveRewards) -> dict[str, LocalizedTexts]:
    """The texts of these rewards: the cached active ones, plus one read for inactive ones (a grant's reward)."""
    texts = {slug: active.by_slug[slug].texts for slug in slugs if slug in active.by_slug}
    missing = slugs - texts.keys()
    if missing:
        async for doc in collections.rewards().find({"slug": {"$in": sorted(missing)}}):
            reward = Reward.model_validate(doc)
            texts[reward.slug] = texts_of(reward)
    return texts


async def stored_counter_kinds() -> dict[str, CounterKind]:
    """Every declared counter's kind, by name."""
    return {
        doc["name"]: CounterKind(doc["kind"]) async for doc in collections.counters().find({}, {"name": 1, "kind": 1})
    }


async def condition_types(slugs: Iterable[str]) -> dict[str, list[str]]:
    """These rewards' condition types (active or not), by slug, for a board's prizes: one read on the slug index."""
    wanted = sorted(set(slugs))
    if not wanted:
        return {}
    found = collections.rewards().find({"slug": {"$in": wanted}}, {"slug": 1, "conditions": 1})
    return stored_condition_types(await found.to_list(None))


async def _prerequisite_graph() -> dict[str, frozenset[str]]:
    """Each stored reward with prerequisites, and the slugs it needs claimed first (on the condition_types index)."""
    cursor = collections.rewards().find(
        {"conditions.condition_type": str(RewardConditionType.REWARD_CLAIMED)}, {"slug": 1, "conditions": 1}
    )
    return {doc["slug"]: frozenset(stored_prerequisites(doc["conditions"])) async for doc in cursor}


async def admission_snapshot(definition: RewardDefinition) -> CatalogueSnapshot:
    """What admission reads of the stored catalogue for one definition: only what concerns it.

    Read under the catalogue's write lock. Round trips: the counters; for prerequisites, the ones
    that exist and the graph; for a tier, its holder; for a limited edition, its slots taken.
    """
    snapshot = CatalogueSnapshot(counters=await stored_counter_kinds())
    needed = prerequisites(definition.conditions)
    if needed:
        existing = collections.rewards().find({"slug": {"$in": sorted(needed)}}, {"slug": 1})
        snapshot = CatalogueSnapshot(
            counters=snapshot.counters,
            slugs=frozenset([doc["slug"] async for doc in existing]),
            prerequisites=await _prerequisite_graph(),
        )
    tiers: dict[tuple[str, int], str] = {}
    if definition.series is not None and definition.tier is not None:
        holder = await collections.rewards().find_one(
            {"series": definition.series, "tier": definition.tier, "slug": {"$ne": definition.slug}}, {"slug": 1}
        )
        if holder is not None:
            tiers[(definition.series, definition.tier)] = holder["slug"]
    taken = await taken_slots([definition.slug]) if definition.max_claims is not None else {}
    return CatalogueSnapshot(snapshot.counters, snapshot.slugs, snapshot.prerequisites, tiers, taken)


def stored_snapshot(
    rewards: Sequence[Mapping[str, Any]], counters: Sequence[Mapping[str, Any]], taken: Mapping[str, int]
) -> CatalogueSnapshot:
    """The whole stored catalogue as admission reads it (seeding checks a batch of files against it)."""
    return CatalogueSnapshot(
        counters={doc["name"]: CounterKind(doc["kind"]) for doc in counters},
        slugs=frozenset(doc["slug"] for doc in rewards),
        prerequisites={doc["slug"]: frozenset(stored_prerequisites(doc.get("conditions") or [])) for doc in rewards},
        tiers={(doc["series"], doc["tier"]): doc["slug"] for doc in rewards if doc.get("series") is not None},
        taken=dict(taken),
    )


async def slug_exists(slug: str) -> bool:
    return await collections.rewards().find_one({"slug": slug}, {"_id": 1}) is not None


async def insert_reward(definition: RewardDefinition, now: datetime, *, sold_out: bool = False) -> Reward:
    """Insert a new reward document, whole, from its model; SlugTaken when another reward has the slug."""
    # Its id is chosen here: an insert the driver retried after a lost answer is recognised as ours.
    reward = Reward(id=DocumentId(), **definition.model_dump(), sold_out=sold_out, created_at=now, updated_at=now)
    if not await collections.insert_with_own_id(collections.rewards(), as_stored(reward)):
        raise SlugTaken(f"A reward with slug {definition.slug!r} already exists.")
    return reward


async def set_reward_fields(
    slug: str, fields: dict[str, Any], now: datetime, expected_updated_at: datetime | None = None
) -> Reward:
    """Change these fields of a reward (and its `updated_at`); the reward as stored after.

    `expected_updated_at`: a patch merged onto what it read is refused (RaceLost) if someone changed
    the reward in between. Raises RewardNotFound for an unknown slug.
    """
    query: dict[str, Any] = {"slug": slug}
    if expected_updated_at is not None:
        query["updated_at"] = expected_updated_at
    stored = await collections.rewards().find_one_and_update(
        query, {"$set": {**fields, "updated_at": now}}, return_document=True
    )
    if stored is None:
        await get_reward(slug)  # raises RewardNotFound when the slug does not exist
        raise RaceLost("The reward changed while this request was applied; read it again and retry.")
    return Reward.model_validate(stored)
