"""The reward catalogue: the bot reads it, admins change it."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web
from rewards_contract.api import (
    CatalogQuery,
    LanguageHeaders,
    LanguageQuery,
    RewardList,
    RewardPatch,
    RewardPath,
    RewardView,
)
from rewards_contract.errors import RewardNotFound
from rewards_contract.rewards import RewardDefinition

from documents import Reward
from service.engine.catalogue import ActiveReward, texts_of
from service.engine.languages import LanguageChoice, LocalizedTexts, displayed
from service.engine.rarity import RarityBoard
from service.engine.transitions import RewardRules, availability
from service.engine.views import Trusted
from service.http.keys import CATALOG, CLOCK, RARITY
from service.http.languages import language_of
from service.http.wiring import Role, caller_role, require_admin_for
from service.operations import catalog
from service.operations.editions import slots_left


@dataclass(frozen=True)
class _Answering:
    """What every reward view of one request is built with."""

    now: datetime
    choice: LanguageChoice
    rarity: RarityBoard
    # The limited editions' slots left, by slug (read for the rewards answered).
    remaining: dict[str, int | None]

    @classmethod
    async def of(
        cls, request: web.Request, query: LanguageQuery, headers: LanguageHeaders, caps: dict[str, int | None]
    ) -> "_Answering":
        return cls(
            request.app[CLOCK](),
            language_of(request, query, headers),
            request.app[RARITY].board,
            await slots_left(caps),
        )


def _view_fields(
    view: dict[str, Any], texts: LocalizedTexts, rules: RewardRules, answering: _Answering
) -> dict[str, Any]:
    """A RewardView's fields: the stored ones, its texts in the caller's language, now's availability, its rarity."""
    choice = answering.choice
    availability_now = availability(rules, answering.now)
    return {
        **view,
        **texts.in_language(choice),
        "reward_type_display": displayed(view["reward_type"], choice),
        "availability": availability_now,
        "availability_display": displayed(availability_now, choice),
        "rarity": answering.rarity.for_slug(view["slug"]),
        "remaining": answering.remaining.get(view["slug"]),
    }


def _view(reward: Reward, answering: _Answering) -> RewardView:
    return RewardView.model_validate(
        _view_fields(reward.model_dump(), texts_of(reward), RewardRules.of(reward), answering)
    )


def _active_view(reward: ActiveReward, answering: _Answering) -> dict[str, Any]:
    """A cached reward's view now (the season moves on; the cache does not)."""
    return {**_view_fields(reward.view, reward.texts, reward.rules, answering), "sold_out": reward.rules.sold_out}


def _caps(*rewards: Reward | ActiveReward) -> dict[str, int | None]:
    return {reward.slug: reward.max_claims for reward in rewards if reward.max_claims is not None}


async def _answer(request: web.Request, reward: Reward, query: LanguageQuery, headers: LanguageHeaders) -> RewardView:
    return _view(reward, await _Answering.of(request, query, headers, _caps(reward)))


def _changed(request: web.Request) -> None:
    """This instance changed the catalogue: its cache reloads on the next read."""
    request.app[CATALOG].invalidate()


async def list_rewards(request: web.Request, query: CatalogQuery, headers: LanguageHeaders) -> RewardList | Trusted:
    """Active, non-secret rewards (upcoming and ended seasonal ones too); admins with all=true get every reward."""
    if query.all:
        require_admin_for(request, "all=true")
        rewards = await catalog.list_rewards()
        answering = await _Answering.of(request, query, headers, _caps(*rewards))
        return RewardList(rewards=[_view(r, answering) for r in rewards])
    active = await request.app[CATALOG].active()
    shown = [r for r in active.entries if not r.is_secret]
    answering = await _Answering.of(request, query, headers, _caps(*shown))
    return Trusted(RewardList, {"rewards": [_active_view(r, answering) for r in shown]})


async def get_reward(
    request: web.Request, path: RewardPath, query: LanguageQuery, headers: LanguageHeaders
) -> RewardView:
    """One reward; the bot sees only active, non-secret ones, admins see any."""
    if caller_role(request) is Role.ADMIN:
        return await _answer(request, await catalog.get_reward(path.slug), query, headers)
    reward = (await request.app[CATALOG].active()).by_slug.get(path.slug)
    if reward is None or reward.is_secret:
        raise RewardNotFound(f"No reward with slug {path.slug!r}.")
    answering = await _Answering.of(request, query, headers, _caps(reward))
    return RewardView.model_validate(_active_view(reward, answering))


async def create_reward(
    request: web.Request, body: RewardDefinition, query: LanguageQuery, headers: LanguageHeaders
) -> RewardView:
    """Add a reward (201); a taken slug is 409 slug_taken."""
    reward = await catalog.create_reward(body, request.app[CLOCK]())
    _changed(request)
    return await _answer(request, reward, query, headers)


async def replace_reward(
    request: web.Request, path: RewardPath, body: RewardDefinition, query: LanguageQuery, headers: LanguageHeaders
) -> RewardView:
    """Replace a reward's definition; users' history is kept."""
    reward = await catalog.replace_reward(path.slug, body, request.app[CLOCK]())
    _changed(request)
    return await _answer(request, reward, query, headers)


async def patch_reward(
    request: web.Request, path: RewardPath, body: RewardPatch, query: LanguageQuery, headers: LanguageHeaders
) -> RewardView:
    """Change some fields of a reward."""
    reward = await catalog.patch_reward(path.slug, body.model_dump(exclude_unset=True), request.app[CLOCK]())
    _changed(request)
    return await _answer(request, reward, query, headers)


async def deactivate_reward(
    request: web.Request, path: RewardPath, query: LanguageQuery, headers: LanguageHeaders
) -> RewardView:
    """Deactivate a reward (never deletes it: users' history stays)."""
    reward = await catalog.deactivate_reward(path.slug, request.app[CLOCK]())
    _changed(request)
    return await _answer(request, reward, query, headers)
