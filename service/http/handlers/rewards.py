"""The reward catalogue: the bot reads it, admins change it."""

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
from service.http.keys import CATALOG, CLOCK
from service.http.wiring import Role, caller_role, require_admin_for
from service.operations import catalog


def _view(reward: Reward) -> RewardView:
    return RewardView.model_validate(reward.model_dump())


def _changed(request: web.Request) -> None:
    """This instance changed the catalogue: its cache reloads on the next read."""
    request.app[CATALOG].invalidate()


async def list_rewards(request: web.Request, query: CatalogQuery) -> RewardList:
    """Active, non-secret rewards; admins with all=true get every reward."""
    if query.all:
        require_admin_for(request, "all=true")
        return RewardList(rewards=[_view(r) for r in await catalog.list_rewards()])
    active = await request.app[CATALOG].active()
    return RewardList.model_validate({"rewards": [r.view for r in active.entries if not r.is_secret]})


async def get_reward(request: web.Request, path: RewardPath) -> RewardView:
    """One reward; the bot sees only active, non-secret ones, admins see any."""
    if caller_role(request) is Role.ADMIN:
        return _view(await catalog.get_reward(path.slug))
    reward = (await request.app[CATALOG].active()).by_slug.get(path.slug)
    if reward is None or reward.is_secret:
        raise RewardNotFound(f"No reward with slug {path.slug!r}.")
    return RewardView.model_validate(reward.view)


async def create_reward(request: web.Request, body: RewardDefinition) -> RewardView:
    """Add a reward (201); a taken slug is 409 slug_taken."""
    reward = await catalog.create_reward(body, request.app[CLOCK]())
    _changed(request)
    return _view(reward)


async def replace_reward(request: web.Request, path: RewardPath, body: RewardDefinition) -> RewardView:
    """Replace a reward's definition; users' history is kept."""
    reward = await catalog.replace_reward(path.slug, body, request.app[CLOCK]())
    _changed(request)
    return _view(reward)


async def patch_reward(request: web.Request, path: RewardPath, body: RewardPatch) -> RewardView:
    """Change some fields of a reward."""
    reward = await catalog.patch_reward(path.slug, body.model_dump(exclude_unset=True), request.app[CLOCK]())
    _changed(request)
    return _view(reward)


async def deactivate_reward(request: web.Request, path: RewardPath) -> RewardView:
    """Deactivate a reward (never deletes it: users' history stays)."""
    reward = await catalog.deactivate_reward(path.slug, request.app[CLOCK]())
    _changed(request)
    return _view(reward)
