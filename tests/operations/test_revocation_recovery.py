"""A crash between a revoke's two writes (the reversal, then the grant's mark) neither loses nor doubles a reversal."""

import pytest

from service.db import collections
from service.operations import grants
from tests.support.api import claim, create_reward, send_event
from tests.support.api import grants as list_grants
from tests.support.environment import ADMIN, BOT

USER = 6006


class Crash(Exception):
    """Stands for the process dying at this point."""


async def ledger() -> list[dict]:
    return await collections.grants().find({"user_id": USER}, {"_id": 0}).to_list(None)


async def revoke(client, grant_id: str, reason: str):
    response = await client.post(f"/v1/grants/{grant_id}/revoke", json={"reason": reason}, headers=ADMIN)
    return response.status, await response.json()


@pytest.fixture
async def badge_grant(client) -> dict:
    await create_reward(
        client, slug="fan", conditions=[], reward_type="badge", reward_value={"badge_name": "Fan", "emoji": "*"}
    )
    await send_event(client, USER, "e1", "reaction")
    status, body = await claim(client, USER, "fan")
    assert status == 200, body
    return body


async def crash_before_the_mark(client, monkeypatch, grant_id: str) -> None:
    async def die(*args, **kwargs):
        raise Crash("mark_revoked")

    with monkeypatch.context() as patch:
        patch.setattr(grants, "mark_revoked", die)
        status, body = await revoke(client, grant_id, "first reason")
    assert (status, body["error"]["code"]) == (500, "internal_error")


async def test_crash_after_the_reversal_leaves_it_pending_and_the_badge_taken_back(client, badge_grant, monkeypatch):
    await crash_before_the_mark(client, monkeypatch, badge_grant["grant_id"])
    stored = {g["grant_id"]: g for g in await ledger()}
    assert stored[badge_grant["grant_id"]].get("revoked_at") is None  # the crash really skipped the mark
    assert [g["kind"] for g in await list_grants(client, USER, pending=True)] == ["grant", "reversal"]
    badges = await (await client.get(f"/v1/users/{USER}/badges", headers=BOT)).json()
    assert badges == {"badges": []}  # a reversal is enough: the badge is gone


async def test_retrying_after_the_crash_completes_the_revoke_with_one_reversal(client, badge_grant, monkeypatch):
    await crash_before_the_mark(client, monkeypatch, badge_grant["grant_id"])
    status, reversal = await revoke(client, badge_grant["grant_id"], "retry's reason")
    assert status == 200
    assert reversal["reason"] == "first reason"  # the reversal written first wins
    stored = await ledger()
    assert sorted(g.get("kind", "grant") for g in stored) == ["grant", "reversal"]
    (original,) = [g for g in stored if g.get("kind") != "reversal"]
    assert (original["revoked_at"], original["revoked_reason"]) == (reversal_time(stored), "first reason")


def reversal_time(stored: list[dict]):
    (reversal,) = [g for g in stored if g.get("kind") == "reversal"]
    return reversal["claimed_at"]


async def test_repeated_revokes_at_the_operation_level_write_one_reversal(client, badge_grant, clock):
    for reason in ("a", "b", "c"):
        await grants.revoke_grant(badge_grant["grant_id"], reason, clock.now)
    assert len(await ledger()) == 2
