"""Leaderboards' pure rules: which run a moment falls in, which boards an event feeds, when a run closes, who wins what."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rewards_contract.leaderboards import BoardPeriod, Prize

ALL_TIME_KEY = "all"
SEASON_KEY = "season"


@dataclass(frozen=True, slots=True)
class Run:
    """One run of a board: its key, and its bounds (None for all_time; `ends_at` exclusive)."""

    key: str
    starts_at: datetime | None
    ends_at: datetime | None


@dataclass(frozen=True, slots=True)
class ActiveBoard:
    """What events and closings read of an active board, built once per catalogue load."""

    slug: str
    ranks: str
    period: BoardPeriod
    starts_at: datetime | None
    ends_at: datetime | None
    prizes: tuple[Prize, ...]

    def run_at(self, moment: datetime) -> Run | None:
        """The run `moment` falls in; None for a season outside its bounds."""
        return run_at(self.period, moment, self.starts_at, self.ends_at)

    @property
    def worst_prized_rank(self) -> int:
        return max((prize.to_rank for prize in self.prizes), default=0)


@dataclass(frozen=True, slots=True)
class BoardFeed:
    """What one event adds to one board's current run."""

    board: str
    run: Run
    amount: int


def _midnight(moment: datetime) -> datetime:
    return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)


def run_at(
    period: BoardPeriod, moment: datetime, starts_at: datetime | None = None, ends_at: datetime | None = None
) -> Run | None:
    """The run of a board of this period that `moment` falls in (UTC)."""
    moment = moment.astimezone(UTC)
    if period is BoardPeriod.ALL_TIME:
        return Run(ALL_TIME_KEY, None, None)
    if period is BoardPeriod.SEASON:
        if starts_at is None or ends_at is None or not starts_at <= moment < ends_at:
            return None
        return Run(SEASON_KEY, starts_at, ends_at)
    day = _midnight(moment)
    if period is BoardPeriod.DAILY:
        return Run(day.date().isoformat(), day, day + timedelta(days=1))
    if period is BoardPeriod.WEEKLY:
        monday = day - timedelta(days=day.weekday())
        year, week, _ = monday.isocalendar()
        return Run(f"{year}-W{week:02d}", monday, monday + timedelta(days=7))
    first = day.replace(day=1)
    following = (
        first.replace(year=first.year + 1, month=1) if first.month == 12 else first.replace(month=first.month + 1)
    )
    return Run(f"{first.year}-{first.month:02d}", first, following)


def run_of_key(board: ActiveBoard, key: str) -> Run | None:
    """The run a key names, or None when the board has no such run (a bad key from a path)."""
    if board.period is BoardPeriod.ALL_TIME:
        return Run(ALL_TIME_KEY, None, None) if key == ALL_TIME_KEY else None
    if board.period is BoardPeriod.SEASON:
        return Run(SEASON_KEY, board.starts_at, board.ends_at) if key == SEASON_KEY else None
    try:
        if board.period is BoardPeriod.DAILY:
            moment = datetime.strptime(key, "%Y-%m-%d").replace(tzinfo=UTC)
        elif board.period is BoardPeriod.WEEKLY:
            moment = datetime.strptime(f"{key}-1", "%G-W%V-%u").replace(tzinfo=UTC)
        else:
            moment = datetime.strptime(f"{key}-01", "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None
    found = board.run_at(moment)
    return found if found is not None and found.key == key else None


def last_ended_run(board: ActiveBoard, now: datetime) -> Run | None:
    """The most recent run of the board that ended before `now` (None: none has, or it never ends)."""
    if board.period is BoardPeriod.ALL_TIME:
        return None
    if board.period is BoardPeriod.SEASON:
        if board.ends_at is None or now < board.ends_at:
            return None
        return Run(SEASON_KEY, board.starts_at, board.ends_at)
    current = board.run_at(now)
    if current is None or current.starts_at is None:
        return None
    return board.run_at(current.starts_at - timedelta(microseconds=1))


def due_to_close(board: ActiveBoard, now: datetime, grace: timedelta) -> Run | None:
    """The run to close now: the last one that ended, once the grace period after its end has passed.

    An event stamped before a run's end can still be committing after it; the grace period (far
    longer than a request's deadline) lets those land before the standings are read.
    """
    run = last_ended_run(board, now)
    if run is None or run.ends_at is None or now < run.ends_at + grace:
        return None
    return run


def boards_fed(boards: Iterable[ActiveBoard], counted: Mapping[str, int], now: datetime) -> list[BoardFeed]:
    """What an event that counted these amounts adds to each board's current run."""
    fed = []
    for board in boards:
        amount = counted.get(board.ranks, 0)
        if amount <= 0:
            continue
        run = board.run_at(now)
        if run is not None:
            fed.append(BoardFeed(board.slug, run, amount))
    return fed


def awards_of(prizes: Sequence[Prize], ranked_users: Sequence[int]) -> list[tuple[int, int, str]]:
    """(user id, rank, reward slug) for each prize line and each rank it covers that some user holds."""
    awards = []
    for prize in prizes:
        for rank in range(prize.from_rank, min(prize.to_rank, len(ranked_users)) + 1):
            awards.append((ranked_users[rank - 1], rank, prize.reward))
    return awards


def closing_id(board: str, run: str) -> str:
    return f"{board}:{run}"


def prize_marker(board: str, run: str) -> str:
    """What an awarded unlock records as `unlocked_by`: the same run gives the same prize once."""
    return f"leaderboard:{board}:{run}"
