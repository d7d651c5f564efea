"""The feed entry each state change records (pure): its stable id, type, and data.

An entry's id is derived from the change it records, so whoever writes or repeats the copy of a
change (a retry, the relay after a crash) names the same entry, and the feed's unique index keeps
one. The entries ride on the change's own write (`feed_outbox`), see documents/feed.py.
"""

from datetime import datetime
from typing import Any

from rewards_contract.feed import Cursor, FeedEntryType

# The grant fields the feed shows (the grants endpoint's, without the texts of the caller's language).
GRANT_FIELDS = (
    "grant_id",
    "user_id",
    "kind",
    "reverses",
    "reward_type",
    "reward_value",
    "claim_number",
    "claimed_at",
    "delivered_at",
    "revoked_at",
    "revoked_reason",
    "reason",
)


def cursor_of(seq: int) -> Cursor:
    """A follower's cursor after the entry numbered `seq`: the number as decimal digits (the contract's Cursor)."""
    return str(seq)


def seq_of(cursor: Cursor) -> int:
    """The entry number a cursor stands for (its pattern was checked where it came in)."""
    return int(cursor)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _entry(
    entry_id: str, type_: FeedEntryType, user_id: int, slug: str | None, at: datetime, data: dict[str, Any]
) -> dict[str, Any]:
    return {"entry_id": entry_id, "type": str(type_), "user_id": user_id, "reward_slug": slug, "at": at, "data": data}


def closed_entry(
    board: str,
    run: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    standings: list[dict[str, Any]],
    at: datetime,
) -> dict[str, Any]:
    """A leaderboard's run closed: the community's entry, with the final standings as far as a prize reaches.

    The prizes are left out: each winner's comes as their own `reward_unlocked`, so a secret prize
    is never named before its winner has it.
    """
    data = {
        "board": board,
        "run": run,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "standings": [{key: placed[key] for key in ("rank", "user_id", "score")} for placed in standings],
    }
    return {
        "entry_id": f"leaderboard:{board}:{run}:closed",
        "type": str(FeedEntryType.LEADERBOARD_CLOSED),
        "at": at,
        "data": data,
    }


def goal_reached_entry(goal: str, target: int, total: int, at: datetime) -> dict[str, Any]:
    """A community goal reached its target: the community's entry, once per goal."""
    return {
        "entry_id": f"goal:{goal}:reached",
        "type": str(FeedEntryType.GOAL_REACHED),
        "user_id": None,
        "reward_slug": None,
        "at": at,
        "data": {"goal": goal, "target": target, "total": total},
    }


def unlocked_entry(
    user_id: int, slug: str, unlocked_at: datetime, expires_at: datetime, claim_count: int
) -> dict[str, Any]:
    """One per unlock: a repeatable reward's later unlocks differ by their claim count and time."""
    return _entry(
        f"{user_id}:{slug}:unlocked:{claim_count}:{_ms(unlocked_at)}",
        FeedEntryType.REWARD_UNLOCKED,
        user_id,
        slug,
        unlocked_at,
        {"unlocked_at": unlocked_at, "expires_at": expires_at},
    )


# An unlock's window is named by its end: every unlock sets a new `expires_at`.


def expiring_entry(
    user_id: int, slug: str, unlocked_at: datetime | None, expires_at: datetime, now: datetime
) -> dict[str, Any]:
    """The reminder of one unlock's closing claim window."""
    return _entry(
        f"{user_id}:{slug}:expiring:{_ms(expires_at)}",
        FeedEntryType.REWARD_EXPIRING,
        user_id,
        slug,
        now,
        {"unlocked_at": unlocked_at, "expires_at": expires_at},
    )


def expired_entry(user_id: int, slug: str, unlocked_at: datetime | None, expires_at: datetime) -> dict[str, Any]:
    """One unlock's claim window closed unclaimed; `at` is the window's end, whenever it was noticed."""
    return _entry(
        f"{user_id}:{slug}:expired:{_ms(expires_at)}",
        FeedEntryType.REWARD_EXPIRED,
        user_id,
        slug,
        expires_at,
        {"unlocked_at": unlocked_at, "expires_at": expires_at},
    )


def grant_view_data(grant: dict[str, Any]) -> dict[str, Any]:
    """A ledger record as the feed shows it (missing fields of older records read as the API reads them)."""
    data = {name: grant.get(name) for name in GRANT_FIELDS}
    data["kind"] = data["kind"] or "grant"
    data["reward"] = grant["reward_slug"]
    return data


def _grant_entry_id(type_: FeedEntryType, grant_id: str) -> str:
    return f"{type_}:{grant_id}"


def grant_entry(type_: FeedEntryType, grant: dict[str, Any], at: datetime) -> dict[str, Any]:
    """grant_created or grant_revoked (the reversal): one per ledger record and type."""
    return _entry(
        _grant_entry_id(type_, grant["grant_id"]),
        type_,
        grant["user_id"],
        grant["reward_slug"],
        at,
        grant_view_data(grant),
    )


def acked_entry(user_id: int, grant_id: str, at: datetime) -> dict[str, Any]:
    """grant_acked, one per ledger record. It holds only what changed (no slug): the acknowledgement's
    update does not read the record, so the relay completes the entry from it (feed_relay.py)."""
    return _entry(
        _grant_entry_id(FeedEntryType.GRANT_ACKED, grant_id),
        FeedEntryType.GRANT_ACKED,
        user_id,
        None,
        at,
        {"delivered_at": at},
    )
