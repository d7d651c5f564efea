"""Declared counters: what admins add at run time for `counter` events and counter conditions to use.

Declaring and deleting go through the catalogue's write lock, like reward changes: a counter is
never deleted while a reward that reads it is being saved, and never more than MAX_COUNTERS exist.
Every change bumps the catalogue version, so every instance's cache learns of it.
"""

from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError
from rewards_contract.counters import MAX_COUNTERS, CounterDefinition
from rewards_contract.errors import CounterInUse, CounterNotFound, CounterTaken, TooManyCounters

from documents import Counter, DocumentId
from service.db import collections
from service.operations.catalog import catalogue_change
from service.operations.catalog_version import bump_catalog_version


async def readers_of(names: list[str]) -> dict[str, list[str]]:
    """For each counter name, the slugs of the rewards whose conditions read it (on the condition_counters index)."""
    readers: dict[str, list[str]] = {name: [] for name in names}
    cursor = collections.rewards().find({"conditions.counter": {"$in": names}}, {"slug": 1, "conditions.counter": 1})
    async for doc in cursor:
        for name in {c.get("counter") for c in doc["conditions"]} & readers.keys():
            readers[name].append(doc["slug"])
    return {name: sorted(slugs) for name, slugs in readers.items()}


async def declare_counter(definition: CounterDefinition, now: datetime) -> Counter:
    """Declare a counter; its name must be new, and at most MAX_COUNTERS exist."""
    async with catalogue_change(now):
        if await collections.counters().count_documents({}) >= MAX_COUNTERS:
            raise TooManyCounters(f"At most {MAX_COUNTERS} counters can be declared; delete one first.")
        counter = Counter(id=DocumentId(), **definition.model_dump(), created_at=now, updated_at=now)
        try:
            await counter.insert()
        except DuplicateKeyError:
            # Not ours (an insert the driver retried after a lost answer would be): the name is taken.
            if await collections.counters().find_one({"_id": counter.id}, {"_id": 1}) is None:
                raise CounterTaken(f"A counter named {definition.name!r} is already declared.") from None
    await bump_catalog_version(now)
    return counter


async def list_counters() -> list[Counter]:
    return await Counter.find_all().sort([("name", 1)]).to_list()


async def get_counter(name: str) -> Counter:
    counter = await Counter.find_one(Counter.name == name)
    if counter is None:
        raise CounterNotFound(f"No counter named {name!r}.")
    return counter


async def patch_counter(name: str, texts: dict[str, Any], now: datetime) -> Counter:
    """Change a counter's texts (its name and kind never change)."""
    stored = await collections.counters().find_one_and_update(
        {"name": name}, {"$set": {**texts, "updated_at": now}}, return_document=True
    )
    if stored is None:
        raise CounterNotFound(f"No counter named {name!r}.")
    await bump_catalog_version(now)
    return Counter.model_validate(stored)


async def delete_counter(name: str, now: datetime) -> None:
    """Delete a counter no reward reads. Users' values stay in their facts, unread, until it is declared again."""
    async with catalogue_change(now):
        await get_counter(name)
        used_by = (await readers_of([name]))[name]
        if used_by:
            raise CounterInUse(
                f"Counter {name!r} is read by the conditions of {', '.join(used_by)}; change those rewards first."
            )
        await collections.counters().delete_one({"name": name})
    await bump_catalog_version(now)
