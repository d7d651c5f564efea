"""Chains: a reward that needs another claimed first, unlocked by that claim in the same request."""

import asyncio
import itertools

import pytest

from service.db import collections
from service.usecases import claims
from tests.support.api import claim, create_reward, refused, send_event, user_rewards
from tests.support.environment import ADMIN, BOT
from tests.support.feed import relay_all
from tests.support.stored import stored_one

USER = 41
REACTION = [{"condition_type": "first_reaction"}]


def after(slug: str) -> list[dict]:
    return [{"condition_type": "reward_claimed", "reward": slug}]


async def _crash(*args, **kwargs):
    raise RuntimeError("the process died after the grant, before unlocking what depends on it")


async def _silver_and_gold(client) -> None:
    await create_reward(client, slug="silver", name="Silver chatter", conditions=REACTION)
    await create_reward(client, slug="gold", name="Gold chatter", conditions=[*REACTION, *after("silver")])
    await send_event(client, USER, "r1", "reaction")


async def test_claiming_the_prerequisite_unlocks_what_needs_it_in_the_same_request(client, clock):
    await _silver_and_gold(client)
    assert (await user_rewards(client, USER))["gold"]["status"] == "locked"
    status, answer = await claim(client, USER, "silver")
    assert status == 200
    assert [(u["slug"], u["name"]) for u in answer["unlocked"]] == [("gold", "Gold chatter")]
    assert (await user_rewards(client, USER))["gold"]["status"] == "unlocked"
    await relay_all(clock)
    feed = await (await client.get("/v1/feed", headers=BOT)).json()
    entered = [(e["type"], e["reward_slug"]) for e in feed["entries"]]
    assert entered.count(("reward_unlocked", "gold")) == 1
    assert ("grant_created", "silver") in entered


async def test_a_keyed_replay_of_the_claim_answers_the_same_unlocks(client):
    await _silver_and_gold(client)
    first = await claim(client, USER, "silver", key="k-silver")
    again = await claim(client, USER, "silver", key="k-silver")
    assert first == again
    assert [u["slug"] for u in again[1]["unlocked"]] == ["gold"]
    assert await collections.grants().count_documents({"reward_slug": "silver"}) == 1


async def test_the_progress_of_a_chain_names_the_reward_to_claim_first(client):
    await _silver_and_gold(client)
    progress = (await user_rewards(client, USER, lang="en"))["gold"]["progress"]
    step = next(p for p in progress if p["condition_type"] == "reward_claimed")
    assert (step["reward"], step["reward_name"], step["met"]) == ("silver", "Silver chatter", False)


async def test_a_secret_prerequisite_is_never_named(client):
    await create_reward(client, slug="hidden-step", conditions=REACTION, is_secret=True)
    await create_reward(client, slug="after-hidden", conditions=after("hidden-step"))
    [step] = (await user_rewards(client, USER))["after-hidden"]["progress"]
    assert (step["reward"], step["reward_name"]) == (None, None)


async def test_a_chain_cut_short_by_a_crash_is_finished_by_the_users_next_list(client, monkeypatch):
    await _silver_and_gold(client)

    with monkeypatch.context() as patch:
        patch.setattr(claims, "evaluate_user", _crash)
        status, _ = await claim(client, USER, "silver")
    assert status == 500
    assert (await user_rewards(client, USER))["gold"]["status"] == "unlocked"


@pytest.mark.parametrize(
    "read",
    [
        {"params": {"status": "unlocked", "limit": "1"}},  # what can be claimed: gold has no state yet
        {"params": {"limit": "1"}},  # a first page that does not show gold
        {"path": "/silver"},  # another reward alone
    ],
    ids=["page-of-unlocked", "page-without-it", "one-reward"],
)
async def test_a_chain_cut_short_is_finished_by_any_read_of_the_users_rewards(client, monkeypatch, read):
    await _silver_and_gold(client)
    with monkeypatch.context() as patch:
        patch.setattr(claims, "evaluate_user", _crash)
        assert (await claim(client, USER, "silver"))[0] == 500
    response = await client.get(
        f"/v1/users/{USER}/rewards{read.get('path', '')}", params=read.get("params"), headers=BOT
    )
    assert response.status == 200
    assert (await stored_one(collections.user_rewards(), {"reward_slug": "gold"}))["status"] == "unlocked"


async def test_a_chain_cut_short_is_finished_by_the_users_next_event_too(client, monkeypatch):
    await _silver_and_gold(client)
    with monkeypatch.context() as patch:
        patch.setattr(claims, "evaluate_user", _crash)
        assert (await claim(client, USER, "silver"))[0] == 500
    answer = await send_event(client, USER, "p1", "points", amount=1)
    assert [u["slug"] for u in answer["unlocked"]] == ["gold"]


async def test_a_prerequisite_that_does_not_exist_is_refused(client):
    response = await client.post(
        "/v1/rewards",
        json={
            "slug": "orphan",
            "name": "Orphan",
            "reward_type": "besitos",
            "reward_value": {"amount": 1},
            "conditions": after("nowhere"),
        },
        headers=ADMIN,
    )
    error = await refused(response, 422, "unknown_reward")
    assert error["details"][0]["field"] == "conditions[0].reward"


@pytest.mark.parametrize("depth", [1, 2, 3])
async def test_rewards_needing_each_other_in_a_circle_are_refused(client, depth):
    slugs = [f"r{n}" for n in range(depth)]
    await create_reward(client, slug=slugs[0], conditions=REACTION)
    for previous, slug in itertools.pairwise(slugs):
        await create_reward(client, slug=slug, conditions=after(previous))
    response = await client.patch(f"/v1/rewards/{slugs[0]}", json={"conditions": after(slugs[-1])}, headers=ADMIN)
    await refused(response, 422, "reward_cycle")
    stored = await stored_one(collections.rewards(), {"slug": slugs[0]}, {"conditions": 1})
    assert stored["conditions"][0]["condition_type"] == "first_reaction"


async def test_two_saves_closing_a_circle_at_once_do_not_both_succeed(client):
    await create_reward(client, slug="a", conditions=REACTION)
    await create_reward(client, slug="b", conditions=REACTION)
    answers = await asyncio.gather(
        client.patch("/v1/rewards/a", json={"conditions": after("b")}, headers=ADMIN),
        client.patch("/v1/rewards/b", json={"conditions": after("a")}, headers=ADMIN),
    )
    assert sorted(answer.status for answer in answers)[0] == 200
    assert sorted(answer.status for answer in answers)[1] in (409, 422)
    graph = {
        doc["slug"]: [c.get("reward") for c in doc["conditions"]]
        async for doc in collections.rewards().find({}, {"slug": 1, "conditions": 1})
    }
    assert not (graph["a"] == ["b"] and graph["b"] == ["a"])
