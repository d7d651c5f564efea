"""Reward files (YAML or JSON) read and validated as a whole, so one run reports every problem at once.

A file holds a list of rewards, or a mapping with any of a `rewards` list, a `counters` list
(counters to declare, as `POST /v1/counters` takes them), a `leaderboards` list (boards to
declare, as `POST /v1/leaderboards` takes them) and a `goals` list (community goals, as
`POST /v1/goals` takes them).
"""

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from rewards_contract.counters import CounterDefinition
from rewards_contract.goals import GoalDefinition
from rewards_contract.leaderboards import LeaderboardDefinition
from rewards_contract.rewards import RewardDefinition

from service.engine.intake import intake_problems
from service.engine.seed_plan import FileProblem, LoadedBoard, LoadedCounter, LoadedFiles, LoadedGoal, LoadedReward
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
    boards: list[LoadedBoard] = []
    goals: list[LoadedGoal] = []
    for file in files:
        sections, file_problems = _read_items(file)
        problems.extend(file_problems)
        for index, item in enumerate(sections.get("rewards", [])):
            loaded, item_problems = _validate_item(str(file), index, item)
            problems.extend(item_problems)
            if loaded is not None:
                rewards.append(loaded)
        for index, item in enumerate(sections.get("counters", [])):
            counter, item_problems = _validate_declared(str(file), index, item, CounterDefinition, "counters")
            problems.extend(item_problems)
            if counter is not None:
                counters.append(LoadedCounter(definition=counter, file=str(file), item=index))
        for index, item in enumerate(sections.get("leaderboards", [])):
            board, item_problems = _validate_declared(str(file), index, item, LeaderboardDefinition, "leaderboards")
            problems.extend(item_problems)
            if board is not None:
                boards.append(LoadedBoard(definition=board, file=str(file), item=index))
        for index, item in enumerate(sections.get("goals", [])):
            goal, item_problems = _validate_declared(str(file), index, item, GoalDefinition, "goals")
            problems.extend(item_problems)
            if goal is not None:
                goals.append(LoadedGoal(definition=goal, file=str(file), item=index))
    problems.extend(_duplicate_slugs(rewards))
    problems.extend(_repeated("counters", [(c.definition.name, c.file, c.item) for c in counters]))
    problems.extend(_repeated("leaderboards", [(b.definition.slug, b.file, b.item) for b in boards]))
    problems.extend(_repeated("goals", [(g.definition.slug, g.file, g.item) for g in goals]))
    return LoadedFiles(rewards=rewards, problems=problems, counters=counters, boards=boards, goals=goals)


SECTIONS = ("rewards", "counters", "leaderboards", "goals")
_SHAPE = (
    'expected a list of rewards, or a mapping with any of a "rewards", a "counters", a "leaderboards" '
    'and a "goals" list'
)


def _read_items(file: Path) -> tuple[dict[str, list[Any]], list[FileProblem]]:
    """The raw items of one file, by section (a bare list is rewards)."""
    name = str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return {}, [FileProblem(name, f"cannot read: {error}")]
    try:
        data = json.loads(text) if file.suffix == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as error:
        return {}, [FileProblem(name, f"malformed JSON: {error.msg} (column {error.colno})", line=error.lineno)]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        reason = getattr(error, "problem", None) or str(error)
        line = mark.line + 1 if mark is not None else None
        return {}, [FileProblem(name, f"malformed YAML: {reason}", line=line)]
    if isinstance(data, list):
        return {"rewards": data}, []
    sections = isinstance(data, dict) and data and set(data) <= set(SECTIONS)
    if sections and all(isinstance(items, list) for items in data.values()):
        return data, []
    return {}, [FileProblem(name, _SHAPE)]


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


Declared = TypeVar("Declared", bound=BaseModel)
# How a problem names an item of each section beside rewards, by its `name` or `slug`.
_NOUNS = {"counters": ("counter", "name"), "leaderboards": ("leaderboard", "slug"), "goals": ("goal", "slug")}


def _validate_declared(
    file: str, index: int, item: Any, model: type[Declared], section: str
) -> tuple[Declared | None, list[FileProblem]]:
    """Validate a counter, board or goal with the API's model; one problem per failing field (`section.field`)."""
    noun, key = _NOUNS[section]
    name = item.get(key) if isinstance(item, dict) and isinstance(item.get(key), str) else None
    try:
        return model.model_validate(item), []
    except ValidationError as error:
        return None, [
            FileProblem(
                file,
                f"{noun} {name!r}: {refused['message']}" if name else refused["message"],
                item=index,
                field=f"{section}.{refused['field']}" if refused["field"] else section,
            )
            for refused in plain_errors(error.errors(include_url=False), model)
        ]


def _repeated(section: str, declared: list[tuple[str, str, int]]) -> list[FileProblem]:
    """Every repeat of a counter's name or a board's or goal's slug (`declared`: name, file, item) declared earlier."""
    noun, key = _NOUNS[section]
    first: dict[str, tuple[str, int]] = {}
    problems: list[FileProblem] = []
    for name, file, item in declared:
        if name in first:
            where, index = first[name]
            problems.append(
                FileProblem(
                    file,
                    f"{noun} {name!r} declared twice, first in {where} {section} item {index}",
                    item=item,
                    field=f"{section}.{key}",
                )
            )
        else:
            first[name] = (file, item)
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
