"""The admin console's sessions: started, found, seen again and ended, by the hash of their id."""

from datetime import datetime

from documents import ConsoleSession, as_stored
from service.db import collections


async def start_session(session: ConsoleSession) -> None:
    """Store a new session (its id is new and random: no other document holds it)."""
    await collections.console_sessions().insert_one(as_stored(session))


async def find_session(id_hash: str) -> ConsoleSession | None:
    """The stored session of this id hash, or None when it ended (signed out, or removed once timed out)."""
    found = await collections.console_sessions().find_one({"_id": id_hash})
    return ConsoleSession.model_validate(found) if found is not None else None


async def see_session(id_hash: str, now: datetime, expires_at: datetime) -> None:
    """Move the session's `last_seen` (and the clean-up's `expires_at`) forward, never back.

    Not an upsert: a session ended meanwhile stays ended.
    """
    await collections.console_sessions().update_one(
        {"_id": id_hash}, {"$max": {"last_seen": now, "expires_at": expires_at}}
    )


async def end_session(id_hash: str) -> None:
    await collections.console_sessions().delete_one({"_id": id_hash})


async def end_every_session() -> int:
    """End every console session (all admins, every browser); how many there were.

    A whole-collection delete on purpose: sessions are the admins' sign-ins of the last hours, a handful.
    """
    deleted = await collections.console_sessions().delete_many({})
    return int(deleted.deleted_count)
