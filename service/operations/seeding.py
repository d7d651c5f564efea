"""Load the reward catalogue from files: plan the changes (pure), then apply them with upserts by slug.

Used by the `rewards-seed` command and by the app at start-up, so both behave the same.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from pymongo.errors import DuplicateKeyError
from rewards_contract.rewards import RewardDefinition

from service.catalog_files import FileProblem, load_reward_files
from service.db import collections
from service.operations import races
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

    def describe(self) -> str:
        if self.action is Action.UPDATE:
            return f"update {self.slug}: {', '.join(sorted(self.fields))}"
        return f"{self.action} {self.slug}"


@dataclass(frozen=True)
class SeedPlan:
    changes: list[RewardChange]

    def count(self, action: Action) -> int:
        return sum(1 for change in self.changes if change.action is action)

    @property
    def writes(self) -> list[RewardChange]:
        return [change for change in self.changes if change.action is not Action.UNCHANGED]

    @property
    def summary(self) -> str:
        return ", ".join(f"{word} {self.count(action)}" for action, word in _SUMMARY_WORDS.items())


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


def plan_seed(
    definitions: Sequence[RewardDefinition], stored: Sequence[Mapping[str, Any]], *, prune: bool
) -> SeedPlan:
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


async def read_seed_plan(paths: Sequence[Path], *, prune: bool) -> SeedPlan:
    """Validate every file, then plan against the database; raise InvalidRewardFiles before any write."""
    loaded = load_reward_files(paths)
    if loaded.problems:
        raise InvalidRewardFiles(loaded.problems)
    projection = {name: 1 for name in RewardDefinition.model_fields}
    stored = await collections.rewards().find({}, projection).to_list(None)
    return plan_seed([reward.definition for reward in loaded.rewards], stored, prune=prune)


async def apply_seed_plan(plan: SeedPlan, now: datetime) -> None:
    """One atomic upsert per changed reward; unchanged rewards are not touched at all."""
    collection = collections.rewards()
    for change in plan.writes:
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
    if plan.writes:
        await bump_catalog_version(now)


async def seed_catalog(paths: Sequence[Path], now: datetime, *, prune: bool = False) -> SeedPlan:
    """Plan and apply in one call (start-up seeding); returns the plan that was applied."""
    plan = await read_seed_plan(paths, prune=prune)
    await apply_seed_plan(plan, now)
    return plan
