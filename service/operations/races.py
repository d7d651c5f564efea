"""Bounded retries for a write that lost a race to a concurrent insert of the same unique key.

After a DuplicateKeyError the winner's document exists, but a real server may show it to this
request later than its unique-index entry (mongomock never does; SecantusDB and a busy mongod
can). So a request must not assume the winner is readable at once: it retries its own write a
few times, with a short backoff, and answers a retryable conflict if the document never shows.

    for attempt in range(races.ATTEMPTS):
        await races.backoff(attempt)
        ...  # try; return on success
    raise races.gave_up("Recording this activity")
"""

import asyncio

from rewards_contract.errors import RaceLost

ATTEMPTS = 6
FIRST_DELAY_SECONDS = 0.005  # doubled each time: about 0.15 s in all before giving up


async def backoff(attempt: int) -> None:
    """Wait before retry number `attempt` (the first attempt, 0, does not wait)."""
    if attempt:
        await asyncio.sleep(FIRST_DELAY_SECONDS * 2 ** (attempt - 1))


def gave_up(what: str) -> RaceLost:
    """The retryable conflict answered when the winner's document never became visible."""
    return RaceLost(f"{what} raced with a concurrent request and could not complete; retry.")
