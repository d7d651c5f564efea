"""Per-user endpoints the bot calls: activity, rewards with progress, claims, grants, badges."""

from typing import Any

from aiohttp import web
from rewards_contract.api import (
    ActivityResponse,
    BadgeList,
    BadgeView,
    ClaimHeaders,
    ClaimResponse,
    GrantList,
    GrantsQuery,
    LanguageHeaders,
    LanguageQuery,
    UserPath,
    UserRewardPath,
    UserRewardsQuery,
    UserRewardsResponse,
)
from rewards_contract.events import CounterEvent, EventRequest
from rewards_contract.facts import FactsUpdate, FactsView

from service.engine.activity import EventMark, event_change, update_change
from service.engine.languages import LanguageChoice, displayed
from service.engine.views import Trusted, hint_view, user_reward_view
from service.http.handlers.grants import grant_views
from service.http.keys import CATALOG, CLOCK, METRICS, RARITY
from service.http.languages import language_of
from service.http.wiring import require_admin_for
from service.operations.activity import ActivityResult, record_activity
from service.operations.claims import claim_reward
from service.operations.evaluation import Unlock
from service.operations.grants import list_badges, list_grants, recover_user_grants
from service.operations.user_rewards import user_rewards_storing_expiry


def _unlocked_views(unlocks: list[Unlock], choice: LanguageChoice) -> list[dict[str, Any]]:
    return [
        {
            **u.reward.summary,
            **u.reward.texts.in_language(choice),
            "reward_type_display": displayed(u.reward.reward_type, choice),
            "unlocked_at": u.unlocked_at,
            "expires_at": u.expires_at,
        }
        for u in unlocks
    ]


def _activity_response(request: web.Request, user_id: int, result: ActivityResult, choice: LanguageChoice) -> Trusted:
    request.app[METRICS].record_unlocks(u.reward.reward_type for u in result.unlocked if u.fresh)
    facts = result.facts or {}
    return Trusted(
        ActivityResponse,
        {
            "unlocked": _unlocked_views(result.unlocked, choice),
            "facts": {name: facts.get(name, _FACTS_DEFAULTS.get(name)) for name in FactsView.model_fields}
            | {"user_id": user_id, "counters": facts.get("counters") or {}},
        },
    )


# What a facts document missing a fact (stored before that fact existed) reads as.
_FACTS_DEFAULTS = {
    name: field.get_default() for name, field in FactsView.model_fields.items() if not field.is_required()
}


async def report_event(
    request: web.Request, path: UserPath, body: EventRequest, query: LanguageQuery, headers: LanguageHeaders
) -> Trusted:
    """Count one event (once per event_id) and report the rewards it unlocked."""
    event = body.root
    cache = request.app[CATALOG]
    catalog = await (cache.knowing_counter(event.counter) if isinstance(event, CounterEvent) else cache.active())
    result = await record_activity(
        path.user_id,
        event_change(event, catalog.counters),
        catalog,
        request.app[CLOCK](),
        event=EventMark.of(event),
    )
    return _activity_response(request, path.user_id, result, language_of(request, query, headers))


async def set_facts(
    request: web.Request, path: UserPath, body: FactsUpdate, query: LanguageQuery, headers: LanguageHeaders
) -> Trusted:
    """Set absolute facts (for bots that keep the numbers) and report the rewards unlocked."""
    result = await record_activity(
        path.user_id, update_change(body.assignments()), await request.app[CATALOG].active(), request.app[CLOCK]()
    )
    return _activity_response(request, path.user_id, result, language_of(request, query, headers))


async def list_rewards_storing_expiry(
    request: web.Request, path: UserPath, query: UserRewardsQuery, headers: LanguageHeaders
) -> Trusted:
    """Every active reward for the user, with status and progress, in display order."""
    if query.include_secret:
        require_admin_for(request, "include_secret=true")
    catalog = await request.app[CATALOG].active()
    listed = await user_rewards_storing_expiry(
        path.user_id, catalog, query.include_secret, request.app[CLOCK](), collapse_tiers=query.tiers == "collapsed"
    )
    choice, rarity = language_of(request, query, headers), request.app[RARITY].board
    views = [user_reward_view(s, choice, rarity, catalog) for s in listed.rewards]
    hints = [view for hint in listed.hints if (view := hint_view(hint, choice)) is not None]
    return Trusted(UserRewardsResponse, {"user_id": path.user_id, "rewards": views, "hints": hints})


async def claim(
    request: web.Request, path: UserRewardPath, headers: ClaimHeaders, query: LanguageQuery
) -> ClaimResponse:
    """Claim an unlocked reward; a retry with the same Idempotency-Key gets the first outcome."""
    catalog = await request.app[CATALOG].active()
    reward = catalog.by_slug.get(path.slug)
    language = language_of(request, query, headers)
    result = await claim_reward(
        path.user_id,
        path.slug,
        reward,
        request.app[CLOCK](),
        headers.idempotency_key,
        language,
        catalog.dependents.get(path.slug, ()),
    )
    if result.granted_now and reward is not None:
        request.app[METRICS].record_claim(reward.reward_type)
    request.app[METRICS].record_unlocks(u.reward.reward_type for u in result.unlocked if u.fresh)
    # A keyed replay answers in its first attempt's language, the unlocked rewards too.
    unlocked = _unlocked_views(result.unlocked, result.language or language)
    return ClaimResponse.model_validate({**result.grant, "unlocked": unlocked})


async def recover_and_list_grants(
    request: web.Request, path: UserPath, query: GrantsQuery, headers: LanguageHeaders
) -> GrantList:
    """The user's grants, oldest first; `pending=true` lists those the bot has not acknowledged."""
    await recover_user_grants(path.user_id, request.app[CLOCK]())
    grants = await list_grants(path.user_id, query.pending, query.limit)
    return await grant_views(request, grants, language_of(request, query, headers))


async def recover_and_list_badges(request: web.Request, path: UserPath) -> BadgeList:
    """The badges the user holds, from claimed badge rewards."""
    await recover_user_grants(path.user_id, request.app[CLOCK]())
    grants = await list_badges(path.user_id)
    return BadgeList(
        badges=[
            BadgeView(
                reward=g["reward_slug"],
                badge_name=g["reward_value"]["badge_name"],
                emoji=g["reward_value"]["emoji"],
                earned_at=g["claimed_at"],
            )
            for g in grants
        ]
    )
