"""Revoking a grant through the real app: one reversal, pending for the bot, refusals change nothing."""

import asyncio
from datetime import datetime

import pytest

from service.db import collections
from tests.support.api import (
    claimed_grant,
    grants,
    user_rewards,
)
from tests.support.environment import ADMIN, BOT

USER = 5005
BADGE = {"reward_type": "badge", "reward_value": {"badge_name": "First reaction", "emoji": "*"}}


async def claimed(client, slug: str = "coins", **overrides) -> dict:
    return await claimed_grant(client, USER, slug, **overrides)


async def revoke(client, grant_id: str, reason: str = "refund", headers: dict = ADMIN):
    response = await client.post(f"/v1/grants/{grant_id}/revoke", json={"reason": reason}, headers=headers)
    return response.status, await response.json()


async def ledger() -> list[dict]:
    return await collections.grants().find({"user_id": USER}, {"_id": 0}).sort("grant_id", 1).to_list(None)


async def test_revoke_answers_a_pending_reversal_taking_back_the_besitos(client, clock):
    grant = await claimed(client, reward_value={"amount": 50})
    clock.advance(hours=1)
    status, reversal = await revoke(client, grant["grant_id"], "refund")
    assert status == 200, reversal
    assert (reversal["kind"], reversal["reverses"], reversal["reward_value"]) == (
        "reversal",
        grant["grant_id"],
        {"amount": -50},
    )
    assert reversal["grant_id"] == f"{grant['grant_id']}-reversal"
    assert reversal["reason"] == "refund"
    assert datetime.fromisoformat(reversal["claimed_at"]) == clock.now
    assert reversal["delivered_at"] is None
    pending = await grants(client, USER, pending=True)
    assert [(g["grant_id"], g["kind"]) for g in pending] == [
        (grant["grant_id"], "grant"),
        (reversal["grant_id"], "reversal"),
    ]  # oldest first: the grant, then its reversal
    original = pending[0]
    assert (original["revoked_reason"], datetime.fromisoformat(original["revoked_at"])) == ("refund", clock.now)


async def test_a_reversal_is_acknowledged_like_a_grant(client):
    grant = await claimed(client)
    _, reversal = await revoke(client, grant["grant_id"])
    response = await client.post(f"/v1/grants/{reversal['grant_id']}/ack", headers=BOT)
    assert response.status == 200
    assert (await response.json())["delivered_at"] is not None
    assert [g["grant_id"] for g in await grants(client, USER, pending=True)] == [grant["grant_id"]]


@pytest.mark.parametrize(
    ("reward_type", "reward_value"),
    [("badge", BADGE["reward_value"]), ("vip_extension", {"days": 30}), ("content", {"content_set_id": 7})],
)
async def test_other_reversals_take_back_the_same_payload(client, reward_type, reward_value):
    grant = await claimed(client, reward_type=reward_type, reward_value=reward_value)
    _, reversal = await revoke(client, grant["grant_id"])
    assert (reversal["reward_type"], reversal["reward_value"]) == (reward_type, reward_value)


async def test_a_revoked_badge_leaves_the_badges(client):
    kept = await claimed(client, slug="fan", **BADGE)
    revoked = await claimed(client, slug="cheater", reward_type="badge", reward_value={"badge_name": "X", "emoji": "!"})
    await revoke(client, revoked["grant_id"], "abuse")
    badges = (await (await client.get(f"/v1/users/{USER}/badges", headers=BOT)).json())["badges"]
    assert [b["reward"] for b in badges] == [kept["reward"]]


async def test_revoking_twice_answers_the_same_reversal_and_keeps_the_first_reason(client, clock):
    grant = await claimed(client)
    first = await revoke(client, grant["grant_id"], "refund")
    clock.advance(hours=1)
    assert await revoke(client, grant["grant_id"], "another reason") == first
    stored = {g["grant_id"]: g for g in await ledger()}
    assert len(stored) == 2
    assert stored[grant["grant_id"]]["revoked_reason"] == "refund"


async def test_concurrent_revokes_make_exactly_one_reversal(client):
    grant = await claimed(client)
    answers = await asyncio.gather(*(revoke(client, grant["grant_id"], f"reason {n}") for n in range(20)))
    assert {status for status, _ in answers} == {200}
    assert len({body["reason"] for _, body in answers}) == 1
    reversals = [g for g in await ledger() if g.get("kind") == "reversal"]
    assert len(reversals) == 1
    (original,) = [g for g in await ledger() if g.get("kind") != "reversal"]
    assert original["revoked_reason"] == reversals[0]["reason"]


async def test_revoking_leaves_the_users_reward_state_as_it_was(client):
    grant = await claimed(client)
    before = await user_rewards(client, USER)
    await revoke(client, grant["grant_id"])
    after = await user_rewards(client, USER)
    assert after == before
    assert after["coins"]["claim_count"] == 1
    assert after["coins"]["status"] == "claimed"


async def test_refused_revokes_answer_the_envelope_and_change_nothing(client):
    grant = await claimed(client)
    _, reversal = await revoke(client, grant["grant_id"])
    before = await ledger()
    refusals = [
        (await revoke(client, reversal["grant_id"]), 409, "cannot_revoke_reversal"),
        (await revoke(client, f"{USER}-000000000000000000000000-1"), 404, "grant_not_found"),
        (await revoke(client, "not-a-grant"), 404, "grant_not_found"),
        (await revoke(client, grant["grant_id"], headers=BOT), 403, "forbidden"),
        (await revoke(client, grant["grant_id"], reason=""), 422, "validation_error"),
        (await revoke(client, grant["grant_id"], reason="x" * 501), 422, "validation_error"),
    ]
    for (status, body), expected_status, code in refusals:
        assert (status, body["error"]["code"]) == (expected_status, code), body
    missing = await client.post(f"/v1/grants/{grant['grant_id']}/revoke", json={}, headers=ADMIN)
    assert missing.status == 422
    assert await ledger() == before


async def test_refused_revokes_of_an_unrevoked_grant_change_nothing(client):
    grant = await claimed(client)
    before = await ledger()
    assert (await revoke(client, grant["grant_id"], headers=BOT))[0] == 403
    assert (await revoke(client, grant["grant_id"], reason="x" * 501))[0] == 422
    assert await ledger() == before


async def test_a_reason_of_500_characters_is_accepted(client):
    grant = await claimed(client)
    status, body = await revoke(client, grant["grant_id"], reason="x" * 500)
    assert status == 200
    assert body["reason"] == "x" * 500
