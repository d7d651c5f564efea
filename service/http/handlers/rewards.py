"""The reward catalogue: the bot reads it, admins change it."""

from datetime import datetime
from typing import Any

from aiohttp import web
from rewards_contract.api import (
    CatalogQuery,
    RewardList,
    RewardPatch,
    RewardPath,
    RewardView,
)
from rewards_contract.errors import RewardNotFound
from rewards_contract.rewards import RewardDefinition

from documents import Reward
from service.engine.transitions import RewardRules, availability
from service.http.keys import CATALOG, CLOCK
from service.http.wiring import Role, caller_role, require_admin_for
from service.operations import catalog
from service.operations.catalog import ActiveReward


def _view(request: web.Request, reward: Reward) -> RewardView:
    availability_now = availability(RewardRules.of(reward), request.app[CLOCK]())
    return RewardView.model_validate({**reward.model_dump(), "availability": availability_now})


def _active_view(reward: ActiveReward, now: datetime) -> dict[str, Any]:
    """A cached reward's view with its availability at `now` (the season moves on; the cache does not)."""
    return {**reward.view, "availability": availability(reward.rules, now)}


def _changed(request: web.Request) -> None:
    """This instance changed the catalogue: its cache reloads on the next read."""
    request.app[CATALOG].invalidate()


async def list_rewards(request: web.Request, query: CatalogQuery) -> RewardList:
    """Active, non-secret rewards (upcoming and ended seasonal ones too); admins with all=true get every reward."""
    if query.all:
        require_admin_for(request, "all=true")
        return RewardList(rewards=[_view(request, r) for r in await catalog.list_rewards()])
    active = await request.app[CATALOG].active()
    now = request.app[CLOCK]()
    return RewardList.model_validate({"rewards": [_active_view(r, now) for r in active.entries if not r.is_secret]})


async def get_reward(request: web.Request, path: RewardPath) -> RewardView:
    """One reward; the bot sees only active, non-secret ones, admins see any."""
    if caller_role(request) is Role.ADMIN:
        return _view(request, await catalog.get_reward(path.slug))
    reward = (await request.app[CATALOG].active()).by_slug.get(path.slug)
    if reward is None or reward.is_secret:
        raise RewardNotFound(f"No reward with slug {path.slug!r}.")
    return RewardView.model_validate(_active_view(reward, request.app[CLOCK]()))


async def create_reward(request: web.Request, body: RewardDefinition) -> RewardView:
    """Add a reward (201); a taken slug is 409 slug_taken."""
    reward = await catalog.create_reward(body, request.app[CLOCK]())
    _changed(request)
    return _view(request, reward)


async def replace_reward(request: web.Request, path: RewardPath, body: RewardDefinition) -> RewardView:
    """Replace a reward's definition; users' history is kept."""
    reward = await catalog.replace_reward(path.slug, body, request.app[CLOCK]())
    _changed(request)
    return _view(request, reward)


async def patch_reward(request: web.Request, path: RewardPath, body: RewardPatch) -> RewardView:
    """Change some fields of a reward."""
    reward = await catalog.patch_reward(path.slug, body.model_dump(exclude_unset=True), request.app[CLOCK]())
    _changed(request)
    return _view(request, reward)


async def deactivate_reward(request: web.Request, path: RewardPath) -> RewardView:
    """Deactivate a reward (never deletes it: users' history stays)."""
    reward = await catalog.deactivate_reward(path.slug, request.app[CLOCK]())
    _changed(request)
    return _view(request, reward)
