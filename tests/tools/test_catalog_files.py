"""Reward files are validated as a whole: every problem is reported, located by file, item, slug and field."""

import json
from datetime import UTC, datetime
from pathlib import Path

import yaml

from service.catalog_files import load_reward_files
from tests.support.factories import reward_payload
from tests.support.reward_files import write_rewards


def test_directory_loads_every_yaml_and_json_file_in_it(tmp_path: Path) -> None:
    write_rewards(tmp_path / "a.yaml", reward_payload(slug="a"))
    (tmp_path / "b.yml").write_text(yaml.safe_dump({"rewards": [reward_payload(slug="b")]}))
    (tmp_path / "c.json").write_text(json.dumps([reward_payload(slug="c")]))
    (tmp_path / "notes.txt").write_text("not a reward file")

    loaded = load_reward_files([tmp_path])

    assert loaded.problems == []
    assert [reward.definition.slug for reward in loaded.rewards] == ["a", "b", "c"]


def test_every_invalid_field_of_every_item_is_reported_at_once(tmp_path: Path) -> None:
    file = write_rewards(
        tmp_path / "bad.yaml",
        reward_payload(slug="ok"),
        reward_payload(slug="no-amount", reward_value={}),
        reward_payload(slug="bad-condition", conditions=[{"condition_type": "streak_length"}]),
        reward_payload(slug="Bad Slug", claim_window_hours=0),
    )

    problems = load_reward_files([file]).problems

    located = {(p.item, p.slug, p.field) for p in problems}
    assert (1, "no-amount", "reward_value.amount") in located
    assert (2, "bad-condition", "conditions[0].value") in located
    assert (3, "Bad Slug", "slug") in located
    assert (3, "Bad Slug", "claim_window_hours") in located
    assert all(p.file == str(file) for p in problems)
    assert "is required for a streak_length condition" in next(str(p) for p in problems if p.slug == "bad-condition")


def test_duplicate_slug_across_files_names_both_places(tmp_path: Path) -> None:
    write_rewards(tmp_path / "a.yaml", reward_payload(slug="same"))
    second = write_rewards(tmp_path / "b.yaml", reward_payload(slug="other"), reward_payload(slug="same"))

    (problem,) = load_reward_files([tmp_path]).problems

    assert (problem.file, problem.item, problem.slug) == (str(second), 1, "same")
    assert "a.yaml item 0" in problem.reason


def test_malformed_yaml_reports_file_and_line(tmp_path: Path) -> None:
    file = tmp_path / "broken.yaml"
    file.write_text("- slug: a\n  name: A\n  conditions: [unclosed\n  reward_type: badge\n")

    (problem,) = load_reward_files([file]).problems

    assert problem.file == str(file)
    assert problem.line is not None
    assert problem.line >= 3
    assert str(problem).startswith(f"{file}:{problem.line}: malformed YAML")


def test_malformed_json_reports_file_and_line(tmp_path: Path) -> None:
    file = tmp_path / "broken.json"
    file.write_text('[\n  {"slug": "a",\n   "name": }\n]\n')

    (problem,) = load_reward_files([file]).problems

    assert (problem.file, problem.line) == (str(file), 3)
    assert "malformed JSON" in problem.reason


def test_missing_path_and_wrong_top_level_shape_are_both_reported(tmp_path: Path) -> None:
    shape = tmp_path / "shape.yaml"
    shape.write_text("reward: []\n")

    problems = load_reward_files([tmp_path / "missing.yaml", shape]).problems

    assert [(p.file, p.reason) for p in problems] == [
        (str(tmp_path / "missing.yaml"), "no such file or directory"),
        (
            str(shape),
            (
                'expected a list of rewards, or a mapping with any of a "rewards", a "counters", a "leaderboards" '
                'and a "goals" list'
            ),
        ),
    ]


def test_item_that_is_not_a_mapping_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    file = write_rewards(tmp_path / "odd.yaml", "just a string")

    (problem,) = load_reward_files([file]).problems

    assert (problem.item, problem.slug) == (0, None)


SEASONAL_YAML = """\
- slug: winter-{n}
  name: Winter event
  reward_type: besitos
  reward_value: {{amount: 10}}
  conditions: []
  available_from: {start}
  available_until: 2026-12-31T00:00:00Z
"""


def test_a_yaml_season_is_read_as_utc_datetimes(tmp_path: Path) -> None:
    file = tmp_path / "season.yaml"
    file.write_text(SEASONAL_YAML.format(n=1, start="2026-12-01T00:00:00Z"))

    loaded = load_reward_files([file])

    assert loaded.problems == []
    reward = loaded.rewards[0].definition
    assert reward.available_from == datetime(2026, 12, 1, tzinfo=UTC)
    assert reward.available_until == datetime(2026, 12, 31, tzinfo=UTC)


def test_a_yaml_season_without_a_time_zone_is_a_located_problem(tmp_path: Path) -> None:
    file = tmp_path / "season.yaml"
    file.write_text(SEASONAL_YAML.format(n=1, start="2026-12-01 00:00:00"))

    problems = load_reward_files([file]).problems

    assert [str(p) for p in problems] == [
        f"{file}: item 0 (slug 'winter-1'): field 'available_from': must include its UTC offset, such as 2026-12-01T00:00:00Z"
    ]


def test_a_season_ending_before_it_starts_is_a_problem_of_its_item(tmp_path: Path) -> None:
    file = tmp_path / "season.yaml"
    file.write_text(SEASONAL_YAML.format(n=2, start="2027-01-01T00:00:00Z"))

    problems = load_reward_files([file]).problems

    assert [(p.item, p.slug, p.field) for p in problems] == [(0, "winter-2", "available_until")]
    assert problems[0].reason == "must be later than available_from"


def test_seed_files_meet_the_rules_of_a_definition_coming_in(tmp_path: Path) -> None:
    """As in the API: conditions given explicitly, none repeated, a besitos amount an event could spend."""
    omitted = {key: value for key, value in reward_payload(slug="a").items() if key != "conditions"}
    repeated = reward_payload(slug="b", conditions=[{"condition_type": "not_vip"}, {"condition_type": "not_vip"}])
    huge = reward_payload(slug="c", reward_value={"amount": 10**12 + 1})
    everyone = reward_payload(slug="d", conditions=[])
    file = write_rewards(tmp_path / "r.yaml", omitted, repeated, huge, everyone)

    loaded = load_reward_files([file])

    assert [(problem.slug, problem.field) for problem in loaded.problems] == [
        ("a", "conditions"),
        ("b", "conditions[1]"),
        ("c", "reward_value.amount"),
    ]
    assert '"conditions": []' in loaded.problems[0].reason
    assert [reward.definition.slug for reward in loaded.rewards] == ["d"]
