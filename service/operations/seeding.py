"""Load the reward catalogue from files: plan the changes (pure), then apply them with upserts by slug.

Used by the `rewards-seed` command and by the app at start-up, so both behave the same. The files'
rewards pass the same checks as the API's (their counters declared, their prerequisites existing,
no cycle, tiers free), against the stored catalogue together with what the files add; any problem
stops the run before anything is written. Writing happens under the catalogue's write lock.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

from pymongo.errors import DuplicateKeyError
from rewards_contract.enums import CounterKind
from rewards_contract.errors import RewardsApiError
from rewards_contract.rewards import RewardDefinition

from service.catalog_files import FileProblem, LoadedFiles, load_reward_files
from service.db import collections
from service.engine.catalog_rules import (
    check_counters,
    check_no_cycle,
    check_prerequisites_exist,
    prerequisites,
    stored_prerequisites,
)
from service.engine.intake import intake_problems
from service.operations import races
from service.operations.catalog import catalogue_change, list_rewards, set_edition_cap
from service.operations.catalog_version import bump_catalog_version


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


def rule_problems(
    loaded: LoadedFiles, stored_rewards: Sequence[Mapping[str, Any]], stored_counters: Sequence[Mapping[str, Any]]
) -> list[FileProblem]:
    """What the API would refuse in the files' rewards, checked against the catalogue as the run would leave it."""
    kinds = {doc["name"]: CounterKind(doc["kind"]) for doc in stored_counters}
    kinds |= {c.definition.name: c.definition.kind for c in loaded.counters}
    stored_by_slug = {doc["slug"]: doc for doc in stored_rewards}
    slugs = set(stored_by_slug) | {r.definition.slug for r in loaded.rewards}
    graph = {slug: stored_prerequisites(doc.get("conditions") or []) for slug, doc in stored_by_slug.items()} | {
        r.definition.slug: prerequisites(r.definition.conditions) for r in loaded.rewards
    }
    tiers: dict[tuple[str, int], str] = {
        (doc["series"], doc["tier"]): slug for slug, doc in stored_by_slug.items() if doc.get("series") is not None
    }
    problems: list[FileProblem] = []
    for reward in loaded.rewards:
        definition = reward.definition
        try:
            check_counters(definition.conditions, kinds)
            check_prerequisites_exist(definition.conditions, slugs)
            if prerequisites(definition.conditions):
                check_no_cycle(definition.slug, graph)
        except RewardsApiError as refused:
            field_name = (refused.details or [{}])[0].get("field")
            problems.append(
                FileProblem(
                    reward.file,
                    f"{refused.code}: {refused.message}",
                    item=reward.item,
                    slug=definition.slug,
                    field=field_name,
                )
            )
        if definition.series is not None and definition.tier is not None:
            holder = tiers.setdefault((definition.series, definition.tier), definition.slug)
            if holder != definition.slug:
                problems.append(
                    FileProblem(
                        reward.file,
                        f"tier_taken: tier {definition.tier} of series {definition.series!r} is already {holder!r}",
                        item=reward.item,
                        slug=definition.slug,
                        field="tier",
                    )
                )
    return problems


async def _caps_below_taken(loaded: LoadedFiles) -> list[FileProblem]:
    """Limited editions whose file lowers max_claims below the slots already taken."""
    capped = {r.definition.slug: r for r in loaded.rewards if r.definition.max_claims is not None}
    if not capped:
        return []
    problems = []
    async for edition in collections.reward_editions().find({"_id": {"$in": sorted(capped)}}, {"taken": 1}):
        reward = capped[edition["_id"]]
        if edition["taken"] > (reward.definition.max_claims or 0):
            problems.append(
                FileProblem(
                    reward.file,
                    f"max_claims_below_taken: {edition['taken']} slots are already taken",
                    item=reward.item,
                    slug=reward.definition.slug,
                    field="max_claims",
                )
            )
    return problems


async def read_seed_plan(paths: Sequence[Path], *, prune: bool) -> SeedPlan:
    """Validate every file, then plan against the database; raise InvalidRewardFiles before any write."""
    loaded = load_reward_files(paths)
    if loaded.problems:
        raise InvalidRewardFiles(loaded.problems)
    projection = {name: 1 for name in RewardDefinition.model_fields}
    stored = await collections.rewards().find({}, projection).to_list(None)
    stored_counters = await collections.counters().find({}).to_list(None)
    counter_changes, problems = plan_counters(loaded, stored_counters)
    problems += rule_problems(loaded, stored, stored_counters)
    problems += await _caps_below_taken(loaded)
    if problems:
        raise InvalidRewardFiles(problems)
    plan = plan_seed([reward.definition for reward in loaded.rewards], stored, prune=prune)
    return SeedPlan(plan.changes, counter_changes)


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
        for reward in await list_rewards()  # loaded as the catalogue loads them
        for problem in intake_problems(reward, changed=RewardDefinition.model_fields)
    ]


async def apply_seed_plan(plan: SeedPlan, now: datetime) -> None:
    """One atomic upsert per changed counter, then per changed reward; unchanged ones are not touched at all."""
    if not plan.writes and not plan.counter_writes:
        return
    async with catalogue_change(now):
        await _apply_counters(plan.counter_writes, now)
        await _apply_rewards(plan.writes, now)
    await bump_catalog_version(now)


async def _apply_counters(changes: list[CounterChange], now: datetime) -> None:
    for change in changes:
        try:
            await collections.counters().update_one(
                {"name": change.slug},
                {"$set": {**change.fields, "updated_at": now}, "$setOnInsert": {"created_at": now}},
                upsert=True,
            )
        except DuplicateKeyError:  # declared meanwhile through the API: the texts are set next time
            pass


async def _apply_rewards(changes: list[RewardChange], now: datetime) -> None:
    collection = collections.rewards()
    for change in changes:
        if change.action is Action.DEACTIVATE:
            # Guarded: a reward re-activated meanwhile is not counted twice, and none is ever deleted.
            await collection.update_one(
                {"slug": change.slug, "is_active": {"$ne": False}},
                {"$set": {"is_active": False, "updated_at": now}},
            )
            continue
        for attempt in range(races.ATTEMPTS):
            await races.backoff(attempt)
            try:
                await collection.update_one(
                    {"slug": change.slug},
                    {"$set": {**change.fields, "updated_at": now}, "$setOnInsert": {"created_at": now}},
                    upsert=True,
                )
                break
            except DuplicateKeyError:
                pass  # another instance seeding at start-up inserted it first: the retry updates it
        else:
            raise races.gave_up(f"Seeding reward {change.slug!r}")
        if "max_claims" in change.fields:
            sold_out = await set_edition_cap(change.slug, change.fields["max_claims"], now)
            await collection.update_one({"slug": change.slug}, {"$set": {"sold_out": sold_out}})


async def seed_catalog(paths: Sequence[Path], now: datetime, *, prune: bool = False) -> SeedPlan:
    """Plan and apply in one call (start-up seeding); returns the plan that was applied."""
    plan = await read_seed_plan(paths, prune=prune)
    await apply_seed_plan(plan, now)
    return plan
