"""The reward catalogue: the bot reads it; admins change it, through the API and the console alike.

A change is admitted (`service/engine/admission.py`) against what the catalogue holds, under the
catalogue's write lock, then written through the one write path of reward documents
(`service/operations/rewards.py`). Once written, the stored catalogue version moves, so every
instance's cache reloads within its TTL, and this instance's cache is invalidated at once.
"""

from bisect import bisect_right
from dataclasses import dataclass
from itertools import islice
from typing import Any

from rewards_contract.api import RewardList, RewardView
from rewards_contract.errors import DetailType, RewardNotFound, SlugTaken, ValidationFailed
from rewards_contract.rewards import RewardDefinition

from documents import DocumentId, Reward
from service.engine.admission import admit
from service.engine.catalogue import ActiveReward
from service.engine.catalogue_page import (
    PAGE_SIZE,
    CatalogueEntry,
    CatalogueQuery,
    entry_fields,
    matching,
    page_span,
)
from service.engine.intake import check_incoming
from service.engine.paging import cursor_after, key_of_cursor
from service.engine.views import Answering, Trusted, active_reward_view, caps_of, reward_view
from service.operations import edition_slots, rewards
from service.operations.catalog_version import bump_catalog_version
from service.operations.catalogue_lock import catalogue_change
from service.operations.reevaluation import UnlockPreview, preview_unlocks
from service.plain_errors import validated
from service.usecases.context import Context


async def changed(ctx: Context) -> None:
    """The catalogue changed: tell every instance (the stored version), and forget this instance's copy now."""
    await bump_catalog_version(ctx.now)
    ctx.runtime.catalogue.invalidate()


async def _answering(ctx: Context, caps: dict[str, int | None]) -> Answering:
    return Answering(ctx.now, ctx.language, ctx.runtime.rarity.board, await edition_slots.slots_left(caps))


async def _answer(ctx: Context, reward: Reward) -> RewardView:
    return reward_view(reward, await _answering(ctx, caps_of(reward)))


async def list_rewards(
    ctx: Context, include_all: bool = False, cursor: str | None = None, limit: int | None = None
) -> RewardList | Trusted:
    """Active, non-secret rewards (upcoming and ended seasonal ones too); admins asking for all get every reward.

    All of them, or the page after `cursor`: the bot's from the catalogue cache, starting at the cursor by
    bisection; every reward's from the database, on the display-order index. One more than the page is
    read, to tell whether another page follows.
    """
    after = None if cursor is None else key_of_cursor(cursor)
    if include_all:
        ctx.require_admin_for("all=true")
        stored = await rewards.list_rewards(after, _plus_one(limit))
        on_page, more = stored[:limit], limit is not None and len(stored) > limit
        answering = await _answering(ctx, caps_of(*on_page))
        next_cursor = cursor_after((on_page[-1].sort_order, on_page[-1].slug)) if more else None
        return RewardList(rewards=[reward_view(reward, answering) for reward in on_page], next_cursor=next_cursor)
    active = await ctx.runtime.catalogue.active()
    start = 0 if after is None else bisect_right(active.display_keys, after)
    shown = list(islice((r for r in islice(active.entries, start, None) if not r.is_secret), _plus_one(limit)))
    page, more = shown[:limit], limit is not None and len(shown) > limit
    answering = await _answering(ctx, caps_of(*page))
    return Trusted(
        RewardList,
        {
            "rewards": [active_reward_view(reward, answering) for reward in page],
            "next_cursor": cursor_after(page[-1].display_key) if more else None,
        },
    )


def _plus_one(limit: int | None) -> int | None:
    return None if limit is None else limit + 1


@dataclass(frozen=True)
class CataloguePage:
    """One page of the catalogue as admins see it, and where it stands among the rewards the query matched."""

    rewards: list[RewardView]
    number: int
    pages: int
    matched: int
    # Every reward, active or not, and every series any of them is a tier of (the filter's choices).
    total: int
    series: list[str]


async def catalogue_page(ctx: Context, query: CatalogueQuery, page_size: int = PAGE_SIZE) -> CataloguePage:
    """A page of every reward, active or not (the console's catalogue): filtered, searched and sorted over them all.

    Two reads and the page's slots left: a few fields of every reward (what the query reads), then the
    page's rewards whole, answered as the API answers them (availability, rarity, slots left).
    """
    ctx.require_admin_for("The catalogue page")
    board = ctx.runtime.rarity.board
    entries = [
        CatalogueEntry.of(stored, ctx.now, ctx.language, board)
        for stored in await rewards.catalogue_entries(entry_fields(ctx.language))
    ]
    matched = matching(entries, query)
    span = page_span(len(matched), query.page, page_size)
    shown = await rewards.rewards_by_slug([entry.slug for entry in matched[span.start : span.stop]])
    answering = await _answering(ctx, caps_of(*shown))
    return CataloguePage(
        rewards=[reward_view(reward, answering) for reward in shown],
        number=span.number,
        pages=span.pages,
        matched=len(matched),
        total=len(entries),
        series=sorted({entry.series for entry in entries if entry.series}),
    )


async def get_reward(ctx: Context, slug: str) -> RewardView:
    """One reward; the bot sees only active, non-secret ones, admins see any."""
    if ctx.is_admin:
        return await _answer(ctx, await rewards.get_reward(slug))
    reward = (await ctx.runtime.catalogue.active()).by_slug.get(slug)
    if reward is None or reward.is_secret:
        raise RewardNotFound(f"No reward with slug {slug!r}.")
    return RewardView.model_validate(active_reward_view(reward, await _answering(ctx, caps_of(reward))))


async def create_reward(ctx: Context, definition: RewardDefinition) -> RewardView:
    """Add a reward; a taken slug is SlugTaken (409)."""
    check_incoming(definition)  # before the lock: a definition refused on its own waits for nobody
    async with catalogue_change(ctx.now) as lock:
        admit(definition, await rewards.admission_snapshot(definition))
        if await rewards.slug_exists(definition.slug):
            raise SlugTaken(f"A reward with slug {definition.slug!r} already exists.")
        sold_out = definition.max_claims is not None and await edition_slots.set_edition_cap(
            definition.slug, definition.max_claims, ctx.now
        )
        await lock.still_holding(ctx.now)
        reward = await rewards.insert_reward(definition, ctx.now, sold_out=sold_out)
    await changed(ctx)
    return await _answer(ctx, reward)


async def replace_reward(ctx: Context, slug: str, definition: RewardDefinition) -> RewardView:
    """Replace a reward's definition; its id, slug, creation time and users' history stay."""
    if definition.slug != slug:
        raise ValidationFailed(
            f"slug: must be {slug!r}, the slug in the path (slugs never change).",
            [{"field": "slug", "message": f"must be {slug!r}, the slug in the path", "type": DetailType.SLUG_MISMATCH}],
        )
    check_incoming(definition)
    async with catalogue_change(ctx.now) as lock:
        current = await rewards.get_reward(slug)
        admit(definition, await rewards.admission_snapshot(definition))
        fields = definition.model_dump(exclude={"slug"})
        fields |= await edition_slots.cap_changed(slug, current.max_claims, definition.max_claims, ctx.now)
        await lock.still_holding(ctx.now)
        reward = await rewards.set_reward_fields(slug, fields, ctx.now)
    await changed(ctx)
    return await _answer(ctx, reward)


async def patch_reward(ctx: Context, slug: str, changes: dict[str, Any]) -> RewardView:
    """Change some fields; the merged reward is admitted whole before anything is written."""
    async with catalogue_change(ctx.now) as lock:
        current = await rewards.get_reward(slug)
        merged = current.model_dump(include=set(RewardDefinition.model_fields)) | changes
        definition = validated(RewardDefinition, merged)
        admit(definition, await rewards.admission_snapshot(definition), changed=changes)
        fields = definition.model_dump(include=set(changes))
        if "max_claims" in changes:
            fields |= await edition_slots.cap_changed(slug, current.max_claims, definition.max_claims, ctx.now)
        await lock.still_holding(ctx.now)
        reward = await rewards.set_reward_fields(slug, fields, ctx.now, expected_updated_at=current.updated_at)
    await changed(ctx)
    return await _answer(ctx, reward)


async def deactivate_reward(ctx: Context, slug: str) -> RewardView:
    """Deactivate a reward (never delete it: users' unlocks, claims and grants stay)."""
    reward = await rewards.set_reward_fields(slug, {"is_active": False}, ctx.now)
    await changed(ctx)
    return await _answer(ctx, reward)


async def stored_reward(ctx: Context, slug: str) -> Reward:
    """A reward as stored, active or not, for an admin to edit (RewardNotFound for an unknown slug)."""
    ctx.require_admin_for("Editing a reward")
    return await rewards.get_reward(slug)


async def preview(ctx: Context, definition: RewardDefinition, slug: str | None) -> UnlockPreview:
    """How many users (and which, up to 10) the definition would newly unlock for if saved now; nothing is written.

    An edit (`slug` given) keeps the stored reward's id, so users' states of it count.
    """
    reward_id = (await rewards.get_reward(slug)).id if slug is not None else DocumentId()
    unsaved = Reward(id=reward_id, **definition.model_dump(), created_at=ctx.now, updated_at=ctx.now)
    return await preview_unlocks(ActiveReward.of(unsaved), ctx.now)
