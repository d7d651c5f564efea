"""The one retry helper: a step that lost a race (RaceLost) is tried again, a bounded number of times, with backoff.

After a DuplicateKeyError the winner's document exists, but a real server may show it to this
request later than its unique-index entry (mongomock never does; SecantusDB and a busy mongod
can). So a request must not assume the winner is readable at once: it tries its own step again a
few times, with a short exponential backoff, and answers the retryable conflict (RaceLost, a 409
the client retries) if it never settles. Whether to try again is decided by class: a step raises
RaceLost, or a subclass, to ask for another attempt; anything else ends the retries at once.

The pauses follow `backoff_delay`, which the background jobs' loop uses too when a step fails.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from rewards_contract.errors import RaceLost
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

T = TypeVar("T")

ATTEMPTS = 6
FIRST_DELAY_SECONDS = 0.005  # doubled each time: about 0.15 s in all before giving up


def backoff_delay(failures: int, first: float, ceiling: float) -> float:
    """The pause after the `failures`-th failure in a row: `first`, doubled each time, at most `ceiling`."""
    return min(ceiling, first * 2 ** min(max(failures - 1, 0), 30))


async def retried(
    step: Callable[[], Awaitable[T]],
    *,
    attempts: int = ATTEMPTS,
    first_delay: float | None = None,
    max_delay: float = 1.0,
) -> T:
    """`step()`, tried again while it raises RaceLost, at most `attempts` times in all; the last RaceLost propagates.

    The first pause is `first_delay` (FIRST_DELAY_SECONDS by default), doubled each time up to `max_delay`.
    """
    first = FIRST_DELAY_SECONDS if first_delay is None else first_delay
    try:
        # The common case, at no cost: the first attempt wins, and no retry machinery is built.
        return await step()
    except RaceLost:
        if attempts <= 1:
            raise
    await asyncio.sleep(backoff_delay(1, first, max_delay))

    def pause(state: RetryCallState) -> float:  # state counts the attempts after the first
        return backoff_delay(state.attempt_number + 1, first, max_delay)

    retrying = AsyncRetrying(
        stop=stop_after_attempt(attempts - 1), wait=pause, retry=retry_if_exception_type(RaceLost), reraise=True
    )
    async for attempt in retrying:
        with attempt:
            return await step()
    raise AssertionError("unreachable: the last attempt returns or raises")


def gave_up(what: str) -> RaceLost:
    """The race lost for good: the winner's document never became visible, or the state kept moving."""
    return RaceLost(f"{what} raced with a concurrent request and could not complete; retry.")
