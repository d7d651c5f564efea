"""Every query the service sends is served by an index, so a request's cost stays flat as users grow.

On a real MongoDB wire server (MONGODB_URL set) a PyMongo command listener records the filter of
every command the service sends to this test's database while a workload drives every path that
reads or writes: the API, the expiry sweep with grant recovery, seeding (also with prune),
re-evaluation and the rarity refresh. Each filter must be served by one of its collection's indexes, as the server lists
them at the end, by the prefix rule mongod's planner follows (`index_serving`). SecantusDB's own
`explain` is not the judge: its planner differs from mongod's (it picks a collection scan for the
claim's own filter).

Exempt on purpose: the analysts' example queries (service/analytics/queries.py). They are offline reports
over whole collections, part of no request, sweep, seed or re-evaluation, so they are not driven
here.

The judge's table tests are pure and run on every database; the workload needs a real server,
because mongomock never goes through PyMongo's command monitoring.
"""

import functools
import json
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId
from bson.regex import Regex
from pymongo import monitoring
from rewards_catalog import SHIPPED_CATALOG
from rewards_scripts import reevaluate as reevaluate_command
from rewards_scripts import seed as seed_command

from service.db import collections
from service.db.connection import MODELS
from service.engine.catalogue import ActiveReward
from service.http.keys import RUNTIME, SETTINGS
from service.jobs.rarity_refresh import refresh_rarity
from service.operations import claims
from service.operations.evaluation import EvaluationPlan, read_states, standing_of
from service.operations.expiry import STALE_GRANT_AGE, sweep
from service.operations.reevaluation import count_users, preview_unlocks
from service.operations.rewards import get_reward
from service.operations.user_rewards import read_facts
from service.usecases.closings import close_runs
from service.usecases.goals import relay_goals
from service.usecases.reevaluation import reevaluate
from service.usecases.seeding import seed_catalog
from tests.support.api import (
    board_with_a_prize,
    claim,
    create_reward,
    declare_counter,
    goal_with_a_reward,
    grants,
    send_event,
    set_facts,
    user_rewards,
)
from tests.support.console import sign_in, submit
from tests.support.environment import ADMIN, BOT, REAL_MONGODB_URL, make_settings
from tests.support.factories import reward_payload
from tests.support.feed import feed_page, follow_to_the_end, relay_all
from tests.support.reward_files import write_rewards
from tests.support.stored import collection_name
from tests.support.webhooks import sender_writes

# --- the judge: which index serves a filter (pure) ------------------------------------------------

# One document of `listIndexes`: `name`, `key` (field -> direction, in order), `partialFilterExpression`...
Index = Mapping[str, Any]

RANGE_OPERATORS = frozenset({"$gt", "$gte", "$lt", "$lte"})


class Use(Enum):
    """How a filter bounds one field, as far as an index on that field is concerned."""

    EQUALITY = 3  # points of the index: a value, $eq, $in (mongod scans $in as point ranges)
    RANGE = 2  # one interval: $gt, $gte, $lt, $lte
    OTHER = 1  # no useful bounds: $ne, $nin, $exists, $not, a regex...


def condition_use(condition: Any) -> Use:
    """How one condition (a filter's value for a field) bounds that field."""
    if isinstance(condition, (re.Pattern, Regex)):
        return Use.OTHER
    if not isinstance(condition, Mapping) or not any(str(key).startswith("$") for key in condition):
        return Use.EQUALITY  # a value, or an embedded document matched whole
    if "$eq" in condition or "$in" in condition:
        return Use.EQUALITY
    if RANGE_OPERATORS & condition.keys():
        return Use.RANGE
    return Use.OTHER


def field_conditions(filter: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Each field's conditions, with top-level `$and` clauses merged in."""
    conditions: dict[str, list[Any]] = defaultdict(list)
    for key, value in filter.items():
        if key == "$and":
            for clause in value:
                for field, more in field_conditions(clause).items():
                    conditions[field].extend(more)
        else:
            conditions[key].append(value)
    return dict(conditions)


def index_serving(filter: Mapping[str, Any], indexes: Sequence[Index]) -> str | None:
    """The index that serves this filter by mongod's prefix rule; None when it would scan a whole collection.

    An index serves a filter when its leading field is an equality match in the filter, or a range
    when that field is the only one in the filter. That is the issue's rule, kept strict on purpose:
    mongod would also walk a range on the leading field next to other fields, but then those fields
    are checked on every document of the range, which grows with history (`status: unlocked,
    expires_at <= now` on an `expires_at` index reads every window that ever closed). A partial index
    counts only when the filter implies its `partialFilterExpression`. A top-level `$or` is served
    when every branch (with the rest of the filter) is. Of several serving indexes, the one whose key
    prefix the filter pins longest is named.
    """
    rest = {key: value for key, value in filter.items() if key != "$or"}
    served = _best_index(field_conditions(rest), indexes)
    if served is not None or "$or" not in filter:
        return served
    branches = [index_serving({"$and": [rest, branch]}, indexes) for branch in filter["$or"]]
    if branches and all(branches):
        return "$or: " + ", ".join(dict.fromkeys(name for name in branches if name))
    return None


def _best_index(conditions: Mapping[str, list[Any]], indexes: Sequence[Index]) -> str | None:
    uses = {
        field: max((condition_use(c) for c in found), key=lambda use: use.value) for field, found in conditions.items()
    }
    best, best_score = None, (0, 0, 0)
    for index in indexes:
        key = index["key"]
        if not all(isinstance(direction, (int, float)) for direction in key.values()):
            continue  # hashed, text and geo indexes follow other rules (the service has none)
        if not _implies(conditions, index.get("partialFilterExpression") or {}):
            continue
        fields = list(key)
        leading = uses.get(fields[0])
        if leading is Use.EQUALITY or (leading is Use.RANGE and len(conditions) == 1):
            score = _score(fields, uses, unique=bool(index.get("unique")) or index["name"] == "_id_")
            if score > best_score:
                best, best_score = index["name"], score
    return best


def _score(fields: list[str], uses: Mapping[str, Use], unique: bool) -> tuple[int, int, int]:
    """How tightly the filter bounds an index: a unique point lookup, then leading equalities, then a range."""
    equalities = 0
    for field in fields:
        if uses.get(field) is not Use.EQUALITY:
            break
        equalities += 1
    ranged = equalities < len(fields) and uses.get(fields[equalities]) is Use.RANGE
    return int(unique and equalities == len(fields)), equalities, int(ranged)


def _equality_values(condition: Any) -> list[Any] | None:
    if condition_use(condition) is not Use.EQUALITY:
        return None
    if isinstance(condition, Mapping) and "$in" in condition:
        return list(condition["$in"])
    if isinstance(condition, Mapping) and "$eq" in condition:
        return [condition["$eq"]]
    return [condition]


def _implies(conditions: Mapping[str, list[Any]], partial: Mapping[str, Any]) -> bool:
    """Whether every document the filter matches is in a partial index with this filter expression."""
    return all(
        any(_condition_implies(c, required) for c in conditions.get(field, ())) for field, required in partial.items()
    )


def _condition_implies(condition: Any, required: Any) -> bool:
    """The implications mongod draws that the service's partial indexes need; anything else: not implied."""
    values = _equality_values(condition)
    if isinstance(required, Mapping) and set(required) == {"$exists"} and required["$exists"]:
        if values is not None:
            return None not in values
        if not isinstance(condition, Mapping):
            return False
        # A comparison with a value matches no document missing the field.
        bounds = RANGE_OPERATORS & condition.keys()
        return condition.get("$exists") is True or any(condition[op] is not None for op in bounds)
    if isinstance(required, Mapping) and set(required) == {"$type"}:
        python_type = {"string": str}.get(required["$type"])
        return values is not None and python_type is not None and all(isinstance(v, python_type) for v in values)
    return values == [required]


# --- recording what the service sends -------------------------------------------------------------

# The test's own reads of the data carry this comment, and the recorder skips them.
INSPECTION = "test_index_usage: inspection"

_FILTER_FIELD = {"find": "filter", "findAndModify": "query", "count": "query", "distinct": "query"}
_STATEMENTS = {"update": "updates", "delete": "deletes"}


def command_filters(name: str, command: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any] | None]]:
    """(collection, filter) for each filter a command carries; None for a pipeline with no leading `$match`."""
    collection = command.get(name)
    if not isinstance(collection, str):
        return []  # a database-level command (aggregate: 1)
    if name in _FILTER_FIELD:
        return [(collection, command.get(_FILTER_FIELD[name]) or {})]
    if name in _STATEMENTS:
        return [(collection, statement["q"]) for statement in command[_STATEMENTS[name]]]
    if name == "aggregate":
        pipeline = command.get("pipeline") or [{}]
        return [(collection, pipeline[0].get("$match"))]
    return []


def shape(value: Any) -> Any:
    """The filter with each value replaced by its type name: what distinct queries are grouped by."""
    if isinstance(value, Mapping):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value[:1]]
    return None if value is None else type(value).__name__


@dataclass(frozen=True)
class SentFilter:
    phase: str
    collection: str
    command: str
    filter: Mapping[str, Any] | None

    def describe(self) -> str:
        if self.filter is None:
            return f"{self.collection} {self.command}: pipeline without a leading $match"
        return f"{self.collection} {self.command} {json.dumps(shape(self.filter))}"


class FilterRecorder(monitoring.CommandListener):
    """Every filter sent to one database, with the workload phase it was sent in.

    A registered listener cannot be unregistered: between tests it idles (no database to watch).
    Motor runs commands on its threads, where no context variable of the test reaches: the phase is
    a plain attribute, exact because the workload awaits each step before naming the next.
    """

    def __init__(self) -> None:
        self.database: str | None = None
        self.phase = ""
        self.sent: list[SentFilter] = []

    def start(self, database: str, phase: str) -> None:
        self.database, self.phase, self.sent = database, phase, []

    def stop(self) -> None:
        self.database = None

    @contextmanager
    def during(self, phase: str) -> Iterator[None]:
        self.phase = phase
        try:
            yield
        finally:
            self.phase = "between phases"

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.database_name != self.database or event.command.get("comment") == INSPECTION:
            return
        for collection, filter in command_filters(event.command_name, event.command):
            self.sent.append(SentFilter(self.phase, collection, event.command_name, filter))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@functools.cache
def _recorder() -> FilterRecorder:
    """The one listener, registered on first use: clients created afterwards report to it."""
    recorder = FilterRecorder()
    monitoring.register(recorder)
    return recorder


# --- deliberate whole-collection reads --------------------------------------------------------------

STARTUP = "start-up: seeding and the first rarity board"
SEEDING = "seeding"
ADMIN_LISTS_EVERY_REWARD = "admin lists every reward"
ADMIN_PAGES_EVERY_REWARD = "an admin pages through every reward"
CONSOLE_CATALOGUE = "the console's catalogue pages"
RARITY_REFRESH = "rarity refresh"
SIGN_OUT_EVERYWHERE = "the console's sign out everywhere"

CATALOGUE_READ = ("rewards", "find")
# The rarity computation reads every user's states (one `$group` aggregation, no `$match`) and counts
# the users with facts; the board reads one small document per reward. They run in the background,
# at most once per REWARDS_RARITY_SECONDS across all instances and once at start-up, never in a
# request: a full read is what they are, and no index would make it cheaper.
RARITY_READS = frozenset({("user_rewards", "aggregate"), ("user_facts", "aggregate"), ("reward_rarity", "find")})

# The only reads allowed to scan: an empty filter (or a pipeline without `$match`), from this phase,
# on one of these (collection, command). The catalogue reads stay tens of documents however many
# users there are; the rarity reads are explained above; one delete is whole on purpose (signing every
# admin out). Any other one, or one from another phase, fails.
DELIBERATE_FULL_READS: dict[str, frozenset[tuple[str, str]]] = {
    # GET /v1/rewards?all=true: the admin asked for every reward, active or not.
    ADMIN_LISTS_EVERY_REWARD: frozenset({CATALOGUE_READ}),
    # GET /v1/rewards?all=true&limit=: the first page has no cursor, so no filter; it is sorted on the
    # display_order index and limited, so the index hands the page in order and the read stops there.
    ADMIN_PAGES_EVERY_REWARD: frozenset({CATALOGUE_READ}),
    # The console's catalogue filters, searches and sorts every reward by a few of its fields (one
    # projected read), then reads its page's rewards by slug and their editions by id.
    CONSOLE_CATALOGUE: frozenset({CATALOGUE_READ}),
    # The seed plan compares the files with every stored reward (prune deactivates those missing);
    # start-up also computes the first rarity board of a new deployment.
    STARTUP: frozenset({CATALOGUE_READ}) | RARITY_READS,
    SEEDING: frozenset({CATALOGUE_READ}),
    RARITY_REFRESH: RARITY_READS,
    # Ends every console session: the admins' sign-ins of the last hours, a handful of documents.
    SIGN_OUT_EVERYWHERE: frozenset({("console_sessions", "delete")}),
}


# Whole reads allowed from any phase: the declared counters are at most MAX_COUNTERS (200) documents,
# read whole with the catalogue (and counted before a new one is declared); the leaderboards are at
# most MAX_LEADERBOARDS (100) and the goals MAX_GOALS (100), listed whole and counted alike.
BOUNDED_FULL_READS = frozenset(
    {
        ("counters", "find"),
        ("counters", "aggregate"),
        ("leaderboards", "find"),
        ("leaderboards", "aggregate"),
        ("community_goals", "find"),
        ("community_goals", "aggregate"),
    }
)


def is_deliberate_full_read(sent: SentFilter) -> bool:
    if sent.filter not in ({}, None):
        return False
    kind = (sent.collection, sent.command)
    return kind in BOUNDED_FULL_READS or kind in DELIBERATE_FULL_READS.get(sent.phase, ())


# --- the judge's table tests (pure: they run on every database) -----------------------------------

NOW = datetime(2025, 1, 1, tzinfo=UTC)
INDEXES: list[Index] = [
    {"name": "_id_", "key": {"_id": 1}},
    {"name": "user_reward_unique", "key": {"user_id": 1, "reward_id": 1}, "unique": True},
    {"name": "user_status", "key": {"user_id": 1, "status": 1}},
    {"name": "expires_at", "key": {"expires_at": 1}},
    {"name": "delivered_at", "key": {"delivered_at": -1}},
    {
        "name": "pending_grant",
        "key": {"pending_grant.claimed_at": 1},
        "partialFilterExpression": {"pending_grant.claimed_at": {"$exists": True}},
    },
    {"name": "key_typed", "key": {"key": 1}, "partialFilterExpression": {"key": {"$type": "string"}}},
    {"name": "slug_hashed", "key": {"slug": "hashed"}},
]


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        ({"_id": ObjectId()}, "_id_"),
        ({"user_id": 7}, "user_reward_unique"),
        ({"user_id": {"$eq": 7}}, "user_reward_unique"),
        ({"user_id": {"$in": [7, 8]}}, "user_reward_unique"),
        ({"user_id": 7, "status": "unlocked"}, "user_status"),
        ({"_id": ObjectId(), "user_id": 7, "status": "unlocked"}, "_id_"),
        ({"user_id": 7, "expires_at": {"$gt": NOW}}, "user_reward_unique"),
        (
            {"user_id": 7, "reward_id": ObjectId(), "status": "unlocked", "expires_at": {"$gt": NOW}},
            "user_reward_unique",
        ),
        ({"user_id": 7, "recent_event_ids": {"$ne": "e-1"}}, "user_reward_unique"),
        ({"expires_at": {"$lte": NOW}}, "expires_at"),
        ({"expires_at": {"$gt": NOW, "$lte": NOW}}, "expires_at"),
        ({"delivered_at": None}, "delivered_at"),
        ({"$and": [{"user_id": 7}, {"status": "claimed"}]}, "user_status"),
        ({"$or": [{"user_id": 7}, {"expires_at": {"$lte": NOW}}]}, "$or: user_reward_unique, expires_at"),
        ({"pending_grant.claimed_at": {"$exists": True, "$lte": NOW}}, "pending_grant"),
        ({"pending_grant.claimed_at": NOW}, "pending_grant"),
        ({"key": "k-1"}, "key_typed"),
    ],
)
def test_index_serving_finds_the_index_of_a_served_filter(filter: dict, expected: str) -> None:
    assert index_serving(filter, INDEXES) == expected


@pytest.mark.parametrize(
    "filter",
    [
        pytest.param({}, id="empty"),
        pytest.param({"status": "unlocked"}, id="second-field-of-compound"),
        pytest.param({"reward_slug": "coins"}, id="no-index"),
        pytest.param({"status": "unlocked", "expires_at": {"$lte": NOW}}, id="range-next-to-another-field"),
        pytest.param({"user_id": {"$ne": 7}}, id="ne"),
        pytest.param({"user_id": {"$nin": [7]}}, id="nin"),
        pytest.param({"user_id": {"$exists": False}}, id="exists-false"),
        pytest.param({"user_id": {"$exists": True}}, id="exists-true"),
        pytest.param({"user_id": {"$not": {"$eq": 7}}}, id="not"),
        pytest.param({"user_id": re.compile("^7")}, id="regex"),
        pytest.param({"$or": [{"user_id": 7}, {"status": "claimed"}]}, id="or-with-a-scanning-branch"),
        pytest.param({"pending_grant.claimed_at": {"$exists": True}}, id="exists-only-on-partial"),
        pytest.param({"pending_grant.claimed_at": None}, id="partial-not-implied"),
        pytest.param({"key": 5}, id="partial-type-not-implied"),
        pytest.param({"slug": "coins"}, id="hashed-not-judged"),
    ],
)
def test_index_serving_refuses_a_filter_that_would_scan(filter: dict) -> None:
    assert index_serving(filter, INDEXES) is None


def test_command_filters_reads_each_command_kind() -> None:
    q1, q2 = {"user_id": 1}, {"user_id": 2}
    assert command_filters("find", {"find": "c", "filter": q1}) == [("c", q1)]
    assert command_filters("find", {"find": "c"}) == [("c", {})]
    assert command_filters("findAndModify", {"findAndModify": "c", "query": q1}) == [("c", q1)]
    assert command_filters("update", {"update": "c", "updates": [{"q": q1}, {"q": q2}]}) == [("c", q1), ("c", q2)]
    assert command_filters("delete", {"delete": "c", "deletes": [{"q": q1}]}) == [("c", q1)]
    assert command_filters("count", {"count": "c", "query": q1}) == [("c", q1)]
    assert command_filters("distinct", {"distinct": "c", "key": "k", "query": q1}) == [("c", q1)]
    assert command_filters("aggregate", {"aggregate": "c", "pipeline": [{"$match": q1}, {"$group": {}}]}) == [("c", q1)]
    assert command_filters("aggregate", {"aggregate": "c", "pipeline": [{"$group": {"_id": 1}}]}) == [("c", None)]
    assert command_filters("insert", {"insert": "c", "documents": [q1]}) == []


def test_only_an_empty_catalogue_read_from_its_own_phase_is_a_deliberate_full_read() -> None:
    assert is_deliberate_full_read(SentFilter(ADMIN_LISTS_EVERY_REWARD, "rewards", "find", {}))
    assert not is_deliberate_full_read(SentFilter("activity", "rewards", "find", {}))
    assert not is_deliberate_full_read(SentFilter(SEEDING, "user_facts", "find", {}))
    assert not is_deliberate_full_read(SentFilter(SEEDING, "rewards", "find", {"name": "x"}))


def test_the_rarity_reads_are_deliberate_in_the_background_only() -> None:
    assert is_deliberate_full_read(SentFilter(RARITY_REFRESH, "user_rewards", "aggregate", None))
    assert is_deliberate_full_read(SentFilter(STARTUP, "user_facts", "aggregate", {}))
    assert not is_deliberate_full_read(SentFilter("a user's rewards", "user_rewards", "aggregate", None))
    assert not is_deliberate_full_read(SentFilter(RARITY_REFRESH, "user_rewards", "find", {}))


# --- the workload, on a real server ---------------------------------------------------------------

A, B, C, D = 1001, 1002, 1003, 1004


class Crash(Exception):
    """Stands for the process dying at this point."""


@pytest.fixture
def settings() -> Any:
    """The app seeds the shipped catalogue at start-up: start-up seeding is one of the paths."""
    return make_settings(seed_paths=(SHIPPED_CATALOG,))


@pytest.fixture
def recorder(settings: Any) -> Iterator[FilterRecorder]:
    recorder = _recorder()
    recorder.start(settings.mongodb_db, phase=STARTUP)
    try:
        yield recorder
    finally:
        recorder.stop()


@pytest.fixture
def client(recorder: FilterRecorder, client: Any) -> Any:
    """conftest's client, created after the listener is registered (registration reaches later clients only)."""
    return client


async def crashing_claim(
    client: Any, monkeypatch: pytest.MonkeyPatch, user_id: int, slug: str, key: str | None = None
) -> None:
    """A claim whose process 'dies' after the claim's write, before the ledger write."""

    async def die(*args: Any, **kwargs: Any) -> None:
        raise Crash

    with monkeypatch.context() as patch:
        patch.setattr(claims, "write_grant", die)
        status, _ = await claim(client, user_id, slug, key=key)
    assert status == 500


async def drive_the_catalogue(client: Any, recorder: FilterRecorder) -> None:
    with recorder.during("admin changes the catalogue"):
        await create_reward(
            client,
            slug="coins",
            reward_value={"amount": 10},
            is_repeatable=True,
            conditions=[{"condition_type": "level_reached", "value": 1}],
        )
        await create_reward(
            client,
            slug="fan-badge",
            reward_type="badge",
            reward_value={"badge_name": "Fan", "emoji": "❤️"},
            conditions=[{"condition_type": "first_reaction"}],
        )
        await create_reward(
            client, slug="flash", claim_window_hours=1, conditions=[{"condition_type": "streak_length", "value": 2}]
        )
        await create_reward(client, slug="retired")
        duplicate = await client.post("/v1/rewards", json=reward_payload(slug="coins"), headers=ADMIN)
        assert duplicate.status == 409
        patched = await client.patch("/v1/rewards/fan-badge", json={"sort_order": 5}, headers=ADMIN)
        assert patched.status == 200
        replaced = await client.put(
            "/v1/rewards/flash",
            json=reward_payload(
                slug="flash", claim_window_hours=1, conditions=[{"condition_type": "streak_length", "value": 2}]
            ),
            headers=ADMIN,
        )
        assert replaced.status == 200
        assert (await client.delete("/v1/rewards/retired", headers=ADMIN)).status == 200
        assert (await client.get("/v1/rewards/retired", headers=ADMIN)).status == 200
        assert (await client.get("/v1/rewards/no-such-reward", headers=ADMIN)).status == 404
    with recorder.during("the bot reads the catalogue"):
        assert (await client.get("/v1/rewards", headers=BOT)).status == 200
        assert (await client.get("/v1/rewards/coins", headers=BOT)).status == 200
    with recorder.during(ADMIN_LISTS_EVERY_REWARD):
        assert (await client.get("/v1/rewards", params={"all": "true"}, headers=ADMIN)).status == 200
    with recorder.during(ADMIN_PAGES_EVERY_REWARD):
        first = await client.get("/v1/rewards", params={"all": "true", "limit": "2"}, headers=ADMIN)
        cursor = (await first.json())["next_cursor"]
        second = await client.get("/v1/rewards", params={"all": "true", "limit": "2", "cursor": cursor}, headers=ADMIN)
        assert second.status == 200


async def drive_activity_and_claims(
    client: Any, recorder: FilterRecorder, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with recorder.during("activity"):
        await send_event(client, A, "a-1", "reaction")
        replay = await send_event(client, A, "a-1", "reaction")  # a repeated id is counted once
        assert replay["facts"]["reactions_count"] == 1
        await send_event(client, A, "a-2", "streak", value=2)
        await send_event(client, A, "a-3", "purchase", amount=30)
        await send_event(client, B, "b-1", "streak", value=2)
        await set_facts(client, C, level=1)
        await set_facts(client, D, total_points=5)
    with recorder.during("a user's rewards"):
        assert {"coins", "fan-badge", "flash"} <= set(await user_rewards(client, A))
        await user_rewards(client, A, headers=ADMIN, include_secret="true")
        await user_rewards(client, 999_999)  # a user never seen
        await user_rewards(client, A, status="unlocked", limit="2")
        assert (await client.get(f"/v1/users/{A}/rewards/coins", headers=BOT)).status == 200
    with recorder.during("claims"):
        assert (await claim(client, A, "coins"))[0] == 200
        assert (await claim(client, A, "coins"))[1]["error"]["code"] == "already_claimed"
        granted = await claim(client, A, "fan-badge", key="k-badge")
        assert granted[0] == 200
        assert await claim(client, A, "fan-badge", key="k-badge") == granted  # replayed
        assert (await claim(client, B, "fan-badge", key="k-badge"))[1]["error"]["code"] == "idempotency_key_reused"
        assert (await claim(client, A, "streak-30", key="k-locked"))[1]["error"]["code"] == "reward_locked"
        assert (await claim(client, A, "streak-30", key="k-locked"))[1]["error"]["code"] == "reward_locked"
        assert (await claim(client, A, "no-such-reward", key="k-unknown"))[0] == 404
        assert (await claim(client, A, "coins", key="k-late"))[1]["error"]["code"] == "already_claimed"
        await set_facts(client, A, level=2)  # the repeatable reward unlocks again
        await crashing_claim(client, monkeypatch, A, "coins", key="k-crash")
        retried = await claim(client, A, "coins", key="k-crash")  # finishes the crashed claim
        assert retried[0] == 200
        assert retried[1]["claim_number"] == 2
    with recorder.during("two evaluations race for one re-unlock"):
        # What two concurrent requests do: both plan from the same states; the second write's guard fails.
        entries = (await client.app[RUNTIME].catalogue.active()).entries
        states = await read_states(A)
        standing = standing_of({**(await read_facts(A) or {}), "level": 3}, states, clock())
        first, second = EvaluationPlan("race-1", clock()), EvaluationPlan("race-2", clock())
        first.add_user(A, standing, entries, states)
        second.add_user(A, standing, entries, states)
        assert "coins" in [u.reward.slug for u in await first.apply()]
        assert await second.apply() == []


async def drive_grants(client: Any, recorder: FilterRecorder) -> None:
    with recorder.during("grants"):
        listed = await grants(client, A)
        assert len(listed) == 3
        assert len(await grants(client, A, pending=True)) == 3
        assert (await client.get(f"/v1/users/{A}/badges", headers=BOT)).status == 200
        grant_id = listed[0]["grant_id"]
        assert (await client.post(f"/v1/grants/{grant_id}/ack", headers=BOT)).status == 200
        assert (await client.post(f"/v1/grants/{grant_id}/ack", headers=BOT)).status == 200
        assert (await client.post(f"/v1/grants/{A}-{ObjectId()}-1/ack", headers=BOT)).status == 404
        revoked = listed[1]["grant_id"]
        for expected in (200, 200):  # the reversal's upsert, read and the grant's guarded mark; then again
            response = await client.post(f"/v1/grants/{revoked}/revoke", json={"reason": "refund"}, headers=ADMIN)
            assert response.status == expected, await response.text()
        reversal = (await response.json())["grant_id"]
        revoke_reversal = await client.post(f"/v1/grants/{reversal}/revoke", json={"reason": "x"}, headers=ADMIN)
        assert revoke_reversal.status == 409
        unknown = await client.post(f"/v1/grants/{A}-{ObjectId()}-1/revoke", json={"reason": "x"}, headers=ADMIN)
        assert unknown.status == 404
        assert reversal in [g["grant_id"] for g in await grants(client, A, pending=True)]
        assert (await client.get(f"/v1/users/{A}/badges", headers=BOT)).status == 200
        assert (await client.post(f"/v1/grants/{reversal}/ack", headers=BOT)).status == 200
        assert (await client.get("/metrics")).status == 200
        assert (await client.get("/health")).status == 200


async def drive_expiry(client: Any, recorder: FilterRecorder, clock: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with recorder.during("expiry"):
        await crashing_claim(client, monkeypatch, C, "coins")  # left for the sweep's grant recovery
        clock.advance(seconds=STALE_GRANT_AGE.total_seconds() + 2 * 3600)  # past flash's 1-hour window
        assert (await user_rewards(client, B))["flash"]["status"] == "expired"  # expiry applied on read
        swept = await sweep(clock(), timedelta(days=30))  # every open window is within 30 days: reminders too
        assert swept.expired >= 1
        assert swept.recovered_grants == 1


async def drive_seeding_and_reevaluation(client: Any, recorder: FilterRecorder, clock: Any, tmp_path: Path) -> None:
    extra = write_rewards(tmp_path / "extra.yaml", reward_payload(slug="seeded-extra"))
    with recorder.during(SEEDING):
        assert (await seed_catalog([SHIPPED_CATALOG], clock())).writes == []  # unchanged: no write
        assert await seed_command.run(seed_command.parse_args([str(extra)])) == 0  # creates it
        write_rewards(extra, reward_payload(slug="seeded-extra", name="Renamed"))
        assert await seed_command.run(seed_command.parse_args([str(extra)])) == 0  # updates it
    with recorder.during("admin changes the catalogue"):
        await create_reward(client, slug="late-bonus", conditions=[])
    with recorder.during("re-evaluation"):
        args = reevaluate_command.parse_args(["--batch-size", "2", "--checkpoint", str(tmp_path / "checkpoint.json")])
        assert await reevaluate_command.run(args, "test") == 0
        entries = (await client.app[RUNTIME].catalogue.active()).entries
        assert await count_users(A) == 3
        resumed = [
            batch async for batch in reevaluate(entries, clock, "resume", after_user_id=A, batch_size=2, dry_run=True)
        ]
        assert sum(batch.users for batch in resumed) == 3
    with recorder.during(SEEDING):
        pruned = seed_command.parse_args([str(extra), "--prune"])
        assert await seed_command.run(pruned) == 0  # deactivates every reward but seeded-extra


async def drive_rarity(client: Any, recorder: FilterRecorder, clock: Any) -> None:
    with recorder.during(RARITY_REFRESH):
        interval = client.app[SETTINGS].rarity_seconds
        holder = client.app[RUNTIME].rarity
        await refresh_rarity(clock.advance(seconds=interval), interval, holder)  # due: computes and reloads
        assert holder.board.as_of == clock()
        assert holder.board.for_slug("coins")["unlocked_share"] > 0
        await refresh_rarity(clock.advance(seconds=1), interval, holder)  # not due: only reads the marker


async def drive_rules(client: Any, recorder: FilterRecorder, clock: Any) -> None:
    """Counters, windows, chains, tiers, limited editions and hints, through the API and the sweep."""
    with recorder.during("rules admins write at run time"):
        await declare_counter(client, "index_messages")
        await create_reward(
            client,
            slug="idx-window",
            conditions=[
                {"condition_type": "counter_in_window", "counter": "index_messages", "value": 2, "window_days": 7}
            ],
        )
        await create_reward(
            client,
            slug="idx-bronze",
            series="idx",
            tier=1,
            conditions=[{"condition_type": "counter_at_least", "counter": "index_messages", "value": 1}],
        )
        await create_reward(
            client,
            slug="idx-silver",
            series="idx",
            tier=2,
            conditions=[{"condition_type": "reward_claimed", "reward": "idx-bronze"}],
        )
        await create_reward(
            client,
            slug="idx-edition",
            max_claims=1,
            conditions=[{"condition_type": "counter_at_least", "counter": "index_messages", "value": 1}],
        )
        await create_reward(
            client,
            slug="idx-secret",
            is_secret=True,
            hint="Keep going",
            conditions=[{"condition_type": "counter_at_least", "counter": "index_messages", "value": 1000}],
        )
        await send_event(client, A, "idx-1", "counter", counter="index_messages", amount=2)
        assert (await claim(client, A, "idx-bronze"))[1]["unlocked"]  # the chain
        assert (await claim(client, A, "idx-edition", key="idx-k"))[0] == 200
        await send_event(client, B, "idx-2", "counter", counter="index_messages", amount=1)
        assert (await claim(client, B, "idx-edition"))[1]["error"]["code"] == "reward_sold_out"
        await user_rewards(client, A, tiers="collapsed")
        assert (await client.get("/v1/rewards/idx-edition", headers=ADMIN)).status == 200
        assert (await client.get("/v1/counters", headers=BOT)).status == 200
        assert (await client.delete("/v1/counters/index_messages", headers=ADMIN)).status == 409
        await sweep(clock() + timedelta(minutes=5))  # stale holds, sold-out reminders


async def drive_leaderboards(client: Any, recorder: FilterRecorder, clock: Any) -> None:
    """A board with a prize: events feed it, the bot reads it, an admin removes a user, the run closes."""
    with recorder.during("leaderboards"):
        declared = await board_with_a_prize(client, "idx-daily", "idx-crown")
        run = declared["current_run"]["key"]
        for user_id, amount in ((A, 30), (B, 20), (C, 10)):
            await send_event(client, user_id, f"idx-board-{user_id}", "points", amount=amount)
        for path in (
            "/v1/leaderboards",
            "/v1/leaderboards/idx-daily",
            "/v1/leaderboards/idx-daily/runs",
            "/v1/leaderboards/idx-daily/top",
            f"/v1/leaderboards/idx-daily/runs/{run}/top",
            f"/v1/leaderboards/idx-daily/users/{B}",
            f"/v1/leaderboards/idx-daily/runs/{run}/users/{C}",
        ):
            assert (await client.get(path, headers=BOT)).status == 200, path
        removal = {"user_id": C, "reason": "index check"}
        removed = await client.post(f"/v1/leaderboards/idx-daily/runs/{run}/removals", json=removal, headers=ADMIN)
        assert removed.status == 201
        after_the_run = datetime.fromisoformat(declared["current_run"]["ends_at"]) + timedelta(hours=1)
        done = await close_runs(replace(client.app[RUNTIME], clock=lambda: after_the_run))
        assert (done.closed, done.given) == (1, 1)


async def drive_goals(client: Any, recorder: FilterRecorder, clock: Any) -> None:
    """A goal: events feed it, the relay adds them up and rewards who qualifies, the bot reads its progress."""
    with recorder.during("community goals"):
        await goal_with_a_reward(client, clock(), "idx-goal", "idx-hero")
        for user_id, amount in ((A, 60), (B, 50), (C, 5)):
            await send_event(client, user_id, f"idx-goal-{user_id}", "points", amount=amount)
        runtime = client.app[RUNTIME]
        while await relay_goals(runtime) != (0, 0):
            pass
        for path in ("/v1/goals", "/v1/goals/idx-goal", f"/v1/goals/idx-goal/users/{A}"):
            assert (await client.get(path, headers=BOT)).status == 200, path
        assert (await client.patch("/v1/goals/idx-goal", json={"name": "Goal"}, headers=ADMIN)).status == 200
        assert (await user_rewards(client, A))["idx-hero"]["status"] == "unlocked"


async def drive_feed(client: Any, recorder: FilterRecorder, clock: Any) -> None:
    with recorder.during("the feed relay and its followers"):
        assert await relay_all(clock) > 0
        entries, last = await follow_to_the_end(client, limit=3)
        assert entries
        assert (await feed_page(client, after=last, types="grant_created"))["entries"] == []
        await collections.feed().delete_one({"seq": 1})  # what the retention's TTL index does
        assert (await client.get("/v1/feed", params={"after": "0"}, headers=BOT)).status == 200
        assert (await client.get("/v1/feed", params={"after": "1"}, headers=BOT)).status in (200, 410)
    with recorder.during("the webhook sender"):
        await sender_writes(clock)


async def drive_console(client: Any, recorder: FilterRecorder, clock: Any) -> None:
    """The admin console's pages: the catalogue (its pages, filters, search, sort), a user, a funnel, health, counters, the preview."""
    with recorder.during(CONSOLE_CATALOGUE):
        assert (await sign_in(client)).status == 303
        for query in (
            "",
            "?page=2&sort=name",
            "?q=idx&type=besitos&active=yes&availability=open&sold_out=yes&rarity=common&series=idx&sort=rarity",
            "?q=edition",  # a limited edition on the page: its slots left
            "?page=99",
        ):
            assert (await client.get(f"/admin/rewards{query}")).status == 200, query
    with recorder.during("the console's pages"):
        assert (await client.get(f"/admin/users/{A}")).status == 200
        assert (await client.get("/admin/rewards/coins")).status == 200
        assert (await client.get("/admin/rewards/coins/funnel")).status == 200
        assert (await client.get("/admin/health")).status == 200
        assert (await client.get("/admin/counters")).status == 200
        assert (await client.get("/admin/counters/index_messages")).status == 200
        renamed = await submit(client, "/admin/counters/index_messages", {"display_name": "Messages", "action": "save"})
        assert renamed.status == 303
        preview = await submit(
            client,
            "/admin/rewards/fan-badge",
            {
                "slug": "fan-badge",
                "name": "Fan",
                "reward_type": "badge",
                "badge_name": "Fan",
                "emoji": "❤️",
                "is_active": "on",
                "condition_rows": "1",
                "c0_condition_type": "first_reaction",
                "action": "preview",
            },
        )
        assert "newly unlock for" in await preview.text()
        sampled = await preview_unlocks(ActiveReward.of(await get_reward("coins")), clock(), size=1)
        assert sampled.sampled  # the random-sample path of a database larger than the bound
    # The counters page lends its form token: it reads no whole collection but the bounded counters.
    with recorder.during("the console's sign-in"):
        assert (await submit(client, "/admin/counters", {"token": "wrong"}, action="/admin/login")).status == 401
        assert (await submit(client, "/admin/counters", {}, action="/admin/logout")).status == 303
        assert (await sign_in(client)).status == 303
        clock.advance(minutes=6)  # long enough for the next page to note the session's `last_seen`
        assert (await client.get("/admin/counters")).status == 200
    with recorder.during(SIGN_OUT_EVERYWHERE):
        assert (await submit(client, "/admin/counters", {}, action="/admin/logout/everywhere")).status == 303


async def server_indexes() -> dict[str, Sequence[Index]]:
    """Every collection's indexes as the server has them (`_id_` included)."""
    return {
        collection_name(model): await collections.by_name(collection_name(model)).list_indexes().to_list(None)
        for model in MODELS
    }


def report(judged: list[tuple[SentFilter, str | None]]) -> str:
    """One line per distinct (collection, command, filter shape): the index serving it, and the phases."""
    phases: dict[tuple[str, str], list[str]] = defaultdict(list)
    for sent, index in judged:
        verdict = index or ("deliberate full read" if is_deliberate_full_read(sent) else "SCAN")
        phases[(sent.describe(), verdict)].append(sent.phase)
    return "\n".join(
        f"  {line}  ->  {verdict}  [{', '.join(dict.fromkeys(seen))}]"
        for (line, verdict), seen in sorted(phases.items())
    )


@pytest.mark.skipif(
    not REAL_MONGODB_URL,
    reason="mongomock does not go through PyMongo's command monitoring: set MONGODB_URL to a real MongoDB wire server",
)
async def test_every_filter_the_service_sends_is_served_by_an_index(
    client: Any, recorder: FilterRecorder, clock: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    await drive_the_catalogue(client, recorder)
    await drive_activity_and_claims(client, recorder, clock, monkeypatch)
    await drive_grants(client, recorder)
    await drive_expiry(client, recorder, clock, monkeypatch)
    await drive_seeding_and_reevaluation(client, recorder, clock, tmp_path)
    await drive_rules(client, recorder, clock)
    await drive_leaderboards(client, recorder, clock)
    await drive_goals(client, recorder, clock)
    await drive_feed(client, recorder, clock)
    await drive_rarity(client, recorder, clock)
    await drive_console(client, recorder, clock)
    # The test's own look at the data is marked, so the recorder skips it (this filter would scan).
    unlocked_late = await collections.user_rewards().count_documents({"reward_slug": "late-bonus"}, comment=INSPECTION)
    assert unlocked_late == 4  # re-evaluation reached every user

    indexes = await server_indexes()
    judged = [
        (sent, None if sent.filter is None else index_serving(sent.filter, indexes[sent.collection]))
        for sent in recorder.sent
    ]
    print(f"{len(judged)} filters sent:\n{report(judged)}")
    scans = [sent for sent, index in judged if index is None and not is_deliberate_full_read(sent)]
    assert not scans, (
        f"{len(scans)} filter(s) would scan a whole collection (no index leads with an equality of the filter, "
        f"nor with a range that is the filter's only field):\n"
        + "\n".join(sorted({f"  {sent.describe()}  [{sent.phase}]" for sent in scans}))
    )
    # The listener really saw the service: every collection, every kind of command that carries a filter.
    assert {sent.collection for sent in recorder.sent} == {collection_name(model) for model in MODELS}
    assert {"find", "findAndModify", "update", "delete", "aggregate"} <= {sent.command for sent in recorder.sent}
