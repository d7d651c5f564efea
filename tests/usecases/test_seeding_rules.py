"""Seed files declare counters and use every run-time rule, with the API's checks: any problem, nothing written."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from service.db import collections
from service.db.connection import Database
from service.engine.seed_plan import Action
from service.usecases.seeding import InvalidRewardFiles, read_seed_plan, seed_catalog
from tests.support.factories import reward_payload
from tests.support.stored import stored_one

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
MESSAGES = {"name": "messages_sent", "kind": "count", "display_name": "Messages sent"}


def write(path: Path, counters: list | None = None, rewards: list | None = None) -> Path:
    data = {key: value for key, value in (("counters", counters), ("rewards", rewards)) if value is not None}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def counting(slug: str, counter: str = "messages_sent", **fields) -> dict:
    return reward_payload(
        slug=slug, conditions=[{"condition_type": "counter_at_least", "counter": counter, "value": 10}], **fields
    )


async def _problems(paths: list[Path]) -> list[str]:
    with pytest.raises(InvalidRewardFiles) as refused:
        await read_seed_plan(paths, prune=False)
    return [str(problem) for problem in refused.value.problems]


async def test_a_file_declares_its_counters_and_the_rewards_that_read_them(database: Database, tmp_path: Path):
    plan = await seed_catalog([write(tmp_path / "c.yaml", [MESSAGES], [counting("chatter", max_claims=5)])], T0)
    assert [change.describe() for change in plan.counter_changes] == ["create counter messages_sent"]
    assert plan.summary.endswith("; counters: created 1, updated 0, unchanged 0")
    assert (await stored_one(collections.counters(), {"name": "messages_sent"}))["kind"] == "count"
    assert (await stored_one(collections.reward_editions(), {"_id": "chatter"}))["max_claims"] == 5
    again = await seed_catalog([tmp_path / "c.yaml"], T0)
    assert again.writes == []
    assert again.counter_writes == []


async def test_a_counter_nobody_declared_is_a_problem_and_nothing_is_written(database: Database, tmp_path: Path):
    problems = await _problems([write(tmp_path / "r.yaml", rewards=[counting("chatter", counter="nowhere")])])
    assert len(problems) == 1
    assert "unknown_counter" in problems[0]
    assert "conditions[0].counter" in problems[0]
    assert await collections.rewards().count_documents({}) == 0


async def test_prerequisites_may_come_from_the_same_run_but_a_circle_is_a_problem(database: Database, tmp_path: Path):
    def after(slug: str, needed: str) -> dict:
        return reward_payload(slug=slug, conditions=[{"condition_type": "reward_claimed", "reward": needed}])

    chain = write(tmp_path / "chain.yaml", rewards=[after("b", "a"), reward_payload(slug="a")])
    assert (await seed_catalog([chain], T0)).count(Action.CREATE) == 2
    circle = write(tmp_path / "circle.yaml", rewards=[after("a", "b"), after("b", "a")])
    assert any("reward_cycle" in problem for problem in await _problems([circle]))
    assert any("unknown_reward" in p for p in await _problems([write(tmp_path / "x.yaml", rewards=[after("c", "z")])]))


async def test_a_tier_two_rewards_claim_is_a_problem(database: Database, tmp_path: Path):
    twins = [reward_payload(slug=slug, series="chatter", tier=1) for slug in ("a", "b")]
    assert any("tier_taken" in problem for problem in await _problems([write(tmp_path / "t.yaml", rewards=twins)]))


async def test_a_counters_kind_never_changes(database: Database, tmp_path: Path):
    await seed_catalog([write(tmp_path / "c.yaml", [MESSAGES])], T0)
    problems = await _problems([write(tmp_path / "c2.yaml", [{**MESSAGES, "kind": "value"}])])
    assert problems
    assert "kind never changes" in problems[0]
