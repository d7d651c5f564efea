"""The background sweep: expire overdue unlocks in bulk and finish half-copied grants."""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from rewards_contract.enums import RewardStatus

from service.db import collections
from service.operations.grants import recover_stale_grants

log = logging.getLogger(__name__)

# A claim's two writes take milliseconds; a snapshot older than this was left by a crash.
STALE_GRANT_AGE = timedelta(seconds=30)


@dataclass(frozen=True)
class SweepResult:
    expired: int
    recovered_grants: int


async def expire_overdue(now: datetime) -> int:
    """One update_many on the (status, expires_at) index; reads and claims never depend on it having run."""
    result = await collections.user_rewards().update_many(
        {"status": str(RewardStatus.UNLOCKED), "expires_at": {"$lte": now}},
        {"$set": {"status": str(RewardStatus.EXPIRED), "updated_at": now}},
    )
    return result.modified_count


async def sweep(now: datetime) -> SweepResult:
    """One sweep: expire overdue unlocks and copy any stale pending grant into the ledger."""
    return SweepResult(expired=await expire_overdue(now), recovered_grants=await recover_stale_grants(now, STALE_GRANT_AGE))


async def run_sweeper(
    interval_seconds: float,
    clock: Callable[[], datetime],
    on_sweep: Callable[[SweepResult], None] | None = None,
) -> None:
    """Sweep every interval until cancelled; a failed sweep is logged and retried next time."""
    while True:
        await asyncio.sleep(interval_seconds)
        try:
            result = await sweep(clock())
        except Exception:
            log.exception("Expiry sweep failed; retrying in %s s", interval_seconds)
            continue
        log.info("Expiry sweep: expired %d unlocked rewards, recovered %d grants", result.expired, result.recovered_grants)
        if on_sweep is not None:
            on_sweep(result)
