"""Grants stored by the version before revocation (no `kind`, `reverses`, `revoked_*`) stay valid and work.

The document is inserted the way that version's ledger write stored it, then listed, acknowledged,
counted by the analysts' queries and revoked by this version. On the wire pass the collection
carries this version's `$jsonSchema` validator, which the insert must pass.
"""

from datetime import UTC, datetime
from typing import Any

from documents import RewardGrant
from service.analytics.queries import QUERIES_BY_NAME, run_query
from service.db import collections
from tests.support.environment import ADMIN, BOT
from tests.support.stored import stored_one
from tests.support.stored_before import grant_stored_before, store_as_before, validator_violations

USER = 7007
CLAIMED_AT = datetime(2025, 6, 1, tzinfo=UTC)


def grant_as_the_previous_version_stored_it(reward_type: str, value: dict[str, Any]) -> dict[str, Any]:
    return grant_stored_before(
        USER, CLAIMED_AT, reward_slug=f"old-{reward_type}", reward_type=reward_type, reward_value=value
    )


OLD_COINS = grant_as_the_previous_version_stored_it("besitos", {"amount": 40})
OLD_BADGE = grant_as_the_previous_version_stored_it("badge", {"badge_name": "Old", "emoji": "*"})


def test_the_old_document_passes_the_new_validator() -> None:
    assert validator_violations(RewardGrant, OLD_COINS) == []


async def test_old_grants_read_as_unrevoked_grants_and_can_be_revoked(client, clock) -> None:
    await store_as_before(RewardGrant, OLD_COINS, OLD_BADGE)

    listed = (await (await client.get(f"/v1/users/{USER}/grants", headers=BOT)).json())["grants"]
    assert [(g["kind"], g["reverses"], g["revoked_at"], g["revoked_reason"]) for g in listed] == [
        ("grant", None, None, None)
    ] * 2
    badges = (await (await client.get(f"/v1/users/{USER}/badges", headers=BOT)).json())["badges"]
    assert [b["badge_name"] for b in badges] == ["Old"]
    rows = await run_query(QUERIES_BY_NAME["besitos_per_day"], clock.now)
    assert [(r["besitos"], r["grants"], r["reversals"]) for r in rows] == [(40, 1, 0)]

    for old in (OLD_COINS, OLD_BADGE):
        response = await client.post(f"/v1/grants/{old['grant_id']}/revoke", json={"reason": "refund"}, headers=ADMIN)
        assert response.status == 200, await response.text()
    assert (await (await client.get(f"/v1/users/{USER}/badges", headers=BOT)).json())["badges"] == []
    rows = await run_query(QUERIES_BY_NAME["besitos_per_day"], clock.now)
    assert sum(r["besitos"] for r in rows) == 0
    assert sum(r["reversals"] for r in rows) == 1
    stored = await stored_one(collections.grants(), {"grant_id": OLD_COINS["grant_id"]})
    # Marked, never rewritten whole.
    assert "kind" not in stored
    assert stored["revoked_reason"] == "refund"
