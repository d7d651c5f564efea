"""The catalogue version: bumped on every change so every instance's cache knows to reload."""

from datetime import datetime

from documents import CATALOG_VERSION_ID, CatalogVersion


async def bump_catalog_version(now: datetime) -> None:
    """Record that the catalogue changed (one atomic upsert)."""
    await CatalogVersion.get_motor_collection().update_one(
        {"_id": CATALOG_VERSION_ID},
        {"$inc": {"version": 1}, "$set": {"updated_at": now}},
        upsert=True,
    )


async def current_catalog_version() -> int:
    """The version now stored (0 before the first change)."""
    stored = await CatalogVersion.get_motor_collection().find_one({"_id": CATALOG_VERSION_ID}, {"version": 1})
    return int(stored["version"]) if stored else 0
