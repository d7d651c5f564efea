"""The client against the real service for the rules admins write at run time: counters, chains,
tiers, limited editions and hints; each refusal raised as its own class, counter events retried safely."""

import pytest
from pydantic import ValidationError
from rewards_client import (
    CounterInUse,
    CounterNotFound,
    CounterTaken,
    MaxClaimsBelowTaken,
    RewardCycle,
    RewardSoldOut,
    TierTaken,
    TooManyCounters,
    UnknownCounter,
    UnknownReward,
    ValidationFailed,
    WrongCounterKind,
)
from rewards_contract.counters import MAX_COUNTERS
from rewards_contract.enums import CounterKind, RewardStatus

from documents import UserFacts
from documents.clock import utc_now
from service.db import collections
from tests.support.client_server import SHORT_TIMEOUT
from tests.support.factories import reward_payload

USER = 6006
EVENTS = f"/v1/users/{USER}/events"
MESSAGES = {
    "name": "messages_sent",
    "kind": "count",
    "display_name": "Messages sent",
    "translations": {"es": {"display_name": "Mensajes enviados"}},
}
RANK = {"name": "rank", "kind": "value", "display_name": "Rank"}


def at_least(counter: str, value: int) -> list[dict]:
    return [{"condition_type": "counter_at_least", "counter": counter, "value": value}]


def needs(slug: str) -> list[dict]:
    return [{"condition_type": "reward_claimed", "reward": slug}]


# --- the counters API ------------------------------------------------------------------------------


async def test_admin_declares_a_counter_and_both_tokens_read_it(service, admin, bot):
    declared = await admin.declare_counter(MESSAGES)
    assert (declared.name, declared.kind, declared.used_by) == ("messages_sent", CounterKind.COUNT, [])
    assert declared.translations["es"].display_name == "Mensajes enviados"
    await admin.declare_counter(RANK)
    await admin.create_reward(reward_payload(slug="chatty", conditions=at_least("messages_sent", 10)))

    assert [c.name for c in (await bot.list_counters()).counters] == ["messages_sent", "rank"]
    read = await bot.get_counter("messages_sent")
    assert (read.display_name, read.used_by) == ("Messages sent", ["chatty"])


async def test_admin_changes_a_counters_texts_only(service, admin):
    await admin.declare_counter(MESSAGES)
    patched = await admin.patch_counter("messages_sent", display_name="Messages", description="In the group")
    assert (patched.display_name, patched.description, patched.kind) == ("Messages", "In the group", CounterKind.COUNT)
    assert patched.translations["es"].display_name == "Mensajes enviados"  # not sent: kept
    with pytest.raises(ValidationError):  # the name and kind never change: refused before sending
        await admin.patch_counter("messages_sent", kind="value")
    assert service.faults.count("PATCH", "/v1/counters/messages_sent") == 1


async def test_admin_deletes_a_counter_no_reward_reads(service, admin):
    await admin.declare_counter(MESSAGES)
    assert await admin.delete_counter("messages_sent") is None
    assert (await admin.list_counters()).counters == []
    with pytest.raises(CounterNotFound) as caught:
        await admin.get_counter("messages_sent")
    assert (caught.value.status, caught.value.code) == (404, "counter_not_found")


async def test_deleting_a_counter_a_reward_reads_raises_counter_in_use(service, admin):
    await admin.declare_counter(MESSAGES)
    await admin.create_reward(reward_payload(slug="chatty", conditions=at_least("messages_sent", 10)))
    with pytest.raises(CounterInUse) as caught:
        await admin.delete_counter("messages_sent")
    assert caught.value.status == 409
    assert service.faults.count("DELETE", "/v1/counters/messages_sent") == 1  # a refusal is never retried


async def test_unknown_counters_raise_counter_not_found(service, admin):
    with pytest.raises(CounterNotFound):
        await admin.patch_counter("nothing", display_name="Nothing")
    with pytest.raises(CounterNotFound):
        await admin.delete_counter("nothing")


async def test_declaring_a_taken_name_raises_counter_taken(service, admin):
    await admin.declare_counter(MESSAGES)
    with pytest.raises(CounterTaken):
        await admin.declare_counter({**MESSAGES, "kind": "value"})


async def test_declaring_past_the_limit_raises_too_many_counters(service, admin):
    now = utc_now()
    await collections.counters().insert_many(
        [
            {
                "name": f"c{n}",
                "kind": "count",
                "display_name": f"C{n}",
                "translations": {},
                "created_at": now,
                "updated_at": now,
            }
            for n in range(MAX_COUNTERS)
        ]
    )
    with pytest.raises(TooManyCounters):
        await admin.declare_counter(MESSAGES)


async def test_a_reserved_name_is_refused_before_sending(service, admin):
    with pytest.raises(ValidationError, match="built-in fact"):
        await admin.declare_counter({**MESSAGES, "name": "total_points"})
    assert service.faults.count("POST", "/v1/counters") == 0


# --- counter events --------------------------------------------------------------------------------


async def test_counter_adds_an_amount_and_unlocks_what_reads_it(service, admin, bot):
    await admin.declare_counter(MESSAGES)
    await admin.create_reward(reward_payload(slug="chatty", conditions=at_least("messages_sent", 5)))
    first = await bot.counter(USER, "messages_sent", amount=3, event_id="msg-1")
    assert (first.facts.counters, first.unlocked) == ({"messages_sent": 3}, [])
    second = await bot.counter(USER, "messages_sent", amount=2, event_id="msg-2")
    assert second.facts.counters == {"messages_sent": 5}
    assert [u.slug for u in second.unlocked] == ["chatty"]


async def test_counter_sets_a_value(service, admin, bot):
    await admin.declare_counter(RANK)
    await bot.counter(USER, "rank", value=12, event_id="rank-1")
    answer = await bot.counter(USER, "rank", value=4, event_id="rank-2")
    assert answer.facts.counters == {"rank": 4}


@pytest.mark.parametrize("numbers", [{}, {"amount": 1, "value": 1}], ids=["neither", "both"])
async def test_counter_takes_exactly_one_of_amount_and_value(service, bot, numbers):
    with pytest.raises(ValidationError, match="exactly one"):
        await bot.counter(USER, "messages_sent", event_id="msg-1", **numbers)
    assert service.faults.count("POST", EVENTS) == 0


async def test_an_undeclared_counter_raises_unknown_counter(service, bot):
    with pytest.raises(UnknownCounter) as caught:
        await bot.counter(USER, "messages_sent", amount=1, event_id="msg-1")
    assert isinstance(caught.value, ValidationFailed)
    assert caught.value.status == 422
    assert service.faults.count("POST", EVENTS) == 1


@pytest.mark.parametrize(("counter", "numbers"), [(MESSAGES, {"value": 3}), (RANK, {"amount": 3})])
async def test_the_other_number_of_a_counters_kind_raises_wrong_counter_kind(service, admin, bot, counter, numbers):
    await admin.declare_counter(counter)
    with pytest.raises(WrongCounterKind) as caught:
        await bot.counter(USER, counter["name"], event_id="e-1", **numbers)
    assert caught.value.status == 422


@pytest.mark.parametrize("how", ["503", "no_answer", "dropped", "database_unavailable"])
async def test_a_counter_whose_answer_was_lost_is_counted_once(service, admin, how):
    await admin.declare_counter(MESSAGES)
    service.faults.spoil("POST", EVENTS, how, retry_after="0.05")
    async with service.client(timeout=SHORT_TIMEOUT) as impatient:
        answer = await impatient.counter(USER, "messages_sent", amount=3, event_id="msg-1")

    assert service.faults.count("POST", EVENTS) == 2
    assert answer.facts.counters == {"messages_sent": 3}
    stored = await UserFacts.find_one({"user_id": USER})
    assert stored is not None
    assert stored.counters == {"messages_sent": 3}


# --- rewards that read the catalogue ----------------------------------------------------------------


async def test_a_reward_reading_an_undeclared_counter_raises_unknown_counter(service, admin):
    with pytest.raises(UnknownCounter):
        await admin.create_reward(reward_payload(slug="chatty", conditions=at_least("messages_sent", 5)))


async def test_a_window_over_a_value_counter_raises_wrong_counter_kind(service, admin):
    await admin.declare_counter(RANK)
    window = [{"condition_type": "counter_in_window", "counter": "rank", "value": 5, "window_days": 7}]
    with pytest.raises(WrongCounterKind):
        await admin.create_reward(reward_payload(slug="climber", conditions=window))


async def test_an_unknown_prerequisite_raises_unknown_reward(service, admin):
    with pytest.raises(UnknownReward):
        await admin.create_reward(reward_payload(slug="silver", conditions=needs("bronze")))


async def test_prerequisites_in_a_circle_raise_reward_cycle(service, admin):
    await admin.create_reward(reward_payload(slug="bronze"))
    await admin.create_reward(reward_payload(slug="silver", conditions=needs("bronze")))
    with pytest.raises(RewardCycle):
        await admin.patch_reward("bronze", conditions=needs("silver"))


async def test_a_taken_tier_raises_tier_taken(service, admin):
    await admin.create_reward(reward_payload(slug="bronze", series="chatter", tier=1))
    with pytest.raises(TierTaken):
        await admin.create_reward(reward_payload(slug="also-bronze", series="chatter", tier=1))


async def test_the_collapsed_list_shows_the_next_tier_only(service, admin, bot):
    for tier, slug in enumerate(("bronze", "silver", "gold"), start=1):
        await admin.create_reward(reward_payload(slug=slug, series="chatter", tier=tier))
    everything = (await bot.list_rewards(USER)).rewards
    assert [(r.slug, r.series, r.tier) for r in everything] == [
        ("bronze", "chatter", 1),
        ("gold", "chatter", 3),
        ("silver", "chatter", 2),
    ]
    collapsed = (await bot.list_rewards(USER, tiers_collapsed=True)).rewards
    assert [r.slug for r in collapsed] == ["bronze"]  # nothing claimed: the lowest tier alone


async def test_claiming_a_prerequisite_unlocks_what_needed_it_in_the_users_language(service, admin, bot):
    await admin.create_reward(reward_payload(slug="bronze", conditions=[{"condition_type": "first_daily_gift"}]))
    await admin.create_reward(
        reward_payload(slug="silver", conditions=needs("bronze"), translations={"es": {"name": "Plata"}})
    )
    await bot.send_event(USER, "daily_gift", event_id="gift-1")
    grant = await bot.claim(USER, "bronze", lang="es")
    assert [(u.slug, u.name, u.lang) for u in grant.unlocked] == [("silver", "Plata", "es")]
    statuses = {r.slug: r.status for r in (await bot.list_rewards(USER)).rewards}
    assert statuses == {"bronze": RewardStatus.CLAIMED, "silver": RewardStatus.UNLOCKED}


async def test_a_sold_out_edition_raises_reward_sold_out(service, admin, bot):
    await admin.create_reward(
        reward_payload(slug="first-one", max_claims=1, conditions=[{"condition_type": "first_daily_gift"}])
    )
    for user_id in (USER, USER + 1):
        await bot.send_event(user_id, "daily_gift", event_id="gift-1")
    await bot.claim(USER, "first-one")
    assert (await admin.get_reward("first-one")).sold_out
    with pytest.raises(RewardSoldOut) as caught:
        await bot.claim(USER + 1, "first-one")
    assert caught.value.status == 409
    assert service.faults.count("POST", f"/v1/users/{USER + 1}/rewards/first-one/claim") == 1


async def test_capping_below_the_slots_taken_raises_max_claims_below_taken(service, admin, bot):
    await admin.create_reward(reward_payload(slug="gift", conditions=[{"condition_type": "first_daily_gift"}]))
    for user_id in (USER, USER + 1):
        await bot.send_event(user_id, "daily_gift", event_id="gift-1")
        await bot.claim(user_id, "gift")
    with pytest.raises(MaxClaimsBelowTaken):
        await admin.patch_reward("gift", max_claims=1)
    capped = await admin.patch_reward("gift", max_claims=3)
    assert (capped.max_claims, capped.remaining, capped.sold_out) == (3, 1, False)


async def test_a_locked_secret_reward_shows_its_hint_only(service, admin, bot):
    await admin.create_reward(
        reward_payload(
            slug="night-owl",
            is_secret=True,
            hint="Some of us never sleep",
            translations={"es": {"name": "Búho", "hint": "Hay quien no duerme"}},
        )
    )
    listed = await bot.list_rewards(USER, lang="es")
    assert listed.rewards == []
    assert [(h.hint, h.lang, h.met, h.total) for h in listed.hints] == [("Hay quien no duerme", "es", 0, 1)]
