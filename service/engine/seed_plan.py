"""What loading reward files would change in the catalogue (pure): the plan `rewards-seed --dry-run` prints.

The files' rewards and counters are compared with what is stored; each reward is admitted
(`admission.admit`) against the stored catalogue grown by the files' rewards before it, exactly as
the API admits one. Any problem is a `FileProblem`, located in its file; the seeding use case
(`service/usecases/seeding.py`) stops before writing anything when there is one.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar

from rewards_contract.counters import CounterDefinition
from rewards_contract.errors import RewardsApiError
from rewards_contract.rewards import RewardDefinition

from service.engine.admission import CatalogueSnapshot, admit
from service.engine.catalog_rules import prerequisites


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
class LoadedFiles:
    rewards: list[LoadedReward]
    problems: list[FileProblem]
    counters: list[LoadedCounter] = field(default_factory=list)


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

    def describe(self) -> str:
        if self.action is Action.UPDATE:
            return f"update {self.noun}{self.slug}: {', '.join(sorted(self.fields))}"
        return f"{self.action} {self.noun}{self.slug}"


class CounterChange(RewardChange):
    """What seeding does to one counter (`slug` is its name): declare it, change its texts, or nothing."""

    noun = "counter "


@dataclass(frozen=True)
class SeedPlan:
    changes: list[RewardChange]
    counter_changes: list[CounterChange] = field(default_factory=list)

    def count(self, action: Action) -> int:
        return sum(1 for change in self.changes if change.action is action)

    @property
    def writes(self) -> list[RewardChange]:
        return [change for change in self.changes if change.action is not Action.UNCHANGED]

    @property
    def counter_writes(self) -> list[CounterChange]:
        return [change for change in self.counter_changes if change.action is not Action.UNCHANGED]

    @property
    def summary(self) -> str:
        line = ", ".join(f"{word} {self.count(action)}" for action, word in _SUMMARY_WORDS.items())
        if self.counter_changes:
            counts = {
                action: sum(c.action is action for c in self.counter_changes)
                for action in (Action.CREATE, Action.UPDATE, Action.UNCHANGED)
            }
            line += "; counters: " + ", ".join(f"{_SUMMARY_WORDS[a]} {n}" for a, n in counts.items())
        return line


def stored_definition(definition: RewardDefinition) -> dict[str, Any]:
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
