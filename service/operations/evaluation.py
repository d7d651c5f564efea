"""Evaluate every active reward for one user, or a batch of users, and store the transitions in one bulk write.

Each transition is a guarded write that only applies if the stored state is still the one that
was evaluated, so concurrent evaluations of one user can never unlock a reward twice. Only the
request whose write changed a document reports that unlock; `unlocked_by` records which request
it was, so a replayed event can answer with the same unlocks.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.errors import BulkWriteError
from rewards_contract.enums import RewardStatus

from documents import UserReward, as_stored
from service.db import collections
from service.db.collections import DUPLICATE_KEY
from service.engine.catalogue import ActiveReward, ActiveRewards
from service.engine.feed_entries import expired_entry, unlocked_entry
from service.engine.standing import Standing
from service.engine.transitions import (
    RewardState,
    Transition,
    TransitionKind,
    evaluate,
    out_of_reach,
    unlocked,
)
from service.engine.views import Unlock

# What evaluation reads of a UserReward: enough for the state machine and the unlock report.
STATE_PROJECTION = {
    "reward_id": 1,
    "reward_slug": 1,
    "window_marks": 1,
    "status": 1,
    "unlocked_at": 1,
    "expires_at": 1,
    "claimed_at": 1,
    "claim_count": 1,
    "unlocked_by": 1,
    "unlock_inputs": 1,
}
# A user has at most one state per reward; MongoDB's default first batch is 101 documents, so a
# user with more states would cost a second round trip (getMore) without a larger batch.
STATES_BATCH_SIZE = 1000

States = dict[Any, dict[str, Any]]


def standing_of(facts: Mapping[str, Any] | None, states: States, now: datetime) -> Standing:
    """What the user's conditions read: their facts document, and the rewards their states say they claimed."""
    claimed = frozenset(
        doc["reward_slug"] for doc in states.values() if doc.get("claim_count") and "reward_slug" in doc
    )
    return Standing.of(facts, now, claimed)


async def read_states(user_id: int, projection: dict[str, int] = STATE_PROJECTION) -> States:
    """The user's stored reward states by reward id (one query, on the (user_id, status) index)."""
    cursor = collections.user_rewards().find({"user_id": user_id}, projection, batch_size=STATES_BATCH_SIZE)
    return {doc["reward_id"]: doc async for doc in cursor}


async def read_states_of(user_ids: Sequence[int]) -> dict[int, States]:
    """The stored reward states of several users, by user id then reward id (one query)."""
    cursor = collections.user_rewards().find(
        {"user_id": {"$in": list(user_ids)}}, {**STATE_PROJECTION, "user_id": 1}, batch_size=STATES_BATCH_SIZE
    )
    states: dict[int, States] = {}
    async for doc in cursor:
        states.setdefault(doc["user_id"], {})[doc["reward_id"]] = doc
    return states


def _write_for(
    user_id: int,
    reward: ActiveReward,
    transition: Transition,
    stored: dict[str, Any] | None,
    marker: str,
    now: datetime,
) -> UpdateOne:
    """The guarded write that stores one transition."""
    new = transition.state
    if stored is None:
        # First unlock: an upsert on the unique (user_id, reward_id) pair. If another request
        # inserted it first, this matches that document and $setOnInsert changes nothing.
        first = UserReward(
            user_id=user_id,
            reward_id=reward.id,
            reward_slug=reward.slug,
            status=new.status,
            unlocked_at=new.unlocked_at,
            expires_at=new.expires_at,
            unlocked_by=marker,
            unlock_inputs=dict(new.unlock_inputs or {}),
            reminded=False,
            feed_outbox=[unlocked_entry(user_id, reward.slug, *new.claim_window(), 0)],
            created_at=now,
            updated_at=now,
        )
        return UpdateOne({"user_id": user_id, "reward_id": reward.id}, {"$setOnInsert": as_stored(first)}, upsert=True)
    previous = transition.previous
    # The guard: the document must still hold the state this evaluation started from.
    guard = {
        "_id": stored["_id"],
        "status": str(previous.status),
        "unlocked_at": previous.unlocked_at,
        "claim_count": previous.claim_count,
    }
    changes: dict[str, Any] = {"status": str(new.status), "updated_at": now}
    if transition.kind is TransitionKind.UNLOCK:
        changes |= {
            "unlocked_at": new.unlocked_at,
            "expires_at": new.expires_at,
            "unlocked_by": marker,
            "unlock_inputs": dict(new.unlock_inputs or {}),
            "reminded": False,
        }
        entry = unlocked_entry(user_id, reward.slug, *new.claim_window(), new.claim_count)
    else:  # the window closed unclaimed, noticed by this evaluation
        entry = expired_entry(user_id, reward.slug, previous.unlocked_at, previous.window_end())
    # The feed entry rides on the guarded write: stored if and only if the transition is.
    return UpdateOne(guard, {"$set": changes, "$push": {"feed_outbox": entry}})


@dataclass(frozen=True)
class PlannedUnlock:
    """An unlock some write of the plan will store, if its guard still holds."""

    write_index: int
    user_id: int
    reward: ActiveReward
    transition: Transition


@dataclass
class EvaluationPlan:
    """The writes that store every due transition of one or more users, to send as one bulk write."""

    marker: str
    now: datetime
    writes: list[UpdateOne] = field(default_factory=list)
    upserts: set[int] = field(default_factory=set)
    unlocks: list[PlannedUnlock] = field(default_factory=list)
    # Users with an expiry among the writes (their feed entries wait in the outbox too).
    expiring_users: set[int] = field(default_factory=set)

    def add_user(
        self, user_id: int, standing: Standing, rewards: Iterable[ActiveReward], states: States
    ) -> list[Unlock]:
        """Plan the user's transitions; return the unlocks this marker already made (a replay)."""
        replayed: list[Unlock] = []
        for reward in rewards:
            stored = states.get(reward.id)
            if stored is None and out_of_reach(reward.rules, standing):
                continue  # still locked: what most rewards are for most users, decided cheaply
            if stored is not None and stored.get("unlocked_by") == self.marker:
                # This very event already unlocked it (a replay): report it again, change nothing.
                replayed.append(Unlock(reward, stored["unlocked_at"], stored["expires_at"], fresh=False))
                continue
            transition = evaluate(reward.rules, standing, RewardState.from_mapping(stored), self.now)
            if transition is None:
                continue
            index = len(self.writes)
            if transition.kind is TransitionKind.UNLOCK:
                self.unlocks.append(PlannedUnlock(index, user_id, reward, transition))
            else:
                self.expiring_users.add(user_id)
            if stored is None:
                self.upserts.add(index)
            self.writes.append(_write_for(user_id, reward, transition, stored, self.marker, self.now))
        return replayed

    def add_award(self, user_id: int, reward: ActiveReward, stored: dict[str, Any] | None) -> None:
        """Plan the unlock a leaderboard's closing gives, whatever the conditions say.

        A reward the user still holds unlocked (an earlier run's prize not claimed yet) is left as it
        is: the caller tries again later, once it was claimed or expired.
        """
        state = RewardState.from_mapping(stored)
        if state.status is RewardStatus.UNLOCKED:
            return
        transition = Transition(TransitionKind.UNLOCK, state, unlocked(reward.rules, Standing(), state, self.now))
        index = len(self.writes)
        self.unlocks.append(PlannedUnlock(index, user_id, reward, transition))
        if stored is None:
            self.upserts.add(index)
        self.writes.append(_write_for(user_id, reward, transition, stored, self.marker, self.now))

    async def apply(self) -> list[PlannedUnlock]:
        """Send the writes in one bulk write; return the unlocks this plan made."""
        if not self.writes:
            return []
        applied = await _bulk_write(self.writes, self.upserts)
        uncertain = [u for u in self.unlocks if applied.get(u.write_index) is None]
        confirmed = [u for u in self.unlocks if applied.get(u.write_index)]
        if uncertain:
            confirmed += await _confirm_unlocks(uncertain, self.marker)
        return confirmed


async def evaluate_user(
    user_id: int,
    facts: Mapping[str, Any] | None,
    rewards: ActiveRewards | Sequence[ActiveReward],
    marker: str,
    now: datetime,
    states: States | None = None,
) -> list[Unlock]:
    """Apply every due transition for the user; return the unlocks made by `marker`.

    `rewards`: the whole active catalogue, of which only the rewards within the user's reach are
    looked at (`ActiveRewards.within_reach`), or the few a caller chose.

    Round trips: one read of the user's states (none when `states` are given), and at most one bulk
    write (plus one re-read only when a concurrent request changed some of the same documents in between).
    """
    plan = EvaluationPlan(marker, now)
    states = await read_states(user_id) if states is None else states
    standing = standing_of(facts, states, now)
    if isinstance(rewards, ActiveRewards):
        rewards = rewards.within_reach(standing, states.keys())
    reported = plan.add_user(user_id, standing, rewards, states)
    made = await plan.apply()
    return reported + [Unlock(u.reward, *u.transition.state.claim_window()) for u in made]


async def evaluate_users(
    users: Sequence[tuple[int, Mapping[str, Any]]],
    rewards: Sequence[ActiveReward],
    marker: str,
    now: datetime,
    dry_run: bool = False,
) -> list[PlannedUnlock]:
    """Evaluate a batch of users (their facts documents) with one states read and one bulk write; return the unlocks.

    With `dry_run` nothing is written and the unlocks returned are those that would be made.
    """
    states = await read_states_of([user_id for user_id, _ in users])
    plan = EvaluationPlan(marker, now)
    for user_id, facts in users:
        user_states = states.get(user_id, {})
        plan.add_user(user_id, standing_of(facts, user_states, now), rewards, user_states)
    return plan.unlocks if dry_run else await plan.apply()


async def _bulk_write(writes: list[UpdateOne], upserts: set[int]) -> dict[int, bool | None]:
    """Run the writes unordered; per write: True applied, False not applied, None unknown.

    A bulk result only counts modified documents, so when some guarded updates did not apply the
    caller re-reads to find out which. Upserts are known exactly from their reported indexes.
    """
    collection = collections.user_rewards()
    try:
        result = await collection.bulk_write(writes, ordered=False)
        upserted = set(result.upserted_ids or {})
        modified = result.modified_count
        failed: set[int] = set()
    except BulkWriteError as error:
        details = error.details
        if any(e.get("code") != DUPLICATE_KEY for e in details.get("writeErrors", [])):
            raise
        # Two first unlocks raced on the unique (user_id, reward_id) index: the other one won.
        upserted = {item["index"] for item in details.get("upserted", [])}
        modified = details.get("nModified", 0)
        failed = {e["index"] for e in details.get("writeErrors", [])}
    all_guarded_applied = modified == len(writes) - len(upserts)
    return {
        index: (index in upserted and index not in failed)
        if index in upserts
        else (True if all_guarded_applied else None)
        for index in range(len(writes))
    }


async def _confirm_unlocks(uncertain: list[PlannedUnlock], marker: str) -> list[PlannedUnlock]:
    """Which of these unlocks did this plan make? Those whose document carries its marker."""
    cursor = collections.user_rewards().find(
        {
            "user_id": {"$in": list({u.user_id for u in uncertain})},
            "reward_id": {"$in": list({u.reward.id for u in uncertain})},
            "unlocked_by": marker,
            "status": str(RewardStatus.UNLOCKED),
        },
        {"user_id": 1, "reward_id": 1},
    )
    mine = {(doc["user_id"], doc["reward_id"]) async for doc in cursor}
    return [u for u in uncertain if (u.user_id, u.reward.id) in mine]


async def give_awards(awards: Sequence[tuple[int, ActiveReward]], marker: str, now: datetime) -> set[tuple[int, Any]]:
    """Unlock each (user, reward) once for `marker` (a closed run); answer the pairs it has unlocked, now or before.

    Round trips: one read of those states, and at most one bulk write (plus a re-read after a race).
    A pair left out waits: the user holds that reward unlocked from an earlier run, or a concurrent
    closing of the same run is writing it (the next pass finds its marker).
    """
    states = (
        await collections.user_rewards()
        .find(
            {
                "user_id": {"$in": list({user for user, _ in awards})},
                "reward_id": {"$in": list({r.id for _, r in awards})},
            },
            STATE_PROJECTION | {"user_id": 1},
        )
        .to_list(None)
    )
    stored = {(doc["user_id"], doc["reward_id"]): doc for doc in states}
    given: set[tuple[int, Any]] = set()
    plan = EvaluationPlan(marker, now)
    for user_id, reward in awards:
        found = stored.get((user_id, reward.id))
        if found is not None and found.get("unlocked_by") == marker:
            given.add((user_id, reward.id))
        else:
            plan.add_award(user_id, reward, found)
    given |= {(made.user_id, made.reward.id) for made in await plan.apply()}
    return given
