"""Declared counters: what admins add at run time for `counter` events and counter conditions to use.

Declaring and deleting go through the catalogue's write lock, like reward changes: a counter is
never deleted while a reward that reads it is being saved, and never more than MAX_COUNTERS exist.
The caller (`service/usecases/counters.py`) then records the change of the catalogue.
"""

from datetime import datetime
from typing import Any

from rewards_contract.counters import MAX_COUNTERS, CounterDefinition
from rewards_contract.errors import CounterInUse, CounterNotFound, CounterTaken, TooManyCounters

from documents import Counter, DocumentId, as_stored
from service.db import collections
from service.operations.catalogue_lock import catalogue_change


async def readers_of(names: list[str], *, secret: bool = True) -> dict[str, list[str]]:
    """For each counter name, the slugs of the rewards whose conditions read it (on the condition_counters index).

    `secret=False` leaves the secret rewards out: who may not know them does not learn their slugs here.
    """
    readers: dict[str, list[str]] = {name: [] for name in names}
    query: dict[str, Any] = {"conditions.counter": {"$in": names}}
    if not secret:
        query["is_secret"] = {"$ne": True}
    cursor = collections.rewards().find(query, {"slug": 1, "conditions.counter": 1})
    async for doc in cursor:
        for name in {c.get("counter") for c in doc["conditions"]} & readers.keys():
            readers[name].append(doc["slug"])
    return {name: sorted(slugs) for name, slugs in readers.items()}


async def declare_counter(definition: CounterDefinition, now: datetime) -> Counter:
    """Declare a counter; its name must be new, and at most MAX_COUNTERS exist."""
    async with catalogue_change(now):
        if await collections.counters().count_documents({}) >= MAX_COUNTERS:
            raise TooManyCounters(f"At most {MAX_COUNTERS} counters can be declared; delete one first.")
        return await insert_counter(definition, now)


async def insert_counter(definition: CounterDefinition, now: datetime) -> Counter:
    """Insert a counter's document, whole, from its model; CounterTaken when the name is declared already."""
    counter = Counter(id=DocumentId(), **definition.model_dump(), created_at=now, updated_at=now)
    if not await collections.insert_with_own_id(collections.counters(), as_stored(counter)):
        raise CounterTaken(f"A counter named {definition.name!r} is already declared.")
    return counter


async def list_counters() -> list[Counter]:
    return [Counter.model_validate(doc) async for doc in collections.counters().find({}).sort([("name", 1)])]


async def stored_counters() -> list[dict[str, Any]]:
    """Every declared counter as stored (seeding compares the files with them)."""
    return await collections.counters().find({}).to_list(None)


async def get_counter(name: str) -> Counter:
    counter = await collections.counters().find_one({"name": name})
    if counter is None:
        raise CounterNotFound(f"No counter named {name!r}.")
    return Counter.model_validate(counter)


async def patch_counter(name: str, texts: dict[str, Any], now: datetime) -> Counter:
    """Change a counter's texts (its name and kind never change)."""
    counter = await collections.counters().find_one_and_update(
        {"name": name}, {"$set": {**texts, "updated_at": now}}, return_document=True
    )
    if counter is None:
        raise CounterNotFound(f"No counter named {name!r}.")
    return Counter.model_validate(counter)


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
