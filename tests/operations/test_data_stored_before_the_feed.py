"""State stored by the version before the feed (no `feed_outbox`, no `reminded`) stays valid, and the feed invents nothing.

The documents are inserted the way that version stored them, then swept, relayed, acknowledged
and read by this version: the changes made before the upgrade get no entry (no unlock, no grant,
no reminder of an unlock whose reminder was never planned), while changes made after it do. On the
wire pass the collections carry this version's `$jsonSchema` validators, which the inserts must pass.
"""

from datetime import timedelta
from typing import Any

from bson import ObjectId

from documents import RewardGrant, UserReward
from service.operations.expiry import sweep
from tests.support.environment import BOT
from tests.support.feed import follow_to_the_end, relay_all
from tests.support.stored_before import grant_stored_before, store_as_before, validator_violations

USER = 8008


def unlock_as_the_previous_version_stored_it(now, reward_id: ObjectId) -> dict[str, Any]:
    return {
        "user_id": USER,
        "reward_id": reward_id,
        "reward_slug": "old-unlock",
        "status": "unlocked",
        "unlocked_at": now - timedelta(hours=150),
        "expires_at": now + timedelta(hours=18),
        "claimed_at": None,
        "claim_count": 0,
        "last_claimed_at": None,
        "unlocked_by": "event:old",
        "unlock_inputs": {},
        "pending_grant": None,
        "created_at": now - timedelta(hours=150),
        "updated_at": now - timedelta(hours=150),
    }


def grant_as_the_previous_version_stored_it(now, reward_id: ObjectId) -> dict[str, Any]:
    return grant_stored_before(
        USER,
        now - timedelta(days=2),
        reward_id=reward_id,
        kind="grant",
        reverses=None,
        revoked_at=None,
        revoked_reason=None,
        reason=None,
    )


def test_the_old_documents_pass_the_new_validators(clock) -> None:
    old_unlock = unlock_as_the_previous_version_stored_it(clock(), ObjectId())
    assert validator_violations(UserReward, old_unlock) == []
    old_grant = grant_as_the_previous_version_stored_it(clock(), ObjectId())
    assert validator_violations(RewardGrant, old_grant) == []


async def test_changes_before_the_upgrade_have_no_entry_and_later_ones_do(client, clock) -> None:
    old_unlock = unlock_as_the_previous_version_stored_it(clock(), ObjectId())
    old_grant = grant_as_the_previous_version_stored_it(clock(), ObjectId())
    await store_as_before(UserReward, old_unlock)
    await store_as_before(RewardGrant, old_grant)

    result = await sweep(clock(), timedelta(hours=24))  # closes within 24 h, but its reminder was never planned
    assert result.reminded == 0
    assert await relay_all(clock) == 0
    assert (await follow_to_the_end(client))[0] == []  # nothing invented for the old unlock and grant

    acked = await client.post(f"/v1/grants/{old_grant['grant_id']}/ack", headers=BOT)
    assert acked.status == 200, await acked.text()
    clock.advance(hours=19)  # the old unlock's window closes after the upgrade: that change is entered
    assert (await sweep(clock(), timedelta(hours=24))).expired == 1
    await relay_all(clock)
    entries, _ = await follow_to_the_end(client)
    assert [(e["type"], e["reward_slug"]) for e in entries] == [
        ("grant_acked", "old-grant"),
        ("reward_expired", "old-unlock"),
    ]
    assert entries[0]["data"]["reward_value"] == {"amount": 5}  # the record's fields, taken from the old record
