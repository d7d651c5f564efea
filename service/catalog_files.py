"""Reward files (YAML or JSON) read and validated as a whole, so one run reports every problem at once.

A file holds a list of rewards, or a mapping with a `rewards` list, a `counters` list (counters to
declare, as `POST /v1/counters` takes them), or both.
"""

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from rewards_contract.counters import CounterDefinition
from rewards_contract.rewards import RewardDefinition

from service.engine.intake import intake_problems
from service.engine.seed_plan import FileProblem, LoadedCounter, LoadedFiles, LoadedReward
from service.plain_errors import plain_errors

REWARD_FILE_SUFFIXES = (".yaml", ".yml", ".json")


def reward_files(paths: Iterable[Path]) -> tuple[list[Path], list[FileProblem]]:
    """Expand directories to their reward files (sorted, not recursive); missing paths are problems."""
    files: list[Path] = []
    problems: list[FileProblem] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in REWARD_FILE_SUFFIXES)
            if not found:
                problems.append(FileProblem(str(path), "directory holds no *.yaml, *.yml or *.json file"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(FileProblem(str(path), "no such file or directory"))
    return files, problems


def load_reward_files(paths: Sequence[Path]) -> LoadedFiles:
    """Parse and validate every file; collect every problem instead of stopping at the first."""
    files, problems = reward_files(paths)
    rewards: list[LoadedReward] = []
    counters: list[LoadedCounter] = []
    for file in files:
        items, counter_items, file_problems = _read_items(file)
        problems.extend(file_problems)
        for index, item in enumerate(items):
            loaded, item_problems = _validate_item(str(file), index, item)
            problems.extend(item_problems)
            if loaded is not None:
                rewards.append(loaded)
        for index, item in enumerate(counter_items):
            counter, item_problems = _validate_counter(str(file), index, item)
            problems.extend(item_problems)
            if counter is not None:
                counters.append(counter)
    problems.extend(_duplicate_slugs(rewards))
    problems.extend(_duplicate_counters(counters))
    return LoadedFiles(rewards=rewards, problems=problems, counters=counters)


_SHAPE = 'expected a list of rewards, or a mapping with a "rewards" list, a "counters" list, or both'


def _read_items(file: Path) -> tuple[list[Any], list[Any], list[FileProblem]]:
    """The raw reward items and counter items in one file."""
    name = str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return [], [], [FileProblem(name, f"cannot read: {error}")]
    try:
        data = json.loads(text) if file.suffix == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as error:
        return [], [], [FileProblem(name, f"malformed JSON: {error.msg} (column {error.colno})", line=error.lineno)]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        reason = getattr(error, "problem", None) or str(error)
        line = mark.line + 1 if mark is not None else None
        return [], [], [FileProblem(name, f"malformed YAML: {reason}", line=line)]
    if isinstance(data, list):
        return data, [], []
    if isinstance(data, dict) and data and set(data) <= {"rewards", "counters"}:
        rewards, counters = data.get("rewards", []), data.get("counters", [])
        if isinstance(rewards, list) and isinstance(counters, list):
            return rewards, counters, []
    return [], [], [FileProblem(name, _SHAPE)]


def _validate_item(file: str, index: int, item: Any) -> tuple[LoadedReward | None, list[FileProblem]]:
    """Validate with the model the API uses; one problem per failing field."""
    slug = item.get("slug") if isinstance(item, dict) and isinstance(item.get("slug"), str) else None
    try:
        definition = RewardDefinition.model_validate(item)
    except ValidationError as error:
        return None, [
            FileProblem(file, refused["message"], item=index, slug=slug, field=refused["field"] or None)
            for refused in plain_errors(error.errors(include_url=False), RewardDefinition)
        ]
    problems = [
        FileProblem(file, problem.message, item=index, slug=slug, field=problem.field)
        for problem in intake_problems(definition)
    ]
    if problems:
        return None, problems
    return LoadedReward(definition=definition, file=file, item=index), []


def _validate_counter(file: str, index: int, item: Any) -> tuple[LoadedCounter | None, list[FileProblem]]:
    """Validate a counter declaration with the model the API uses; one problem per failing field."""
    name = item.get("name") if isinstance(item, dict) and isinstance(item.get("name"), str) else None
    try:
        definition = CounterDefinition.model_validate(item)
    except ValidationError as error:
        return None, [
            FileProblem(
                file,
                f"counter {name!r}: {refused['message']}" if name else refused["message"],
                item=index,
                field=f"counters.{refused['field']}" if refused["field"] else "counters",
            )
            for refused in plain_errors(error.errors(include_url=False), CounterDefinition)
        ]
    return LoadedCounter(definition=definition, file=file, item=index), []


def _duplicate_counters(counters: list[LoadedCounter]) -> list[FileProblem]:
    """Every repeat of a counter name declared earlier, in the same file or another."""
    first: dict[str, LoadedCounter] = {}
    problems: list[FileProblem] = []
    for counter in counters:
        name = counter.definition.name
        if name in first:
            problems.append(
                FileProblem(
                    counter.file,
                    f"counter {name!r} declared twice, first in {first[name].file} counters item {first[name].item}",
                    item=counter.item,
                    field="counters.name",
                )
            )
        else:
            first[name] = counter
    return problems


def _duplicate_slugs(rewards: list[LoadedReward]) -> list[FileProblem]:
    """Every repeat of a slug already defined earlier, in the same file or another."""
    first: dict[str, LoadedReward] = {}
    problems: list[FileProblem] = []
    for reward in rewards:
        slug = reward.definition.slug
        if slug in first:
            original = first[slug]
            problems.append(
                FileProblem(
                    reward.file,
                    f"duplicate slug, first defined in {original.file} item {original.item}",
                    item=reward.item,
                    slug=slug,
                    field="slug",
                )
            )
        else:
            first[slug] = reward
    return problems
