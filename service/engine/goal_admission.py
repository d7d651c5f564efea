"""Admission of a community goal: the checks every way in uses (the API, seed files), over plain values.

The contract's model checks a goal on its own (its window in order, a positive target). What
needs the catalogue is a leaderboard's checks (`board_admission`), on the goal's own fields: what
it `counts` is something events add to, and its `reward` is one only reaching the goal gives.
"""

from rewards_contract.errors import TooManyGoals
from rewards_contract.goals import MAX_GOALS, GoalDefinition

from service.engine.board_admission import BoardSnapshot, check_awarded, check_ranked


def admit_goal(definition: GoalDefinition, catalogue: BoardSnapshot) -> None:
    """Raise the first refusal of a new goal, or return: it may be declared."""
    check_ranked(definition.counts, catalogue.counters, "counts")
    check_awarded(definition.reward, catalogue.conditions, "reward")


def check_goal_room(declared: int) -> None:
    """Another goal may be declared while fewer than MAX_GOALS are (each active one rides in every cache)."""
    if declared >= MAX_GOALS:
        raise TooManyGoals(f"At most {MAX_GOALS} community goals can be declared.")
