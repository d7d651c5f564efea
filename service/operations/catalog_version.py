"""The catalogue version: bumped on every change so every instance's cache knows to reload."""

from datetime import datetime

from pymongo.errors import DuplicateKeyError

from documents import CATALOG_VERSION_ID
from service.db import collections
from service.operations.retries import gave_up, retried


async def bump_catalog_version(now: datetime) -> None:
    """Record that the catalogue changed (one atomic upsert)."""

    async def attempt() -> None:
        try:
            await collections.catalog_versions().update_one(
                {"_id": CATALOG_VERSION_ID}, {"$inc": {"version": 1}, "$set": {"updated_at": now}}, upsert=True
            )
        except DuplicateKeyError:
            # The first bump of a new database raced another one: the retry increments that document.
            raise gave_up("Recording the catalogue change") from None

    await retried(attempt)


async def current_catalog_version() -> int:
    """The version now stored (0 before the first change)."""
    stored = await collections.catalog_versions().find_one({"_id": CATALOG_VERSION_ID}, {"version": 1})
    return int(stored["version"]) if stored else 0
