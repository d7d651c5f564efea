"""The console's secret kept in the database: written once, by whichever instance comes first, then read by all."""

from datetime import datetime

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from documents import CONSOLE_SECRET_ID, ConsoleSecret, as_stored
from service.db import collections
from service.operations.retries import gave_up, retried


async def stored_console_secret(candidate: str, now: datetime) -> str:
    """The stored secret; `candidate` becomes it when none is stored yet.

    One upsert that only inserts (`$setOnInsert`): instances starting together all answer the
    secret of the one whose insert won. The loser of a concurrent insert gets a DuplicateKeyError,
    or no document at all, and tries again: the winner's document may become readable a moment
    after its key.
    """
    fields = as_stored(ConsoleSecret(secret=candidate, created_at=now), exclude={"id"})

    async def attempt() -> str:
        try:
            stored = await collections.console_secret().find_one_and_update(
                {"_id": CONSOLE_SECRET_ID},
                {"$setOnInsert": fields},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            raise gave_up("Storing the console's secret") from None
        if stored is None:  # an upsert answers a document by MongoDB's contract; a server mid-race may answer none
            raise gave_up("Storing the console's secret")
        return str(stored["secret"])

    return await retried(attempt)
