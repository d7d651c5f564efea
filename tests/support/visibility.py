"""Collections that behave as a real server may under a race: a concurrent insert not visible yet.

mongomock shows every write at once; these wrappers put the other behaviours MongoDB allows in
front of a real collection, so the same tests pin them down on both test passes.
"""

from typing import Any

from pymongo.errors import DuplicateKeyError


class WinnerNotVisibleYet:
    """A collection on which a concurrent request's insert won the unique index but is not readable yet.

    While the winner is hidden, an upsert or insert runs `winner` once (the other request's write,
    which really lands), then fails with the DuplicateKeyError the loser would see; reads and plain
    updates match nothing, and each of them uses up one of the `hidden` misses.
    """

    def __init__(self, real: Any, winner: Any, hidden: int) -> None:
        self.real, self.winner, self.hidden = real, winner, hidden
        self.winner_written = False

    async def _lose(self) -> None:
        if not self.winner_written:
            await self.winner(self.real)
            self.winner_written = True
        raise DuplicateKeyError("E11000 duplicate key (simulated: the winner is not visible yet)")

    async def find_one_and_update(self, query: dict, update: dict, **options: Any) -> Any:
        if self.hidden > 0:
            if options.get("upsert"):
                await self._lose()
            self.hidden -= 1
            return None  # an update that cannot see the winner matches nothing
        return await self.real.find_one_and_update(query, update, **options)

    async def insert_one(self, document: dict, **options: Any) -> Any:
        if self.hidden > 0:
            await self._lose()
        return await self.real.insert_one(document, **options)

    async def find_one(self, *args: Any, **kwargs: Any) -> Any:
        if self.hidden > 0:
            self.hidden -= 1
            return None
        return await self.real.find_one(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


class UpsertAnswersNothingOnce:
    """A collection whose first upsert applies the change but answers no document.

    MongoDB's contract says an upsert always answers one; a server that meets a concurrent insert
    in the middle of the write may still answer none. Retrying must not count the change twice.
    """

    def __init__(self, real: Any) -> None:
        self.real, self.spent = real, False

    async def find_one_and_update(self, query: dict, update: dict, **options: Any) -> Any:
        after = await self.real.find_one_and_update(query, update, **options)
        if options.get("upsert") and not self.spent:
            self.spent = True
            return None
        return after

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)
