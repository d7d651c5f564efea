"""A stateful property test: random events, claims, crashes, acks, sweeps and clock moves.

Invariants after every step: every claim has exactly one grant (in the ledger, or still in its
claim's snapshot awaiting recovery); no grant ever disappears; a non-repeatable reward is never
granted twice to one user; pending + delivered == all grants.
"""

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from rewards_contract.errors import AlreadyClaimed, ClaimExpired, EventIdReused, IdempotencyKeyReused, RewardLocked
from rewards_contract.events import ActivityEvent, DailyGiftEvent, PointsEvent, ReactionEvent
from rewards_contract.rewards import RewardDefinition

from documents import grant_id_for
from documents.clock import utc_now
from service.db import collections
from service.db.connection import connect
from service.engine.activity import EventMark, event_change
from service.operations import claims, idempotency_keys
from service.operations.expiry import sweep
from service.operations.grants import acknowledge_grant, recover_pending_grants
from service.operations.rewards import load_active_rewards
from service.usecases import catalogue
from service.usecases.claims import claim
from service.usecases.context import Context, Role
from service.usecases.events import record_activity
from service.usecases.runtime import Runtime
from tests.support.environment import REAL_MONGODB_URL, drop_database, make_settings

REFUSED = (RewardLocked, AlreadyClaimed, ClaimExpired)

REWARDS: list[dict[str, Any]] = [
    {"slug": "gift", "is_repeatable": True, "conditions": [{"condition_type": "first_daily_gift"}]},
    {"slug": "points", "claim_window_hours": 2, "conditions": [{"condition_type": "total_points", "value": 20}]},
    {"slug": "welcome", "conditions": []},
    {
        "slug": "once",
        "is_repeatable": True,
        "conditions": [{"condition_type": "first_reaction"}, {"condition_type": "not_claimed_before"}],
    },
]
NON_REPEATABLE_GRANTS = {"points", "welcome", "once"}
USERS = st.sampled_from([11, 11, 11, 12])  # mostly one user, so sequences on one pair are likely
SLUGS = st.sampled_from([r["slug"] for r in REWARDS])


class Crash(Exception):
    """The process dies between the claim's write and the ledger write."""


class ClaimsMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.settings = make_settings()
        self.database = self.run(connect(self.settings))
        self.now = utc_now()
        self.runtime = Runtime.of(self.settings, lambda: self.now)
        for r in REWARDS:
            definition = RewardDefinition(name=r["slug"], reward_type="besitos", reward_value={"amount": 5}, **r)
            self.run(catalogue.create_reward(self.ctx(), definition))
        self.catalog = self.run(load_active_rewards())
        self.event_count = 0
        self.first_kind: dict[tuple[int, str], str] = {}  # what each (user, event_id) first said
        self.seen_grants: set[str] = set()
        self.keys: dict[str, tuple[int, str]] = {}

    def ctx(self) -> Context:
        """What a request arriving now would hand its use case."""
        return Context.of(self.runtime, Role.BOT)

    def run(self, coroutine):
        return self.loop.run_until_complete(coroutine)

    def teardown(self) -> None:
        self.database.close()
        self.run(drop_database(self.settings))
        self.loop.close()

    # --- actions ---------------------------------------------------------------------------

    @rule(user=USERS, kind=st.sampled_from(["gift", "points", "reaction"]), replay=st.booleans())
    def report_event(self, user: int, kind: str, replay: bool) -> None:
        if not replay or self.event_count == 0:
            self.event_count += 1
        event_id = f"e{self.event_count}"
        events: dict[str, ActivityEvent] = {
            "gift": DailyGiftEvent(event_id=event_id, type="daily_gift"),
            "points": PointsEvent(event_id=event_id, type="points", amount=10),
            "reaction": ReactionEvent(event_id=event_id, type="reaction"),
        }
        event = events[kind]
        first = self.first_kind.setdefault((user, event_id), kind)
        try:
            self.run(record_activity(user, event_change(event), self.catalog, self.ctx(), EventMark.of(event)))
        except EventIdReused:
            assert first != kind  # only another event under a counted id is refused
            return
        assert first == kind

    @rule(user=USERS, slug=SLUGS, key=st.sampled_from([None, None, "k1", "k2"]))
    def claim(self, user: int, slug: str, key: str | None) -> None:
        try:
            result = self.run(claim(self.ctx(), user, slug, key))
        except IdempotencyKeyReused:
            assert key is not None
            assert self.keys[key] != (user, slug)
            return
        except REFUSED:
            result = None
        if key is not None:
            self.keys.setdefault(key, (user, slug))
        if result is not None:
            self.seen_grants.add(result.grant_id)

    @rule(
        user=USERS,
        slug=SLUGS,
        key=st.sampled_from([None, "k1", "k2"]),
        step=st.sampled_from([(claims, "write_grant"), (idempotency_keys, "remember_grant")]),
    )
    def claim_and_crash(self, user: int, slug: str, key: str | None, step: tuple[object, str]) -> None:
        """The process dies before the ledger write, or before the key's outcome is recorded."""
        module, name = step
        original = getattr(module, name)

        async def die(*args, **kwargs):
            raise Crash

        setattr(module, name, die)
        try:
            self.run(claim(self.ctx(), user, slug, key))
        except (Crash, IdempotencyKeyReused, *REFUSED):
            pass
        finally:
            setattr(module, name, original)
        if key is not None:
            self.keys.setdefault(key, (user, slug))

    @rule(data=st.data())
    def acknowledge(self, data: st.DataObject) -> None:
        if self.seen_grants:
            grant_id = data.draw(st.sampled_from(sorted(self.seen_grants)))
            self.run(acknowledge_grant(grant_id, self.now))

    @rule(hours=st.integers(1, 3))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    @rule()
    def sweeper_runs(self) -> None:
        self.run(sweep(self.now))

    @rule()
    def recovery_runs(self) -> None:
        self.run(recover_pending_grants({}, self.now))

    # --- invariants ----------------------------------------------------------------------------

    @invariant()
    def every_claim_has_exactly_one_grant(self) -> None:
        states = self.run(collections.user_rewards().find({}).to_list(None))
        ledger = self.run(collections.grants().find({}).to_list(None))
        claimed = sum(s["claim_count"] for s in states)
        in_ledger = {g["grant_id"] for g in ledger}
        awaiting_recovery = sum(
            1
            for s in states
            if s.get("pending_grant")
            and grant_id_for(s["user_id"], str(s["reward_id"]), s["claim_count"]) not in in_ledger
        )
        assert claimed == len(ledger) + awaiting_recovery
        assert len({g["grant_id"] for g in ledger}) == len(ledger)

    @invariant()
    def no_grant_ever_disappears(self) -> None:
        ledger = self.run(collections.grants().find({}, {"grant_id": 1}).to_list(None))
        assert self.seen_grants <= {g["grant_id"] for g in ledger}

    @invariant()
    def non_repeatable_rewards_are_granted_at_most_once_per_user(self) -> None:
        ledger = self.run(collections.grants().find({}).to_list(None))
        per_pair = Counter(
            (g["user_id"], g["reward_slug"]) for g in ledger if g["reward_slug"] in NON_REPEATABLE_GRANTS
        )
        assert all(count == 1 for count in per_pair.values())

    @invariant()
    def an_idempotency_key_grants_at_most_once(self) -> None:
        ledger = self.run(collections.grants().find({"idempotency_key": {"$ne": None}}).to_list(None))
        per_key = Counter(g["idempotency_key"] for g in ledger)
        assert all(count == 1 for count in per_key.values()), per_key

    @invariant()
    def pending_plus_delivered_is_all(self) -> None:
        collection = collections.grants()
        total = self.run(collection.count_documents({}))
        pending = self.run(collection.count_documents({"delivered_at": None}))
        delivered = self.run(collection.count_documents({"delivered_at": {"$ne": None}}))
        assert pending + delivered == total


ClaimsMachine.TestCase.settings = settings(
    # The embedded pass explores widely; the wire pass checks the same model against a real server's
    # semantics, where each example costs a database of its own, so it draws fewer.
    max_examples=40 if REAL_MONGODB_URL else 100,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_claims_state_machine = ClaimsMachine.TestCase
