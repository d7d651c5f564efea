"""Limited editions: at most max_claims grants across all users, ever; never N+1, and no slot lost to a crash."""

import asyncio
from dataclasses import replace
from datetime import timedelta

from service.db import collections
from service.http.app import init_app
from service.http.keys import RUNTIME
from service.operations import edition_slots as editions
from service.operations.expiry import sweep
from tests.support.api import claim, create_reward, refused, send_event, set_facts, user_rewards
from tests.support.environment import ADMIN, BOT
from tests.support.stored import stored_one

REACTION = [{"condition_type": "first_reaction"}]


async def _edition(client, users: range, cap: int, **fields) -> None:
    await create_reward(client, slug="founders", conditions=REACTION, max_claims=cap, **fields)
    for user in users:
        await send_event(client, user, f"r-{user}", "reaction")


async def _grants() -> int:
    return await collections.grants().count_documents({"reward_slug": "founders", "kind": "grant"})


async def test_claims_past_the_cap_are_sold_out_and_leave_the_users_state_as_it_was(client):
    await _edition(client, range(1, 6), cap=3)
    statuses = [(await claim(client, user, "founders"))[0] for user in range(1, 6)]
    assert statuses == [200, 200, 200, 409, 409]
    _, body = await claim(client, 5, "founders")
    assert body["error"]["code"] == "reward_sold_out"
    assert (await user_rewards(client, 5))["founders"]["status"] == "unlocked"
    assert await _grants() == 3


async def test_the_catalogue_and_the_list_say_how_many_slots_are_left(client):
    await _edition(client, range(1, 3), cap=3)
    await claim(client, 1, "founders")
    catalogue = await (await client.get("/v1/rewards/founders", headers=BOT)).json()
    assert (catalogue["remaining"], catalogue["sold_out"]) == (2, False)
    assert (await user_rewards(client, 2))["founders"]["remaining"] == 2


async def test_a_sold_out_edition_unlocks_for_nobody_new(aiohttp_client, settings, clock):
    client = await aiohttp_client(init_app(replace(settings, catalog_ttl_seconds=0), clock=clock))
    await _edition(client, range(1, 3), cap=2)
    for user in (1, 2):
        assert (await claim(client, user, "founders"))[0] == 200
    answer = await send_event(client, 3, "r-3", "reaction")
    assert answer["unlocked"] == []
    assert (await user_rewards(client, 3))["founders"]["status"] == "locked"


async def test_a_sold_out_refusal_is_not_the_keys_final_answer(client):
    await _edition(client, range(1, 3), cap=1)
    assert (await claim(client, 1, "founders"))[0] == 200
    assert (await claim(client, 2, "founders", key="k-2"))[0] == 409
    await client.patch("/v1/rewards/founders", json={"max_claims": 2}, headers=ADMIN)
    assert (await claim(client, 2, "founders", key="k-2"))[0] == 200  # checked again, not replayed
    assert await _grants() == 2


async def test_the_cap_cannot_go_below_the_slots_already_taken(client):
    await _edition(client, range(1, 3), cap=5)
    for user in (1, 2):
        await claim(client, user, "founders")
    await refused(
        await client.patch("/v1/rewards/founders", json={"max_claims": 1}, headers=ADMIN), 409, "max_claims_below_taken"
    )
    assert (await (await client.get("/v1/rewards/founders", headers=ADMIN)).json())["max_claims"] == 5


async def test_a_revoked_grant_does_not_free_its_slot(client):
    await _edition(client, range(1, 3), cap=1)
    _, grant = await claim(client, 1, "founders")
    revoked = await client.post(f"/v1/grants/{grant['grant_id']}/revoke", json={"reason": "refund"}, headers=ADMIN)
    assert revoked.status == 200
    await refused(await client.post("/v1/users/2/rewards/founders/claim", headers=BOT), 409, "reward_sold_out")


async def test_repeat_claims_take_a_slot_each(client):
    await create_reward(
        client,
        slug="founders",
        max_claims=2,
        is_repeatable=True,
        conditions=[{"condition_type": "total_points", "value": 1}],
    )
    await set_facts(client, 1, total_points=1)
    assert (await claim(client, 1, "founders"))[0] == 200
    await set_facts(client, 1, total_points=2)  # moved on: unlocked again
    assert (await claim(client, 1, "founders"))[0] == 200
    await set_facts(client, 1, total_points=3)
    await refused(await client.post("/v1/users/1/rewards/founders/claim", headers=BOT), 409, "reward_sold_out")


async def test_a_claim_retried_with_its_key_resumes_the_slot_it_took_before_a_crash(client, clock):
    await _edition(client, range(1, 2), cap=1)
    reward = (await client.app[RUNTIME].catalogue.active()).by_slug["founders"]
    held = await editions.hold_unlock(1, reward.id, clock(), "k-1")
    assert await editions.take_slot("founders", editions.holder(1, 1), clock())  # then the process died
    assert (await claim(client, 1, "founders", key="k-1"))[0] == 200
    edition = await stored_one(collections.reward_editions(), {"_id": "founders"})
    assert (edition["taken"], edition["holders"], held is not None) == (1, ["1:1"], True)


async def test_the_sweep_releases_the_hold_and_slot_of_a_claim_that_never_came_back(client, clock):
    await _edition(client, range(1, 3), cap=1)
    reward = (await client.app[RUNTIME].catalogue.active()).by_slug["founders"]
    await editions.hold_unlock(1, reward.id, clock(), None)
    assert await editions.take_slot("founders", editions.holder(1, 1), clock())  # then the process died
    await refused(await client.post("/v1/users/2/rewards/founders/claim", headers=BOT), 409, "reward_sold_out")
    assert (await sweep(clock() + timedelta(seconds=31))).released_holds == 1
    assert (await claim(client, 2, "founders"))[0] == 200
    assert (await claim(client, 1, "founders"))[0] == 409


async def test_a_sold_out_editions_unlocks_get_no_reminder(client, clock):
    await create_reward(client, slug="founders", conditions=REACTION, max_claims=1, claim_window_hours=48)
    await create_reward(client, slug="open", conditions=REACTION, claim_window_hours=48)
    for user in (1, 2):
        await send_event(client, user, f"r-{user}", "reaction")
    await claim(client, 1, "founders")
    result = await sweep(clock() + timedelta(hours=30))
    reminded = await collections.user_rewards().find({"reminded": True}, {"reward_slug": 1, "user_id": 1}).to_list(None)
    assert result.reminded == 2  # "open" for both users; "founders" for nobody
    assert {doc["reward_slug"] for doc in reminded} == {"open"}


async def test_three_hundred_users_claiming_at_once_through_two_instances_get_exactly_the_cap(
    aiohttp_client, settings, clock
):
    cap, users = 50, range(1, 301)
    # 300 claims in flight at once outlast the 5 s deadline on the slow wire server (SecantusDB runs about
    # 13 claims a second): this test sets a deadline that suits it, so every claim gets its real answer.
    patient = replace(settings, db_timeout_seconds=300)
    first = await aiohttp_client(init_app(patient, clock=clock))
    second = await aiohttp_client(init_app(patient, clock=clock))
    await create_reward(first, slug="founders", conditions=REACTION, max_claims=cap)
    await asyncio.gather(*(send_event(first, user, f"r-{user}", "reaction") for user in users))

    async def claim_through(user: int) -> tuple[int, str | None]:
        instance = first if user % 2 else second
        response = await instance.post(
            f"/v1/users/{user}/rewards/founders/claim", headers={**BOT, "Idempotency-Key": f"k-{user}"}
        )
        body = await response.json()
        return response.status, body.get("error", {}).get("code")

    answers = await asyncio.gather(*(claim_through(user) for user in users))
    assert sorted(set(answers)) == [(200, None), (409, "reward_sold_out")]
    assert sum(status == 200 for status, _ in answers) == cap
    assert await _grants() == cap
    edition = await stored_one(collections.reward_editions(), {"_id": "founders"})
    assert (edition["taken"], len(set(edition["holders"]))) == (cap, cap)
