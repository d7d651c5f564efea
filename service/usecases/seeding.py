"""Load the reward catalogue from files: plan the changes, admit them as the API would, then write them.

Used by the `rewards-seed` command and by the app at start-up, so both behave the same. The files'
rewards pass the API's admission (`service/engine/admission.py`), their leaderboards and goals the
API's checks of a board and a goal (`service/engine/board_admission.py`, `goal_admission.py`),
against the stored catalogue together with what the files add; any problem stops the run before
anything is written. The batch is written under the catalogue's write lock, through the same write
path as the API's (`operations/rewards.py`, `counters.py`, `leaderboards.py`, `goals.py`), and
unchanged items are not touched at all.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from rewards_contract.counters import CounterDefinition
from rewards_contract.errors import (
    CounterNotFound,
    CounterTaken,
    GoalNotFound,
    GoalTaken,
    LeaderboardNotFound,
    LeaderboardTaken,
    RaceLost,
    RewardNotFound,
    SlugTaken,
)
from rewards_contract.goals import GoalDefinition
from rewards_contract.leaderboards import LeaderboardDefinition
from rewards_contract.rewards import RewardDefinition

from service.caches.catalogue import CatalogCache
from service.catalog_files import load_reward_files
from service.engine.board_admission import BoardSnapshot, stored_condition_types
from service.engine.intake import intake_problems
from service.engine.seed_plan import (
    BOARD_FIXED_FIELDS,
    GOAL_FIXED_FIELDS,
    Action,
    BoardChange,
    CounterChange,
    FileProblem,
    GoalChange,
    RewardChange,
    SeedPlan,
    admission_problems,
    board_admission_problems,
    goal_admission_problems,
    plan_boards,
    plan_counters,
    plan_goals,
    plan_seed,
)
from service.operations import counters, edition_slots, goals, leaderboards, rewards
from service.operations.catalog_version import bump_catalog_version
from service.operations.catalogue_lock import catalogue_change
from service.operations.retries import retried
from service.settings import DEFAULT_GOAL_SHARDS


class InvalidRewardFiles(Exception):
    """The files have problems; nothing was written."""

    def __init__(self, problems: Sequence[FileProblem]) -> None:
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the reward files:\n" + "\n".join(map(str, problems)))


async def read_seed_plan(paths: Sequence[Path], *, prune: bool) -> SeedPlan:
    """Validate every file, then plan against the database; raise InvalidRewardFiles before any write."""
    loaded = load_reward_files(paths)
    if loaded.problems:
        raise InvalidRewardFiles(loaded.problems)
    stored = await rewards.stored_definitions()
    stored_counters = await counters.stored_counters()
    counter_changes, problems = plan_counters(loaded, stored_counters)
    capped = [reward.definition.slug for reward in loaded.rewards if reward.definition.max_claims is not None]
    taken = await edition_slots.taken_slots(capped) if capped else {}
    snapshot = rewards.stored_snapshot(stored, stored_counters, taken)
    problems += admission_problems(loaded, snapshot)
    stored_boards = await leaderboards.stored_boards()
    board_changes, board_problems = plan_boards(loaded, stored_boards, prune=prune)
    catalogue = BoardSnapshot(snapshot.counters, stored_condition_types(stored))
    problems += board_problems + board_admission_problems(loaded, board_changes, catalogue, len(stored_boards))
    stored_goals = await goals.stored_goals()
    goal_changes, goal_problems = plan_goals(loaded, stored_goals, prune=prune)
    problems += goal_problems + goal_admission_problems(loaded, goal_changes, catalogue, len(stored_goals))
    if problems:
        raise InvalidRewardFiles(problems)
    plan = plan_seed([reward.definition for reward in loaded.rewards], stored, prune=prune)
    return SeedPlan(plan.changes, counter_changes, board_changes, goal_changes)


async def apply_seed_plan(
    plan: SeedPlan, now: datetime, cache: CatalogCache | None = None, *, goal_shards: int = DEFAULT_GOAL_SHARDS
) -> None:
    """Write each changed counter, then each changed reward, then each changed leaderboard and goal (whose
    prizes and rewards are rewards), in one hold of the catalogue's write lock; then record the catalogue's
    change once.

    `cache`: the running service's catalogue, forgotten once the batch is written (the stored
    version tells every other instance). `goal_shards`: what a new goal's total is spread over
    (REWARDS_GOAL_SHARDS, as the API declares one).
    """
    if not plan.writes and not plan.counter_writes and not plan.board_writes and not plan.goal_writes:
        return
    async with catalogue_change(now):
        for counter in plan.counter_writes:
            await _write_counter(counter, now)
        for reward in plan.writes:
            await _write_reward(reward, now)
        for board in plan.board_writes:
            await _write_board(board, now)
        for goal in plan.goal_writes:
            await _write_goal(goal, now, goal_shards)
    await bump_catalog_version(now)
    if cache is not None:
        cache.invalidate()


async def seed_catalog(
    paths: Sequence[Path],
    now: datetime,
    *,
    prune: bool = False,
    cache: CatalogCache | None = None,
    goal_shards: int = DEFAULT_GOAL_SHARDS,
) -> SeedPlan:
    """Plan and apply in one call (start-up seeding); returns the plan that was applied."""
    plan = await read_seed_plan(paths, prune=prune)
    await apply_seed_plan(plan, now, cache, goal_shards=goal_shards)
    return plan


async def _write_counter(change: CounterChange, now: datetime) -> None:
    await _declare_or_update(
        change,
        lambda: counters.insert_counter(CounterDefinition.model_validate(change.fields), now),
        lambda fields: counters.patch_counter(change.slug, fields, now),
        fixed=("name", "kind"),
        taken=CounterTaken,
        missing=CounterNotFound,
    )


async def _write_board(change: BoardChange, now: datetime) -> None:
    await _declare_or_update(
        change,
        lambda: leaderboards.insert_board(LeaderboardDefinition.model_validate(change.fields), now),
        lambda fields: leaderboards.patch_board(change.slug, fields, now),
        fixed=("slug", *BOARD_FIXED_FIELDS),
        taken=LeaderboardTaken,
        missing=LeaderboardNotFound,
    )


async def _write_goal(change: GoalChange, now: datetime, shards: int) -> None:
    await _declare_or_update(
        change,
        lambda: goals.insert_goal(GoalDefinition.model_validate(change.fields), shards, now),
        lambda fields: goals.patch_goal(change.slug, fields, now),
        fixed=("slug", *GOAL_FIXED_FIELDS),
        taken=GoalTaken,
        missing=GoalNotFound,
    )


async def _declare_or_update(
    change: RewardChange,
    declare: Callable[[], Awaitable[object]],
    update: Callable[[dict[str, Any]], Awaitable[object]],
    *,
    fixed: tuple[str, ...],
    taken: type[Exception],
    missing: type[Exception],
) -> None:
    """Declare a new counter, board or goal; update a changed one with the fields a write may change.

    One declared meanwhile (another instance's start-up, the API: `taken`) is updated instead, so
    its texts are the files' from now on. What names the item and what never changes (`fixed`) are
    left as stored.
    """
    if change.action is Action.CREATE:
        try:
            await declare()
            return
        except taken:
            pass

    async def patch() -> None:
        try:
            await update({name: value for name, value in change.fields.items() if name not in fixed})
        except missing:
            raise _not_visible_yet(change.slug) from None

    await retried(patch)


async def _write_reward(change: RewardChange, now: datetime) -> None:
    fields = dict(change.fields)
    if change.action is Action.CREATE:
        definition = RewardDefinition.model_validate(fields)
        sold_out = definition.max_claims is not None and await edition_slots.set_edition_cap(
            change.slug, definition.max_claims, now
        )
        try:
            await rewards.insert_reward(definition, now, sold_out=sold_out)
            return
        except SlugTaken:  # another instance seeding at start-up inserted it first: update it as ours
            fields["sold_out"] = sold_out
    elif "max_claims" in fields:
        fields["sold_out"] = await edition_slots.set_edition_cap(change.slug, fields["max_claims"], now)

    async def update() -> None:
        try:
            await rewards.set_reward_fields(change.slug, fields, now)
        except RewardNotFound:
            raise _not_visible_yet(change.slug) from None

    await retried(update)


def _not_visible_yet(name: str) -> RaceLost:
    """Another instance inserted it a moment ago: a real server may show its index entry before the document."""
    return RaceLost(f"Seeding {name!r}, inserted concurrently, found it not visible yet; retry.")


@dataclass(frozen=True)
class StoredBreach:
    """A stored reward that breaks a rule definitions meet when they come in (it still loads and works)."""

    slug: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.slug}: {self.field}: {self.message}"


async def stored_rule_breaches() -> list[StoredBreach]:
    """Every stored reward breaking an intake rule (rewards stored before the rule): one read of the catalogue.

    The rule that `conditions` be given explicitly concerns a request, not what is stored, so it is not checked.
    """
    return [
        StoredBreach(reward.slug, problem.field, problem.message)
        for reward in await rewards.list_rewards()  # loaded as the catalogue loads them
        for problem in intake_problems(reward, changed=RewardDefinition.model_fields)
    ]
