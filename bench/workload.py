"""What the bench loads and sends: its rewards and users, and the requests of each measured row.

Reward i unlocks at (i + 1) × POINTS_STEP total points (and level 1); they read no other fact, so
a reaction event changes no reward (the quiet row), and POINTS_STEP points take a loaded user
(who holds a whole number of steps plus half a step) across exactly one threshold (the unlocking
row) while thresholds are left: `unlock_budget` says for how many events.
"""

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bench.load import Call, PhaseResult
from bench.servers import ADMIN_TOKEN

POINTS_STEP = 100
PAGE_SIZE = 20  # the list-page row's `limit`


@dataclass(frozen=True)
class Row:
    """A measured endpoint: the bench's name for it, its route as the metrics name it, and wrk's kind of request."""

    name: str
    method: str
    route: str
    # The request wrk's script sends (its name, when empty).
    kind: str = ""

    @property
    def generator_kind(self) -> str:
        return self.kind or self.name


LIST = Row("list", "GET", "/v1/users/{user_id}/rewards")
# The reads whose cost must not grow with the catalogue: the list's first page, and one reward of one user.
LIST_PAGE = Row("list-page", "GET", "/v1/users/{user_id}/rewards")
ONE_REWARD = Row("one-reward", "GET", "/v1/users/{user_id}/rewards/{slug}")
QUIET_EVENT = Row("quiet-event", "POST", "/v1/users/{user_id}/events")
UNLOCK_EVENT = Row("unlock-event", "POST", "/v1/users/{user_id}/events")
CLAIM = Row("claim", "POST", "/v1/users/{user_id}/rewards/{slug}/claim")
KEYED_CLAIM = Row("keyed-claim", "POST", "/v1/users/{user_id}/rewards/{slug}/claim")
# Rows of the rules that may cost more, measured after the others (their rewards exist only then).
CAPPED_CLAIM = Row("capped-claim", "POST", "/v1/users/{user_id}/rewards/{slug}/claim", kind="claim")
CHAIN_CLAIM = Row("chain-claim", "POST", "/v1/users/{user_id}/rewards/{slug}/claim", kind="claim")
# Leaderboards, measured last, on a board created only then: an event that feeds it (a daily gift, which
# no bench reward reads), and one user's rank with the two users above and below.
BOARD_EVENT = Row("board-event", "POST", "/v1/users/{user_id}/events")
RANK = Row("rank", "GET", "/v1/leaderboards/{slug}/users/{user_id}")
ROWS = (
    LIST,
    LIST_PAGE,
    ONE_REWARD,
    QUIET_EVENT,
    UNLOCK_EVENT,
    CLAIM,
    KEYED_CLAIM,
    CAPPED_CLAIM,
    CHAIN_CLAIM,
    BOARD_EVENT,
    RANK,
)
BOARD_SLUG = "bench-gifts"
EDITION_SLUG = "bench-edition"
STEP_SLUG = "bench-step"


def bench_slug(number: int) -> str:
    """The slug of the bench's reward `number` (0, 1, ...): wrk's script writes the same."""
    return f"bench-{number:03d}"


def reward_calls(count: int) -> Iterator[Call]:
    for number in range(count):
        yield Call(
            "POST",
            "/v1/rewards",
            {
                "slug": bench_slug(number),
                "name": f"Bench reward {number}",
                "reward_type": "besitos",
                "reward_value": {"amount": 10},
                "claim_window_hours": 168,
                "sort_order": number,
                "conditions": [
                    {"condition_type": "total_points", "value": (number + 1) * POINTS_STEP},
                    {"condition_type": "level_reached", "value": 1},
                ],
            },
            {"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )


def rule_reward_calls() -> Iterator[Call]:
    """A limited edition too large to sell out, and a reward whose claim unlocks the one that needs it."""
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    level = [{"condition_type": "level_reached", "value": 1}]
    for slug, fields in (
        (EDITION_SLUG, {"max_claims": 100_000, "conditions": level}),
        (STEP_SLUG, {"conditions": level}),
        ("bench-after-step", {"conditions": [{"condition_type": "reward_claimed", "reward": STEP_SLUG}]}),
    ):
        yield Call(
            "POST",
            "/v1/rewards",
            {
                "slug": slug,
                "name": slug,
                "reward_type": "besitos",
                "reward_value": {"amount": 1},
                "sort_order": 1000,
                **fields,
            },
            admin,
        )


def level_up_calls(users: int) -> Iterator[Call]:
    """Level 3 for every user: unlocks the rules' rewards (the bench's own already hold at level 1)."""
    for user_id in range(1, users + 1):
        yield Call("PUT", f"/v1/users/{user_id}/facts", {"level": 3})


def user_steps(users: int, unlocked: int, rng: random.Random) -> list[int]:
    """How many thresholds each user (1, 2, ...) has passed when loaded: `unlocked` on average."""
    return [rng.randint(0, 2 * unlocked) for _ in range(users)]


def user_calls(steps: Sequence[int]) -> Iterator[Call]:
    for user_id, passed in enumerate(steps, start=1):
        yield Call(
            "PUT", f"/v1/users/{user_id}/facts", {"total_points": passed * POINTS_STEP + POINTS_STEP // 2, "level": 2}
        )


def unlock_budget(steps: Sequence[int], rewards: int) -> int:
    """Unlocking events the users can take in turn, each crossing exactly one threshold."""
    return len(steps) * max(0, rewards - max(steps, default=0))


def unlocked_pairs(loaded: PhaseResult) -> list[tuple[int, str]]:
    """The (user, reward) pairs the facts PUTs unlocked: what the claims claim."""
    pairs = []
    for call, body in loaded.bodies:
        user_id = int(call.path.split("/")[3])
        pairs += [(user_id, unlock["slug"]) for unlock in body["unlocked"]]
    return pairs


def list_calls(count: int, users: int, rng: random.Random) -> Iterator[Call]:
    for _ in range(count):
        yield Call("GET", f"/v1/users/{rng.randint(1, users)}/rewards")


def list_page_calls(count: int, users: int, rng: random.Random) -> Iterator[Call]:
    for _ in range(count):
        yield Call("GET", f"/v1/users/{rng.randint(1, users)}/rewards?limit={PAGE_SIZE}")


def one_reward_calls(count: int, users: int, rewards: int, rng: random.Random) -> Iterator[Call]:
    """One reward of one user, both at random: a few the user unlocked, most still locked."""
    for _ in range(count):
        yield Call("GET", f"/v1/users/{rng.randint(1, users)}/rewards/{bench_slug(rng.randrange(rewards))}")


def quiet_event_calls(count: int, users: int, rng: random.Random) -> Iterator[Call]:
    for number in range(count):
        yield Call(
            "POST", f"/v1/users/{rng.randint(1, users)}/events", {"event_id": f"quiet-{number}", "type": "reaction"}
        )


def unlock_event_calls(count: int, users: int) -> Iterator[Call]:
    for number in range(count):
        yield Call(
            "POST",
            f"/v1/users/{number % users + 1}/events",
            {"event_id": f"unlock-{number}", "type": "points", "amount": POINTS_STEP},
        )


def event_calls(count: int, users: int, rng: random.Random, tag: str) -> Iterator[Call]:
    """Points events of random sizes to random users: the open loop's and the soak's mix of events."""
    for number in range(count):
        yield Call(
            "POST",
            f"/v1/users/{rng.randint(1, users)}/events",
            {"event_id": f"{tag}-{number}", "type": "points", "amount": rng.randint(1, 30)},
        )


def mixed_calls(count: int, users: int, rng: random.Random) -> Iterator[tuple[str, Call]]:
    """The open-loop phase's load: a new event, then a list, and so on, each tagged with its endpoint."""
    events, lists = event_calls(count, users, rng, "open"), list_calls(count, users, rng)
    for number in range(count):
        yield ("event", next(events)) if number % 2 == 0 else ("list", next(lists))


def claim_path(user_id: int, slug: str) -> str:
    return f"/v1/users/{user_id}/rewards/{slug}/claim"


def claim_calls(pairs: Sequence[tuple[int, str]], key_prefix: str | None = None) -> Iterator[Call]:
    """One claim per pair; with `key_prefix`, each with an Idempotency-Key of its own."""
    for number, (user_id, slug) in enumerate(pairs):
        headers = None if key_prefix is None else {"Idempotency-Key": f"{key_prefix}-{number}"}
        yield Call("POST", claim_path(user_id, slug), headers=headers)


def board_calls() -> Iterator[Call]:
    """A daily board of the daily gifts users open: what the board rows feed and read."""
    body = {"slug": BOARD_SLUG, "name": "Gifts of the day", "ranks": "daily_gifts_count", "period": "daily"}
    yield Call("POST", "/v1/leaderboards", body, {"Authorization": f"Bearer {ADMIN_TOKEN}"})


def board_event_calls(count: int, users: int) -> Iterator[Call]:
    """Daily gifts from each user in turn: once every user has sent one, each has a rank the rank row reads."""
    for number in range(count):
        yield Call(
            "POST", f"/v1/users/{number % users + 1}/events", {"event_id": f"gift-{number}", "type": "daily_gift"}
        )


def rank_calls(count: int, users: int, rng: random.Random) -> Iterator[Call]:
    for _ in range(count):
        yield Call("GET", f"/v1/leaderboards/{BOARD_SLUG}/users/{rng.randint(1, users)}?around=2")
