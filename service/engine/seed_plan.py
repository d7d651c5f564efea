"""What loading reward files would change in the catalogue (pure): the plan `rewards-seed --dry-run` prints.

The files' rewards, counters, leaderboards and goals are compared with what is stored; each reward
is admitted (`admission.admit`) against the stored catalogue grown by the files' rewards before it,
each new board, or board whose prizes change, and each new goal by the API's own checks
(`board_admission`, `goal_admission`) against the catalogue as the run leaves it. Any problem is a
`FileProblem`, located in its file; the seeding use case (`service/usecases/seeding.py`) stops
before writing anything when there is one.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel
from rewards_contract.counters import CounterDefinition
from rewards_contract.errors import RewardsApiError
from rewards_contract.goals import GoalDefinition, GoalPatch
from rewards_contract.leaderboards import LeaderboardDefinition
from rewards_contract.rewards import RewardDefinition

from service.engine.admission import CatalogueSnapshot, admit
from service.engine.board_admission import BoardSnapshot, admit_board, check_prizes, check_room
from service.engine.catalog_rules import prerequisites
from service.engine.goal_admission import admit_goal, check_goal_room


@dataclass(frozen=True)
class FileProblem:
    """One reason the files cannot be loaded, located as precisely as the input allows."""

    file: str
    reason: str
    line: int | None = None
    item: int | None = None
    slug: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.item is not None:
            where += f": item {self.item}" + (f" (slug {self.slug!r})" if self.slug else "")
        if self.field:
            where += f": field {self.field!r}"
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class LoadedReward:
    """A valid definition and where it came from (for messages about duplicates)."""

    definition: RewardDefinition
    file: str
    item: int


@dataclass(frozen=True)
class LoadedCounter:
    """A valid counter declaration and where it came from."""

    definition: CounterDefinition
    file: str
    item: int


@dataclass(frozen=True)
class LoadedBoard:
    """A valid leaderboard declaration and where it came from."""

    definition: LeaderboardDefinition
    file: str
    item: int


@dataclass(frozen=True)
class LoadedGoal:
    """A valid community goal declaration and where it came from."""

    definition: GoalDefinition
    file: str
    item: int


@dataclass(frozen=True)
class LoadedFiles:
    rewards: list[LoadedReward]
    problems: list[FileProblem]
    counters: list[LoadedCounter] = field(default_factory=list)
    boards: list[LoadedBoard] = field(default_factory=list)
    goals: list[LoadedGoal] = field(default_factory=list)


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    DEACTIVATE = "deactivate"


# Past tense for the summary line, in the order it lists them.
_SUMMARY_WORDS = {
    Action.CREATE: "created",
    Action.UPDATE: "updated",
    Action.UNCHANGED: "unchanged",
    Action.DEACTIVATE: "deactivated",
}


class InvalidRewardFiles(Exception):
    """The files have problems; nothing was written."""

    def __init__(self, problems: Sequence[FileProblem]) -> None:
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the reward files:\n" + "\n".join(map(str, problems)))


@dataclass(frozen=True)
class RewardChange:
    """What seeding does to one reward; `fields` holds the values to `$set` (the changed ones)."""

    slug: str
    action: Action
    fields: dict[str, Any] = field(default_factory=dict)
    # How the plan names what changes ("counter " for a counter; nothing for a reward).
    noun: ClassVar[str] = ""
    # The files' section it comes from, as a problem names a field (`leaderboards.ranks`).
    section: ClassVar[str] = "rewards"

    def describe(self) -> str:
        if self.action is Action.UPDATE:
            return f"update {self.noun}{self.slug}: {', '.join(sorted(self.fields))}"
        return f"{self.action} {self.noun}{self.slug}"


class CounterChange(RewardChange):
    """What seeding does to one counter (`slug` is its name): declare it, change its texts, or nothing."""

    noun = "counter "
    section = "counters"


class BoardChange(RewardChange):
    """What seeding does to one leaderboard: declare it, change its texts, prizes or activity, or deactivate it."""

    noun = "leaderboard "
    section = "leaderboards"


class GoalChange(RewardChange):
    """What seeding does to one community goal: declare it, change its texts or activity, or deactivate it."""

    noun = "goal "
    section = "goals"


def _tally(changes: Sequence[RewardChange], actions: Sequence[Action]) -> str:
    return ", ".join(f"{_SUMMARY_WORDS[action]} {sum(c.action is action for c in changes)}" for action in actions)


@dataclass(frozen=True)
class SeedPlan:
    changes: list[RewardChange]
    counter_changes: list[CounterChange] = field(default_factory=list)
    board_changes: list[BoardChange] = field(default_factory=list)
    goal_changes: list[GoalChange] = field(default_factory=list)

    def count(self, action: Action) -> int:
        return sum(1 for change in self.changes if change.action is action)

    @property
    def writes(self) -> list[RewardChange]:
        return [change for change in self.changes if change.action is not Action.UNCHANGED]

    @property
    def counter_writes(self) -> list[CounterChange]:
        return [change for change in self.counter_changes if change.action is not Action.UNCHANGED]

    @property
    def board_writes(self) -> list[BoardChange]:
        return [change for change in self.board_changes if change.action is not Action.UNCHANGED]

    @property
    def goal_writes(self) -> list[GoalChange]:
        return [change for change in self.goal_changes if change.action is not Action.UNCHANGED]

    @property
    def all_changes(self) -> list[RewardChange]:
        """Every change in the order they are written (and printed): counters, rewards, leaderboards, then goals."""
        return [*self.counter_changes, *self.changes, *self.board_changes, *self.goal_changes]

    @property
    def summary(self) -> str:
        line = _tally(self.changes, list(_SUMMARY_WORDS))
        if self.counter_changes:  # a counter is never deactivated
            line += "; counters: " + _tally(self.counter_changes, (Action.CREATE, Action.UPDATE, Action.UNCHANGED))
        if self.board_changes:
            line += "; leaderboards: " + _tally(self.board_changes, list(_SUMMARY_WORDS))
        if self.goal_changes:
            line += "; goals: " + _tally(self.goal_changes, list(_SUMMARY_WORDS))
        return line


def stored_definition(definition: BaseModel) -> dict[str, Any]:
    """The fields a definition stores, as MongoDB holds them (enums as plain strings, datetimes as dates)."""
    dates = {name: value for name, value in definition.model_dump().items() if isinstance(value, datetime)}
    return definition.model_dump(mode="json") | dates


def _same(stored: Any, wanted: Any) -> bool:
    if isinstance(stored, datetime) and isinstance(wanted, datetime):
        # A database without tz_aware answers naive UTC; either way it is the same moment.
        return stored.replace(tzinfo=stored.tzinfo or UTC) == wanted
    # Canonical JSON rather than ==, which would call a stored 1 equal to a wanted True.
    return json.dumps(stored, sort_keys=True, default=str) == json.dumps(wanted, sort_keys=True, default=str)


def plan_seed(definitions: Sequence[RewardDefinition], stored: Sequence[Mapping[str, Any]], *, prune: bool) -> SeedPlan:
    """Compare the files with the stored rewards; no I/O, so the CLI's --dry-run shows exactly this."""
    by_slug = {document["slug"]: document for document in stored}
    changes: list[RewardChange] = []
    for definition in definitions:
        wanted = stored_definition(definition)
        existing = by_slug.get(definition.slug)
        if existing is None:
            changes.append(RewardChange(definition.slug, Action.CREATE, wanted))
            continue
        changed = {name: value for name, value in wanted.items() if not _same(existing.get(name), value)}
        changes.append(RewardChange(definition.slug, Action.UPDATE if changed else Action.UNCHANGED, changed))
    if prune:
        in_files = {definition.slug for definition in definitions}
        changes.extend(
            RewardChange(document["slug"], Action.DEACTIVATE, {"is_active": False})
            for document in sorted(stored, key=lambda d: d["slug"])
            if document["slug"] not in in_files and document.get("is_active", True)
        )
    return SeedPlan(changes)


def plan_counters(
    loaded: LoadedFiles, stored: Sequence[Mapping[str, Any]]
) -> tuple[list[CounterChange], list[FileProblem]]:
    """The counters to declare or whose texts changed; a changed kind is a problem (a kind never changes)."""
    by_name = {document["name"]: document for document in stored}
    changes: list[CounterChange] = []
    problems: list[FileProblem] = []
    for counter in loaded.counters:
        wanted = counter.definition.model_dump(mode="json")
        existing = by_name.get(counter.definition.name)
        if existing is None:
            changes.append(CounterChange(counter.definition.name, Action.CREATE, wanted))
        elif existing.get("kind") != wanted["kind"]:
            problems.append(
                FileProblem(
                    counter.file,
                    f"counter {counter.definition.name!r} is a {existing.get('kind')} "
                    "counter; a counter's kind never changes",
                    item=counter.item,
                    field="counters.kind",
                )
            )
        else:
            changed = {name: value for name, value in wanted.items() if not _same(existing.get(name), value)}
            changes.append(
                CounterChange(counter.definition.name, Action.UPDATE if changed else Action.UNCHANGED, changed)
            )
    return changes, problems


# What a board keeps for ever: its runs are keyed by them, and its standings mean what they ranked.
BOARD_FIXED_FIELDS = ("ranks", "period", "starts_at", "ends_at")
# What a goal keeps for ever (what PATCH cannot change): its total, and who qualifies, mean what they counted.
GOAL_FIXED_FIELDS = tuple(
    name for name in GoalDefinition.model_fields if name != "slug" and name not in GoalPatch.model_fields
)

Change = TypeVar("Change", bound=RewardChange)


def plan_boards(
    loaded: LoadedFiles, stored: Sequence[Mapping[str, Any]], *, prune: bool
) -> tuple[list[BoardChange], list[FileProblem]]:
    """The boards to declare, to update (texts, prizes, is_active) or, with `prune`, to deactivate.

    A changed `ranks`, `period` or season bound is a problem, as a counter's changed kind is.
    """
    never = "a board's ranks, period and season never change (declare another board)"
    return _plan_declared(loaded.boards, stored, BoardChange, BOARD_FIXED_FIELDS, never, prune=prune)


def plan_goals(
    loaded: LoadedFiles, stored: Sequence[Mapping[str, Any]], *, prune: bool
) -> tuple[list[GoalChange], list[FileProblem]]:
    """The goals to declare, to update (texts, is_active) or, with `prune`, to deactivate.

    A changed `counts`, `target`, window, `reward` or `min_contribution` is a problem: the API never changes them.
    """
    never = "a goal's counts, target, window, reward and min_contribution never change (declare another goal)"
    return _plan_declared(loaded.goals, stored, GoalChange, GOAL_FIXED_FIELDS, never, prune=prune)


def _plan_declared(
    declared: Sequence[LoadedBoard | LoadedGoal],
    stored: Sequence[Mapping[str, Any]],
    kind: type[Change],
    fixed: Sequence[str],
    never: str,
    *,
    prune: bool,
) -> tuple[list[Change], list[FileProblem]]:
    """Compare boards or goals (by slug) with the stored ones; a changed `fixed` field is a problem saying `never`."""
    by_slug = {document["slug"]: document for document in stored}
    changes: list[Change] = []
    problems: list[FileProblem] = []
    for loaded in declared:
        slug = loaded.definition.slug
        wanted = stored_definition(loaded.definition)
        existing = by_slug.get(slug)
        if existing is None:
            changes.append(kind(slug, Action.CREATE, wanted))
            continue
        moved = [name for name in fixed if not _same(existing.get(name), wanted[name])]
        if moved:
            kept = existing.get(moved[0])
            problems.append(
                FileProblem(
                    loaded.file,
                    f"{kind.noun}{slug!r} is stored with {moved[0]} "
                    f"{kept.isoformat() if isinstance(kept, datetime) else repr(kept)}; {never}",
                    item=loaded.item,
                    field=f"{kind.section}.{moved[0]}",
                )
            )
            continue
        changed = {name: value for name, value in wanted.items() if not _same(existing.get(name), value)}
        changes.append(kind(slug, Action.UPDATE if changed else Action.UNCHANGED, changed))
    if prune:
        in_files = {loaded.definition.slug for loaded in declared}
        changes.extend(
            kind(document["slug"], Action.DEACTIVATE, {"is_active": False})
            for document in sorted(stored, key=lambda d: d["slug"])
            if document["slug"] not in in_files and document.get("is_active", True)
        )
    return changes, problems


def board_admission_problems(
    loaded: LoadedFiles, changes: Sequence[BoardChange], catalogue: BoardSnapshot, declared: int
) -> list[FileProblem]:
    """What the API would refuse of the files' boards, against the catalogue as the run leaves it.

    As the API checks them: a new board whole (what it ranks, its prizes, the limit on boards), a
    stored one's prizes only when they change. `declared`: how many boards are stored.
    """
    grown = _grown(loaded, catalogue)
    actions = {change.slug: change for change in changes}
    problems: list[FileProblem] = []
    for board in loaded.boards:
        change = actions.get(board.definition.slug)
        try:
            if change is not None and change.action is Action.CREATE:
                admit_board(board.definition, grown)
                check_room(declared)
                declared += 1
            elif change is not None and "prizes" in change.fields:
                check_prizes(board.definition.prizes, grown.conditions)
        except RewardsApiError as refused:
            problems.append(_refused(board, BoardChange, refused))
    return problems


def goal_admission_problems(
    loaded: LoadedFiles, changes: Sequence[GoalChange], catalogue: BoardSnapshot, declared: int
) -> list[FileProblem]:
    """What the API would refuse of the files' new goals (what each counts, its reward, the limit on goals).

    A stored goal's checked fields never change, so it is not checked again. `declared`: how many goals are stored.
    """
    grown = _grown(loaded, catalogue)
    created = {change.slug for change in changes if change.action is Action.CREATE}
    problems: list[FileProblem] = []
    for goal in loaded.goals:
        if goal.definition.slug not in created:
            continue
        try:
            admit_goal(goal.definition, grown)
            check_goal_room(declared)
            declared += 1
        except RewardsApiError as refused:
            problems.append(_refused(goal, GoalChange, refused))
    return problems


def _grown(loaded: LoadedFiles, catalogue: BoardSnapshot) -> BoardSnapshot:
    """The catalogue as the run leaves it: the files' counters added, their rewards' conditions for the stored."""
    counters = {**catalogue.counters, **{c.definition.name: c.definition.kind for c in loaded.counters}}
    conditions = {**catalogue.conditions}
    conditions.update(
        (r.definition.slug, [str(c.condition_type) for c in r.definition.conditions]) for r in loaded.rewards
    )
    return BoardSnapshot(counters, conditions)


def _refused(declared: LoadedBoard | LoadedGoal, kind: type[RewardChange], refused: RewardsApiError) -> FileProblem:
    named = refused.details[0].get("field") if refused.details else None
    return FileProblem(
        declared.file,
        f"{kind.noun}{declared.definition.slug!r}: {refused.code}: {refused.message}",
        item=declared.item,
        field=f"{kind.section}.{named}" if named else kind.section,
    )


def admission_problems(loaded: LoadedFiles, catalogue: CatalogueSnapshot) -> list[FileProblem]:
    """What the API would refuse of the files' rewards, each admitted against the catalogue as the run leaves it.

    Every reward the files hold exists for the others' prerequisites, and its own replace its stored
    ones; a tier is taken by what is stored, then by the files' rewards in their order.
    """
    counters = {**catalogue.counters, **{c.definition.name: c.definition.kind for c in loaded.counters}}
    slugs = catalogue.slugs | {reward.definition.slug for reward in loaded.rewards}
    graph = {**catalogue.prerequisites}
    graph.update((r.definition.slug, frozenset(prerequisites(r.definition.conditions))) for r in loaded.rewards)
    tiers = dict(catalogue.tiers)
    problems: list[FileProblem] = []
    for reward in loaded.rewards:
        definition = reward.definition
        try:
            admit(definition, CatalogueSnapshot(counters, slugs, graph, tiers, catalogue.taken))
        except RewardsApiError as refused:
            field_name = _REFUSED_FIELDS.get(refused.code) or (
                refused.details[0].get("field") if refused.details else None
            )
            reason = f"{refused.code}: {refused.message}"
            problems.append(FileProblem(reward.file, reason, item=reward.item, slug=definition.slug, field=field_name))
        if definition.series is not None and definition.tier is not None:
            tiers.setdefault((definition.series, definition.tier), definition.slug)
    return problems


# Refusals that name no field in their details: the field they concern.
_REFUSED_FIELDS = {"tier_taken": "tier", "max_claims_below_taken": "max_claims"}
