"""The feed as tests drive it: relay what is waiting (the background relay is off in tests), then read."""

from datetime import timedelta
from typing import Any

from service.operations.feed_relay import HAS_OUTBOX, NumbersTaken, outbox_sources, relay_step
from tests.support.environment import BOT

RETENTION = timedelta(days=7)


async def relay_all(clock: Any) -> int:
    """Run relay steps until no outbox entry is left (a step stopped by a collision is followed by another)."""
    entered = 0
    for _ in range(100):
        try:
            step = await relay_step(clock(), RETENTION)
        except NumbersTaken:
            step = 0  # the collision corrected the counter: the next step goes on
        entered += step
        if step == 0 and not await _waiting():
            return entered
    raise AssertionError("outbox entries still waiting after 100 relay steps")


async def _waiting() -> bool:
    for collection in outbox_sources():
        if await collection.count_documents(HAS_OUTBOX):  # the relay's own indexed filter
            return True
    return False


async def feed_page(client: Any, expected_status: int = 200, **query: Any) -> dict[str, Any]:
    response = await client.get("/v1/feed", params={k: str(v) for k, v in query.items()}, headers=BOT)
    assert response.status == expected_status, await response.text()
    return await response.json()


async def follow_to_the_end(client: Any, after: str = "0", limit: int = 500) -> tuple[list[dict[str, Any]], str]:
    """Every entry after the cursor, page by page, and the final cursor."""
    entries: list[dict[str, Any]] = []
    while True:
        page = await feed_page(client, after=after, limit=limit)
        entries += page["entries"]
        if page["next"] == after:
            return entries, after
        after = page["next"]
