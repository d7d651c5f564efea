"""The one retry helper: a lost race is tried again, by class, a bounded number of times; nothing else is."""

import pytest
from rewards_contract.errors import AlreadyClaimed, Conflict, RaceLost

from service.operations import retries
from service.operations.retries import backoff_delay, retried


@pytest.fixture(autouse=True)
def no_pauses(monkeypatch):
    monkeypatch.setattr(retries, "FIRST_DELAY_SECONDS", 0.0)


class Flaky:
    """A step that raises `error` for its first `failures` calls, then answers how many calls it took."""

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures, self.error, self.calls = failures, error, 0

    async def __call__(self) -> int:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return self.calls


async def test_a_lost_race_is_tried_again_until_it_settles():
    step = Flaky(failures=3, error=RaceLost("raced"))
    assert await retried(step) == 4


async def test_a_race_never_settled_ends_after_the_attempts_with_the_last_race_lost():
    step = Flaky(failures=100, error=RaceLost("still racing"))
    with pytest.raises(RaceLost, match="still racing"):
        await retried(step, attempts=3)
    assert step.calls == 3


class NarrowerRace(RaceLost):
    """A kind of lost race: retried because of its class, whatever its exact type."""


async def test_whether_to_retry_is_decided_by_class():
    assert await retried(Flaky(failures=1, error=NarrowerRace("raced"))) == 2


@pytest.mark.parametrize("error", [AlreadyClaimed("no"), Conflict("a 409 of the family"), ValueError("bug")])
async def test_anything_but_a_lost_race_ends_the_retries_at_once(error):
    step = Flaky(failures=1, error=error)
    with pytest.raises(type(error)):
        await retried(step)
    assert step.calls == 1


def test_the_pauses_double_from_the_first_up_to_the_ceiling():
    assert [backoff_delay(n, 0.5, 4.0) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert backoff_delay(10_000, 1.0, 600.0) == 600.0  # no overflow however long the failures last
