"""The bot's client against the real service on a socket: the journey, the catalogue, typed errors."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError
from rewards_client import (
    AlreadyClaimed,
    CannotRevokeReversal,
    ClaimExpired,
    Forbidden,
    GrantNotFound,
    IdempotencyKeyReused,
    RewardLocked,
    RewardNotFound,
    SlugTaken,
    Unauthorized,
    ValidationFailed,
    progress_bar,
)
from rewards_contract.enums import Availability, RewardStatus

from tests.support.factories import reward_payload

USER = 4004
STREAK_3 = [{"condition_type": "streak_length", "value": 3}]


async def unlocked(admin, bot, slug: str = "streak-3", **reward) -> None:
    await admin.create_reward(reward_payload(slug=slug, conditions=STREAK_3, **reward))
    answer = await bot.send_event(USER, "streak", event_id=f"unlock-{slug}", value=3)
    assert slug in [u.slug for u in answer.unlocked]


async def test_bot_journey_from_events_to_acknowledged_grant(service, admin, bot):
    await admin.create_reward(reward_payload(slug="streak-3", conditions=STREAK_3))
    await admin.create_reward(reward_payload(slug="streak-7"))

    for day in (1, 2):
        answer = await bot.send_event(USER, "streak", event_id=f"day-{day}", value=day)
        assert answer.unlocked == []
        assert answer.facts.current_streak == day
    listed = {r.slug: r for r in (await bot.list_rewards(USER)).rewards}
    assert listed["streak-3"].status is RewardStatus.LOCKED
    assert [progress_bar(p.current, p.target) for p in listed["streak-7"].progress] == ["[##-----] 2/7"]

    answer = await bot.send_event(USER, "streak", event_id="day-3", value=3)
    assert [u.slug for u in answer.unlocked] == ["streak-3"]
    grant = await bot.claim(USER, "streak-3")
    assert (grant.reward, grant.reward_value, grant.claim_number) == ("streak-3", {"amount": 50}, 1)

    listed = {r.slug: r for r in (await bot.list_rewards(USER)).rewards}
    assert listed["streak-3"].status is RewardStatus.CLAIMED
    assert listed["streak-3"].claim_count == 1
    assert [g.grant_id for g in (await bot.pending_grants(USER)).grants] == [grant.grant_id]
    acknowledged = await bot.ack_grant(grant.grant_id)
    assert acknowledged.delivered_at is not None
    assert (await bot.pending_grants(USER)).grants == []
    assert [g.grant_id for g in (await bot.grants(USER)).grants] == [grant.grant_id]


async def test_set_facts_unlocks_like_events(service, admin, bot):
    await admin.create_reward(reward_payload(slug="lvl5", conditions=[{"condition_type": "level_reached", "value": 5}]))
    answer = await bot.set_facts(USER, level=5)
    assert [u.slug for u in answer.unlocked] == ["lvl5"]
    assert answer.facts.level == 5


async def test_claimed_badge_is_listed_with_its_emoji(service, admin, bot):
    await unlocked(admin, bot, reward_type="badge", reward_value={"badge_name": "Devoted", "emoji": "🔥"})
    await bot.claim(USER, "streak-3")
    badges = (await bot.badges(USER)).badges
    assert [(b.reward, b.badge_name, b.emoji) for b in badges] == [("streak-3", "Devoted", "🔥")]


async def test_admin_manages_the_catalogue(service, admin, bot):
    created = await admin.create_reward(reward_payload(slug="night-owl", name="Night owl"))
    assert created.slug == "night-owl"
    assert created.is_active
    assert (await bot.get_reward("night-owl")).name == "Night owl"
    assert (await admin.patch_reward("night-owl", sort_order=3)).sort_order == 3
    replaced = await admin.replace_reward(reward_payload(slug="night-owl", name="Owl", reward_value={"amount": 9}))
    assert (replaced.name, replaced.reward_value, replaced.sort_order) == ("Owl", {"amount": 9}, 0)
    assert not (await admin.deactivate_reward("night-owl")).is_active
    assert [r.slug for r in (await bot.list_catalogue()).rewards] == []
    assert [r.slug for r in (await admin.list_catalogue(all=True)).rewards] == ["night-owl"]


async def test_health_answers_ok(service, bot):
    health = await bot.health()
    assert (health.status, health.database) == ("ok", "ok")


async def test_second_claim_raises_already_claimed_and_is_not_retried(service, admin, bot):
    await unlocked(admin, bot)
    await bot.claim(USER, "streak-3")
    with pytest.raises(AlreadyClaimed) as caught:
        await bot.claim(USER, "streak-3")
    assert (caught.value.status, caught.value.code) == (409, "already_claimed")
    assert service.faults.count("POST", f"/v1/users/{USER}/rewards/streak-3/claim") == 2


async def test_claim_after_the_window_raises_claim_expired(service, admin, bot):
    await unlocked(admin, bot, claim_window_hours=1)
    service.clock.advance(hours=1)
    with pytest.raises(ClaimExpired):
        await bot.claim(USER, "streak-3")


async def test_claim_of_a_locked_reward_raises_reward_locked(service, admin, bot):
    await admin.create_reward(reward_payload(slug="streak-3", conditions=STREAK_3))
    with pytest.raises(RewardLocked):
        await bot.claim(USER, "streak-3")


async def test_claim_of_an_unknown_reward_raises_reward_not_found(service, bot):
    with pytest.raises(RewardNotFound) as caught:
        await bot.claim(USER, "no-such-reward")
    assert caught.value.status == 404


async def test_ack_of_an_unknown_grant_raises_grant_not_found(service, bot):
    with pytest.raises(GrantNotFound):
        await bot.ack_grant("no-such-grant")


async def test_creating_a_taken_slug_raises_slug_taken(service, admin):
    await admin.create_reward(reward_payload(slug="dup"))
    with pytest.raises(SlugTaken):
        await admin.create_reward(reward_payload(slug="dup"))


async def test_key_reused_for_another_reward_raises_idempotency_key_reused(service, admin, bot):
    await unlocked(admin, bot, slug="a")
    await unlocked(admin, bot, slug="b")
    await bot.claim(USER, "a", idempotency_key="shared")
    with pytest.raises(IdempotencyKeyReused) as caught:
        await bot.claim(USER, "b", idempotency_key="shared")
    assert isinstance(caught.value, ValidationFailed)


async def test_bad_token_raises_unauthorized(service):
    async with service.client("wrong-token") as stranger:
        with pytest.raises(Unauthorized) as caught:
            await stranger.list_rewards(USER)
    assert caught.value.status == 401


async def test_bot_token_on_an_admin_route_raises_forbidden(service, bot):
    with pytest.raises(Forbidden):
        await bot.create_reward(reward_payload(slug="nope"))


async def test_invalid_user_id_raises_validation_failed_naming_the_field(service, bot):
    with pytest.raises(ValidationFailed) as caught:
        await bot.list_rewards(0)
    assert caught.value.status == 422
    assert [d["field"] for d in caught.value.details or []] == ["user_id"]
    assert service.faults.count("GET", "/v1/users/0/rewards") == 1


async def test_the_client_carries_a_season_both_ways(service, admin, bot):
    opens = datetime(2999, 12, 1, tzinfo=UTC)
    created = await admin.create_reward(reward_payload(slug="far-winter", available_from=opens))
    assert (created.available_from, created.availability) == (opens, Availability.UPCOMING)
    listed = {r.slug: r for r in (await bot.list_rewards(USER)).rewards}
    assert (listed["far-winter"].availability, listed["far-winter"].available_from) == (Availability.UPCOMING, opens)
    with pytest.raises(ValidationError, match="must be later than available_from"):
        await admin.create_reward(reward_payload(slug="backwards", available_from=opens, available_until=opens))


async def test_admin_revokes_a_grant_and_the_bot_takes_it_back(service, admin, bot):
    await unlocked(admin, bot)
    grant = await bot.claim(USER, "streak-3")
    reversal = await admin.revoke_grant(grant.grant_id, "refund")
    assert (reversal.kind, reversal.reverses, reversal.reward_value) == ("reversal", grant.grant_id, {"amount": -50})
    assert await admin.revoke_grant(grant.grant_id, "again") == reversal  # idempotent: safe to retry
    pending = (await bot.pending_grants(USER)).grants
    assert [(g.grant_id, g.kind, g.revoked_reason) for g in pending] == [
        (grant.grant_id, "grant", "refund"),
        (reversal.grant_id, "reversal", None),
    ]
    assert (await bot.ack_grant(reversal.grant_id)).delivered_at is not None
    with pytest.raises(CannotRevokeReversal) as raised:
        await admin.revoke_grant(reversal.grant_id, "no")
    assert raised.value.status == 409
    with pytest.raises(Forbidden):
        await bot.revoke_grant(grant.grant_id, "the bot may not")
    with pytest.raises(ValidationFailed):
        await admin.revoke_grant(grant.grant_id, "x" * 501)


async def test_the_client_reads_rewards_in_the_users_language(service, admin, bot):
    spanish = {"es": {"name": "Tres días seguidos", "description": "Vuelve tres días seguidos"}}
    created = await admin.create_reward(reward_payload(slug="streak-3", conditions=STREAK_3, translations=spanish))
    assert created.translations["es"].name == "Tres días seguidos"

    answer = await bot.send_event(USER, "streak", event_id="es-day-3", value=3, lang="es-MX")
    assert [(u.name, u.lang, u.reward_type_display.display_name) for u in answer.unlocked] == [
        ("Tres días seguidos", "es", "Besitos")
    ]
    [listed] = (await bot.list_rewards(USER, lang="es")).rewards
    assert (listed.name, listed.status_display.display_name, listed.status_display.emoji) == (
        "Tres días seguidos",
        "Desbloqueada",
        "🎉",
    )
    assert (await bot.list_rewards(USER)).rewards[0].lang == "en"
    grant = await bot.claim(USER, "streak-3")
    [pending] = (await bot.pending_grants(USER, lang="es")).grants
    assert (pending.grant_id, pending.name) == (grant.grant_id, "Tres días seguidos")
    assert (await bot.ack_grant(grant.grant_id, lang="en")).name == created.name
    assert (await bot.get_reward("streak-3", lang="es")).description == "Vuelve tres días seguidos"
    assert (await bot.list_catalogue(lang="es")).rewards[0].lang == "es"


async def test_an_unknown_language_is_refused_before_sending(service, bot):
    with pytest.raises(ValidationError):
        await bot.list_rewards(USER, lang="xx")


async def test_the_client_follows_the_feed_from_a_cursor(service, admin, bot):
    from tests.support.feed import relay_all

    await admin.create_reward(reward_payload(slug="streak-3", conditions=STREAK_3))
    await bot.send_event(USER, "streak", event_id="feed-day-3", value=3)
    grant = await bot.claim(USER, "streak-3")
    await relay_all(service.clock)

    entries = [entry async for entry in bot.feed(follow=False, page_size=1)]
    assert [(e.type, e.reward_slug) for e in entries] == [
        ("reward_unlocked", "streak-3"),
        ("grant_created", "streak-3"),
    ]
    assert entries[1].data["grant_id"] == grant.grant_id

    await bot.ack_grant(grant.grant_id)
    await relay_all(service.clock)
    after_restart = [e async for e in bot.feed(after=entries[-1].cursor, follow=False)]  # resumes where it stopped
    assert [e.type for e in after_restart] == ["grant_acked"]
    only_grants = [e async for e in bot.feed(types=["grant_created"], follow=False)]
    assert [e.type for e in only_grants] == ["grant_created"]


async def test_a_cursor_past_the_retention_raises_cursor_expired(service, admin, bot):
    from rewards_client import CursorExpired

    from service.db import collections
    from tests.support.feed import relay_all

    await admin.create_reward(reward_payload(slug="streak-3", conditions=STREAK_3))
    await bot.send_event(USER, "streak", event_id="feed-day-3", value=3)
    await bot.ack_grant((await bot.claim(USER, "streak-3")).grant_id)
    await relay_all(service.clock)
    await collections.feed().delete_many({"seq": {"$lte": 2}})  # the retention deleted entries 1 and 2
    with pytest.raises(CursorExpired):
        await bot.feed_page(after="1")
    assert [e.cursor async for e in bot.feed(follow=False)] == ["3"]  # without a cursor: the oldest kept
