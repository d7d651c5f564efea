"""Claims' Idempotency-Keys: a key reserved before anything else, and the outcome it replays.

With an Idempotency-Key the key is reserved (a unique insert) before the claim, so a key sent for
another user or reward is refused before it can claim. A retry finds the reservation: it replays
the remembered outcome, or, when the first attempt never recorded one, looks for the grant made
with that key before claiming, so a lost answer can never turn into a second grant. The language
the first attempt asked in is kept with the reservation, so a replay answers as it did.
"""

from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError
from rewards_contract.errors import RewardsApiError

from documents import IdempotencyRecord, as_stored
from service.db import collections
from service.engine.languages import LanguageChoice
from service.operations.retries import gave_up, retried


async def reserve(key: str, user_id: int, slug: str, now: datetime, language: LanguageChoice) -> dict[str, Any] | None:
    """Reserve the key for this (user, reward) and language; return the earlier reservation if there is one."""
    collection = collections.idempotency_records()
    record = as_stored(
        IdempotencyRecord(
            key=key, user_id=user_id, reward_slug=slug, language_ranges=list(language.ranges), created_at=now
        )
    )

    async def attempt() -> dict[str, Any] | None:
        try:
            await collection.insert_one(dict(record))  # a copy: the driver adds an _id to what it inserts
            return None
        except DuplicateKeyError:
            earlier = await collection.find_one({"key": key})
            if earlier is not None:
                return earlier
            # Released in between, or the other reservation is not visible to us yet: try again.
            raise gave_up("Reserving this Idempotency-Key") from None

    return await retried(attempt)


async def remember_grant(key: str, grant: dict[str, Any]) -> None:
    """Record the grant as the key's outcome (first outcome wins; all are the same grant)."""
    await collections.idempotency_records().update_one(
        {"key": key, "grant": None}, {"$set": {"grant": grant, "error_code": None, "error_message": None}}
    )


async def record_refusal(key: str, refusal: RewardsApiError) -> None:
    """Record a final refusal as the key's outcome, so a retry with the key answers it again."""
    await collections.idempotency_records().update_one(
        {"key": key, "grant": None, "error_code": None},
        {"$set": {"error_code": refusal.code, "error_message": refusal.message}},
    )


async def release(key: str) -> None:
    """Forget a reservation that has no outcome worth replaying."""
    await collections.idempotency_records().delete_one({"key": key, "grant": None, "error_code": None})


async def grant_made_with(user_id: int, key: str) -> dict[str, Any] | None:
    """The grant a claim with this key made, if any (its attempt recorded no outcome: its answer was lost)."""
    return await collections.grants().find_one({"user_id": user_id, "idempotency_key": key})


def first_language(reservation: dict[str, Any], language: LanguageChoice) -> LanguageChoice:
    """The language the key's first attempt asked for (a reservation made before it was kept: this request's)."""
    ranges = reservation.get("language_ranges")
    return language if ranges is None else LanguageChoice(tuple(ranges), language.default)
