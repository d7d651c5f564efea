"""One user as an admin looks them up (the console's user page): what the bot would see of them, and more."""

from dataclasses import dataclass
from typing import Any

from rewards_contract.api import GrantView
from rewards_contract.enums import GrantKind
from rewards_contract.feed import FeedEntryView

from service.engine.views import facts_view_fields
from service.operations.user_rewards import read_facts
from service.usecases import feed, grants, user_rewards
from service.usecases.context import Context


@dataclass(frozen=True)
class UserOverview:
    """The user's facts (None: never seen), rewards with progress (secret ones included), grants, latest entries."""

    facts: dict[str, Any] | None
    rewards: list[dict[str, Any]]
    grants: list[GrantView]
    # The grants taken back by a reversal.
    revoked: set[str]
    feed: list[FeedEntryView]


async def overview(ctx: Context, user_id: int, *, grants_shown: int, entries_shown: int) -> UserOverview:
    """The user's standing, through the very use cases the API's user routes answer with."""
    ctx.require_admin_for("A user's overview")
    facts = await read_facts(user_id)
    listed = await user_rewards.list_user_rewards(ctx, user_id, include_secret=True)
    granted = (await grants.list_grants(ctx, user_id, limit=grants_shown)).grants
    return UserOverview(
        facts=None if facts is None else facts_view_fields(user_id, facts),
        rewards=listed.payload["rewards"],
        grants=granted,
        revoked={g.reverses for g in granted if g.kind is GrantKind.REVERSAL and g.reverses is not None},
        feed=await feed.user_latest_entries(ctx, user_id, entries_shown),
    )
