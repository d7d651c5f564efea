"""The console's sign-in attempts per client address: read, counted one at a time, cleared by a success.

An attempt is counted by a conditional write on the count that was read (`tries`, `last_at`): of
concurrent attempts from one address, on any instance, one write wins and the others read again.
"""

from pymongo.errors import DuplicateKeyError

from documents import SignInAttempts, as_stored
from service.db import collections


async def attempts_of(address: str) -> SignInAttempts | None:
    """The address's attempts since its last success, as stored (None: none, or cleared)."""
    found = await collections.sign_in_attempts().find_one({"_id": address})
    return SignInAttempts.model_validate(found) if found is not None else None


async def count_attempt(seen: SignInAttempts | None, counted: SignInAttempts) -> bool:
    """Store `counted` in place of `seen` (what was read); False when another attempt changed it first."""
    if seen is None:
        try:
            await collections.sign_in_attempts().insert_one(as_stored(counted))
        except DuplicateKeyError:  # another attempt from the address was counted first
            return False
        return True
    updated = await collections.sign_in_attempts().update_one(
        {"_id": seen.id, "tries": seen.tries, "last_at": seen.last_at},
        {"$set": as_stored(counted, exclude={"id"})},
    )
    return updated.matched_count == 1


async def clear_attempts(address: str) -> None:
    """Forget the address's attempts: it signed in."""
    await collections.sign_in_attempts().delete_one({"_id": address})
