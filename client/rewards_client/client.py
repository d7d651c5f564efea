"""The bot's async client for the rewards API, typed with the contract the server answers with.

    async with RewardsClient("http://rewards:8080", token, budget=5) as rewards:
        await rewards.send_event(42, "points", event_id="upd-1001", amount=10)
        await rewards.counter(42, "messages_sent", amount=1, event_id="msg-5531")
        grant = await rewards.claim(42, "points-1000")

Every call has one time budget (`budget`, 10 s by default) for all its attempts and the pauses
between them, so a stalled service holds a bot's handler for at most that long. Within it a call
is retried (with exponential backoff and jitter, or after the service's `Retry-After` when it sent
one) after a timeout, a dropped connection or a 5xx, but only when repeating it cannot count or
grant twice. Events (counters' too) carry the caller's `event_id` (the server counts each id once),
claims carry one `Idempotency-Key` for all their attempts (the server replays the first answer),
reads and `PUT /facts` are idempotent anyway, and so are revoking a grant (every revoke answers the
same reversal) and taking a user out of a leaderboard's run (a user taken out twice is out once): a
write whose answer was lost is therefore safely repeated. Other admin writes are
retried only when the connection could not even be opened, i.e. before anything was sent. A 4xx
is never retried.

When the budget or the attempts run out, the last failure is raised: the service's own error when
it answered (`DatabaseUnavailable` for a 503 `database_unavailable`, with `retry_after` from its
`Retry-After`; a plain 500 stays a `ServerError`), or `ServiceUnreachable` when no answer arrived.
Both of those are `ServiceUnavailable`: try again later with the same event id or key.
"""

import asyncio
import math
import random
import re
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import Enum
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import quote

import aiohttp
from pydantic import BaseModel, ValidationError
from rewards_contract.api import (
    ActivityResponse,
    BadgeList,
    ClaimResponse,
    GrantList,
    GrantView,
    HealthResponse,
    LanguageQuery,
    RewardList,
    RewardPatch,
    RewardView,
    UserRewardsResponse,
    UserRewardView,
)
from rewards_contract.counters import CounterDefinition, CounterList, CounterPatch, CounterView
from rewards_contract.enums import RewardStatus, RewardType
from rewards_contract.errors import (
    ErrorResponse,
    Retryable,
    RewardsApiError,
    ServiceUnavailable,
    ServiceUnreachable,
    error_for,
)
from rewards_contract.events import EventRequest
from rewards_contract.facts import FactsUpdate
from rewards_contract.feed import FeedEntryType, FeedEntryView, FeedPage, FeedQuery
from rewards_contract.goals import (
    ContributionView,
    GoalDefinition,
    GoalList,
    GoalPatch,
    GoalPath,
    GoalUserPath,
    GoalView,
)
from rewards_contract.leaderboards import (
    AroundQuery,
    LeaderboardDefinition,
    LeaderboardList,
    LeaderboardPatch,
    LeaderboardView,
    Removal,
    RemovalView,
    RunList,
    Standings,
    TopQuery,
    UserStanding,
)
from rewards_contract.rewards import RewardDefinition

__all__ = ["RewardsClient", "progress_bar"]

Model = TypeVar("Model", bound=BaseModel)


def progress_bar(current: int, target: int, width: int = 7) -> str:
    """`[###----] 3/7`: filled in proportion, rounded down so the bar is full only when met."""
    shown = max(0, min(current, target))
    filled = width if target <= 0 else width * shown // target
    return f"[{'#' * filled}{'-' * (width - filled)}] {current}/{target}"


class Retry(Enum):
    """When a failed attempt may be repeated."""

    # The call is idempotent (or made so by an event id / Idempotency-Key): retry any transient failure.
    TRANSIENT = "transient"
    # Repeating could apply the call twice: retry only if the connection was never opened.
    BEFORE_SENDING = "before_sending"
    NEVER = "never"


class RewardsClient:
    """One HTTP session to the rewards service; use it as an async context manager."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        budget: float = 10.0,
        timeout: float | None = None,
        attempts: int = 3,
        backoff: float = 0.2,
    ) -> None:
        """Limits of each call, in seconds; whichever is reached first ends it.

        `budget` bounds the whole call: every attempt and every pause. `timeout` bounds one
        attempt (None: what remains of the budget); below the budget, it lets an attempt whose
        answer never comes be repeated. `attempts` caps the attempts, the first one included.
        `backoff` is the first pause (doubled after each attempt, with full jitter), used when
        the service sent no `Retry-After`.
        """
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        if budget <= 0 or (timeout is not None and timeout <= 0):
            raise ValueError("budget and timeout must be positive")
        self._base_url = base_url.rstrip("/")
        self._token = token
        self._budget = budget
        self._timeout = math.inf if timeout is None else timeout
        self._attempts = attempts
        self._backoff = backoff
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        self._session = aiohttp.ClientSession(headers={"Authorization": f"Bearer {self._token}"})
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # --- user activity --------------------------------------------------------------------------

    async def send_event(
        self, user_id: int, type: str, *, event_id: str, lang: str | None = None, **fields: Any
    ) -> ActivityResponse:
        """Report one event; `event_id` is required so that retries (ours or the bot's) count it once.

        The body is validated locally with the server's model: a malformed event raises pydantic's
        `ValidationError` before anything is sent. `lang` (a BCP 47 tag such as Telegram's
        `language_code`) picks the language of the unlocked rewards' texts, as in every read here.
        """
        event = EventRequest.model_validate({"event_id": event_id, "type": type, **fields})
        return await self._call(
            "POST",
            f"/v1/users/{user_id}/events",
            ActivityResponse,
            json=event.model_dump(mode="json", exclude_none=True),
            params=_language(lang),
            retry=Retry.TRANSIENT,
        )

    async def counter(
        self,
        user_id: int,
        name: str,
        *,
        amount: int | None = None,
        value: int | None = None,
        event_id: str,
        lang: str | None = None,
    ) -> ActivityResponse:
        """Report a declared counter: `amount` added to a count counter, or `value` set on a value counter.

        Exactly one of the two (else pydantic's `ValidationError`, before anything is sent). An event
        like the others: counted once per `event_id`, so safely retried. An undeclared counter raises
        `UnknownCounter`, the other one of amount and value `WrongCounterKind`; the answer's
        `facts.counters` holds the user's values.
        """
        sent = {field: number for field, number in (("amount", amount), ("value", value)) if number is not None}
        return await self.send_event(user_id, "counter", event_id=event_id, lang=lang, counter=name, **sent)

    async def set_facts(self, user_id: int, *, lang: str | None = None, **facts: Any) -> ActivityResponse:
        """Set absolute values for some facts (idempotent, so safely retried)."""
        body = FactsUpdate(**facts).model_dump(mode="json", exclude_unset=True)
        return await self._call(
            "PUT",
            f"/v1/users/{user_id}/facts",
            ActivityResponse,
            json=body,
            params=_language(lang),
            retry=Retry.TRANSIENT,
        )

    async def list_rewards(
        self,
        user_id: int,
        *,
        include_secret: bool = False,
        lang: str | None = None,
        tiers_collapsed: bool = False,
        status: Iterable[RewardStatus | str] | RewardStatus | str | None = None,
        types: Iterable[RewardType | str] | RewardType | str | None = None,
        series: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> UserRewardsResponse:
        """The user's rewards with status, per-condition progress and season: all of them, or a page.

        With `limit`, one page and its `next_cursor` (pass it back as `cursor`, with the same filters, for
        the next; None on the last page); `iter_rewards` walks them all. Without, the whole list, which
        in a catalogue of a thousand rewards is about a megabyte. `status`, `types` and `series` filter
        (`status="unlocked"`: what the user can claim now); `counts` always tells the whole list per
        status. Each item's `availability` (upcoming, open, ended) with `available_from` /
        `available_until` lets the bot announce a seasonal event. `name` and `description` are in `lang`
        when the reward has a translation for it (each item's `lang` says), and the `*_display` fields
        name the codes in Spanish or English. `hints` holds the locked secret rewards' hints, with the
        first page. `tiers_collapsed` lists of each series only the highest tier the user claimed and
        the next one above it. `include_secret` is for admins.
        """
        params = {
            **_flags(include_secret=include_secret),
            **_rewards_filters(lang, tiers_collapsed, status, types, series),
            **_page(limit, cursor),
        }
        return await self._call("GET", f"/v1/users/{user_id}/rewards", UserRewardsResponse, params=params)

    async def iter_rewards(
        self,
        user_id: int,
        *,
        page_size: int = 20,
        lang: str | None = None,
        tiers_collapsed: bool = False,
        status: Iterable[RewardStatus | str] | RewardStatus | str | None = None,
        types: Iterable[RewardType | str] | RewardType | str | None = None,
        series: str | None = None,
    ) -> AsyncIterator[UserRewardView]:
        """Every reward of the user that passes the filters, in display order, a page of `page_size` at a time."""
        filters = _rewards_filters(lang, tiers_collapsed, status, types, series)
        cursor: str | None = None
        while True:
            params = {**filters, **_page(page_size, cursor)}
            page = await self._call("GET", f"/v1/users/{user_id}/rewards", UserRewardsResponse, params=params)
            for reward in page.rewards:
                yield reward
            if (cursor := page.next_cursor) is None:
                return

    async def user_reward(self, user_id: int, slug: str, *, lang: str | None = None) -> UserRewardView:
        """One reward of the user, as the list shows it; RewardNotFound when the user may not see it."""
        return await self._call(
            "GET", f"/v1/users/{user_id}/rewards/{_segment(slug)}", UserRewardView, params=_language(lang)
        )

    async def claim(
        self, user_id: int, slug: str, *, idempotency_key: str | None = None, lang: str | None = None
    ) -> ClaimResponse:
        """Claim an unlocked reward; every attempt carries the same key, so at most one grant results.

        Pass your own key (e.g. derived from the Telegram update) to make the bot's own retries safe too.
        The answer's `name` is the reward's name in `lang` or its nearest translation (the answer's `lang`
        says which), to thank the user with; a retry with the same key answers in the first attempt's
        language. `unlocked` lists the rewards that needed this one claimed first, their texts in that
        language too. A limited edition whose slots are all taken raises `RewardSoldOut`.
        """
        key = idempotency_key or str(uuid.uuid4())
        return await self._call(
            "POST",
            f"/v1/users/{user_id}/rewards/{_segment(slug)}/claim",
            ClaimResponse,
            headers={"Idempotency-Key": key},
            params=_language(lang),
            retry=Retry.TRANSIENT,
        )

    async def grants(
        self, user_id: int, *, pending: bool = False, limit: int = 100, lang: str | None = None
    ) -> GrantList:
        """The user's grants, oldest first, each with its reward's name in `lang` if it has one."""
        params = {**_flags(pending=pending), "limit": str(limit), **_language(lang)}
        return await self._call("GET", f"/v1/users/{user_id}/grants", GrantList, params=params)

    async def pending_grants(self, user_id: int, *, limit: int = 100, lang: str | None = None) -> GrantList:
        """The grants the bot has not acknowledged yet: deliver each, then `ack_grant` it."""
        return await self.grants(user_id, pending=True, limit=limit, lang=lang)

    async def ack_grant(self, grant_id: str, *, lang: str | None = None) -> GrantView:
        """Mark a grant delivered (idempotent)."""
        return await self._call(
            "POST", f"/v1/grants/{_segment(grant_id)}/ack", GrantView, params=_language(lang), retry=Retry.TRANSIENT
        )

    async def revoke_grant(self, grant_id: str, reason: str) -> GrantView:
        """Admin: revoke a grant and get its reversal (idempotent: every retry answers the same reversal)."""
        return await self._call(
            "POST",
            f"/v1/grants/{_segment(grant_id)}/revoke",
            GrantView,
            json={"reason": reason},
            retry=Retry.TRANSIENT,
        )

    async def badges(self, user_id: int) -> BadgeList:
        return await self._call("GET", f"/v1/users/{user_id}/badges", BadgeList)

    # --- catalogue ------------------------------------------------------------------------------

    async def list_catalogue(
        self, *, all: bool = False, lang: str | None = None, limit: int | None = None, cursor: str | None = None
    ) -> RewardList:
        """Active, non-secret rewards, each with its `availability`; `all=True` (admin) every reward.

        With `limit`, one page and its `next_cursor` (pass it back as `cursor`); without, all of them.
        """
        params = {**_flags(all=all), **_language(lang), **_page(limit, cursor)}
        return await self._call("GET", "/v1/rewards", RewardList, params=params)

    async def get_reward(self, slug: str, *, lang: str | None = None) -> RewardView:
        return await self._call("GET", f"/v1/rewards/{_segment(slug)}", RewardView, params=_language(lang))

    async def create_reward(self, definition: RewardDefinition | Mapping[str, Any]) -> RewardView:
        """Create a reward (admin); validated here first, e.g. a season's `available_from < available_until`."""
        body = RewardDefinition.model_validate(definition).model_dump(mode="json")
        return await self._call("POST", "/v1/rewards", RewardView, json=body, ok=201, retry=Retry.BEFORE_SENDING)

    async def replace_reward(self, definition: RewardDefinition | Mapping[str, Any]) -> RewardView:
        """Replace the definition of the reward with the definition's slug (admin)."""
        parsed = RewardDefinition.model_validate(definition)
        return await self._call(
            "PUT",
            f"/v1/rewards/{_segment(parsed.slug)}",
            RewardView,
            json=parsed.model_dump(mode="json"),
            retry=Retry.BEFORE_SENDING,
        )

    async def patch_reward(self, slug: str, **fields: Any) -> RewardView:
        """Change some fields of a reward (admin)."""
        body = RewardPatch(**fields).model_dump(mode="json", exclude_unset=True)
        return await self._call(
            "PATCH", f"/v1/rewards/{_segment(slug)}", RewardView, json=body, retry=Retry.BEFORE_SENDING
        )

    async def deactivate_reward(self, slug: str) -> RewardView:
        """Deactivate a reward (admin); it is never deleted."""
        return await self._call("DELETE", f"/v1/rewards/{_segment(slug)}", RewardView, retry=Retry.BEFORE_SENDING)

    # --- counters -------------------------------------------------------------------------------

    async def declare_counter(self, definition: CounterDefinition | Mapping[str, Any]) -> CounterView:
        """Admin: declare a counter for `counter` events and counter conditions (validated here first).

        A taken name raises `CounterTaken`, the 201st counter `TooManyCounters`.
        """
        body = CounterDefinition.model_validate(definition).model_dump(mode="json")
        return await self._call("POST", "/v1/counters", CounterView, json=body, ok=201, retry=Retry.BEFORE_SENDING)

    async def list_counters(self) -> CounterList:
        """Every declared counter, by name, with the rewards that read it (`used_by`)."""
        return await self._call("GET", "/v1/counters", CounterList)

    async def get_counter(self, name: str) -> CounterView:
        """One declared counter; an unknown name raises `CounterNotFound`."""
        return await self._call("GET", f"/v1/counters/{_segment(name)}", CounterView)

    async def patch_counter(self, name: str, **texts: Any) -> CounterView:
        """Admin: change a counter's `display_name`, `description` or `translations` (never its name or kind)."""
        body = CounterPatch(**texts).model_dump(mode="json", exclude_unset=True)
        return await self._call(
            "PATCH", f"/v1/counters/{_segment(name)}", CounterView, json=body, retry=Retry.BEFORE_SENDING
        )

    async def delete_counter(self, name: str) -> None:
        """Admin: delete a counter no reward reads; one still read raises `CounterInUse`."""
        await self._request("DELETE", f"/v1/counters/{_segment(name)}", ok=204, retry=Retry.BEFORE_SENDING)

    async def health(self) -> HealthResponse:
        """The service's own view of its health: answered (not raised) on 503 as well, and not retried."""
        return await self._call("GET", "/health", HealthResponse, ok=(200, 503), retry=Retry.NEVER)

    # --- leaderboards ---------------------------------------------------------------------------

    async def list_leaderboards(self) -> LeaderboardList:
        """Every board, by slug, each with its current run (None when none is open)."""
        return await self._call("GET", "/v1/leaderboards", LeaderboardList)

    async def leaderboard(self, slug: str) -> LeaderboardView:
        """One board, with its current run; an unknown slug raises `LeaderboardNotFound`.

        With the bot's token a secret prize is named by its hint's id, never by its slug.
        """
        return await self._call("GET", _board_path(slug, None), LeaderboardView)

    async def leaderboard_runs(self, slug: str) -> RunList:
        """The board's current run, then its closed runs still kept, newest first: their keys name them to `top`."""
        return await self._call("GET", _board_path(slug, None, "runs"), RunList)

    async def top(self, slug: str, *, run: str | None = None, limit: int = 10) -> Standings:
        """The best `limit` users (at most 100) of a run, best first: the current run, or the one `run` names.

        User ids only: names are the bot's to put on them. A board with no run open now (a season not
        started, or over) raises `RunNotFound`, as does a key the board has no run for.
        """
        query = TopQuery(limit=limit)
        return await self._call("GET", _board_path(slug, run, "top"), Standings, params={"limit": str(query.limit)})

    async def rank(self, slug: str, user_id: int, *, run: str | None = None, around: int = 2) -> UserStanding:
        """The user's rank and score in a run (the current one without `run`), with `around` users above and below.

        `rank` is None (and `score` 0) for a user who scored nothing in the run, or was taken out of it.
        `around=0` reads the user's own line only; at most 10.
        """
        query = AroundQuery(around=around)
        return await self._call(
            "GET",
            _board_path(slug, run, f"users/{user_id}"),
            UserStanding,
            params={"around": str(query.around)},
        )

    async def declare_leaderboard(self, definition: LeaderboardDefinition | Mapping[str, Any]) -> LeaderboardView:
        """Admin: declare a board (validated here first); events feed its current run from then on.

        A taken slug raises `LeaderboardTaken`, the 101st board `TooManyLeaderboards`, a prize whose
        reward has another condition than `awarded` `PrizeNotAwarded`.
        """
        body = LeaderboardDefinition.model_validate(definition).model_dump(mode="json")
        return await self._call(
            "POST", "/v1/leaderboards", LeaderboardView, json=body, ok=201, retry=Retry.BEFORE_SENDING
        )

    async def patch_leaderboard(self, slug: str, **fields: Any) -> LeaderboardView:
        """Admin: change a board's `name`, `description`, `translations`, `prizes` or `is_active`; never what it ranks.

        Each field sent replaces the stored one (`description=None` removes it); runs closed before keep their prizes.
        """
        body = LeaderboardPatch(**fields).model_dump(mode="json", exclude_unset=True)
        return await self._call(
            "PATCH", _board_path(slug, None), LeaderboardView, json=body, retry=Retry.BEFORE_SENDING
        )

    async def remove_from_run(self, slug: str, run: str, user_id: int, reason: str) -> RemovalView:
        """Admin: take a user out of a run (a cheater); the others move up, and their later events leave them out.

        In a closed run the prizes given stay given (`after_closing`): revoke their grants if needed.
        """
        body = Removal(user_id=user_id, reason=reason).model_dump(mode="json")
        return await self._call(
            "POST", _board_path(slug, run, "removals"), RemovalView, json=body, ok=201, retry=Retry.TRANSIENT
        )

    # --- community goals ------------------------------------------------------------------------

    async def list_goals(self) -> GoalList:
        """Every community goal, by slug, with its progress."""
        return await self._call("GET", "/v1/goals", GoalList)

    async def goal(self, slug: str) -> GoalView:
        """One goal: its `total`, `target`, `share` (capped at 1.0), `contributors` and `reached_at`.

        The total trails events by the goal relay's pace (`REWARDS_GOAL_RELAY_SECONDS`); an unknown
        slug raises `GoalNotFound`, a malformed one pydantic's `ValidationError` before sending.
        """
        return await self._call("GET", _goal_path(slug), GoalView)

    async def contribution(self, slug: str, user_id: int) -> ContributionView:
        """What the user's events added to the goal within its window (exact at once), and whether it `qualifies`."""
        return await self._call("GET", _goal_path(slug, user_id), ContributionView)

    async def declare_goal(self, definition: GoalDefinition | Mapping[str, Any]) -> GoalView:
        """Admin: declare a goal (validated here first); events within its window add to it from then on.

        A taken slug raises `GoalTaken`, the 101st goal `TooManyGoals`, a reward with another condition
        than `awarded` `PrizeNotAwarded`.
        """
        body = GoalDefinition.model_validate(definition).model_dump(mode="json")
        return await self._call("POST", "/v1/goals", GoalView, json=body, ok=201, retry=Retry.BEFORE_SENDING)

    async def patch_goal(self, slug: str, **fields: Any) -> GoalView:
        """Admin: change a goal's `name`, `description`, `translations` or `is_active`; never what it counts or its target.

        `description=None` removes it; `is_active=False` stops it counting and giving.
        """
        body = GoalPatch(**fields).model_dump(mode="json", exclude_unset=True)
        return await self._call("PATCH", _goal_path(slug), GoalView, json=body, retry=Retry.BEFORE_SENDING)

    # --- the activity feed ----------------------------------------------------------------------

    async def feed_page(
        self, *, after: str = "0", limit: int = 100, types: Iterable[FeedEntryType | str] | None = None
    ) -> FeedPage:
        """One page of entries after the cursor, oldest first; `next` is the cursor to pass next time."""
        query = FeedQuery(after=after, limit=limit, types=None if types is None else ",".join(map(str, types)))
        return await self._call("GET", "/v1/feed", FeedPage, params=query.model_dump(exclude_none=True, mode="json"))

    async def feed(
        self,
        *,
        after: str = "0",
        types: Iterable[FeedEntryType | str] | None = None,
        page_size: int = 100,
        poll_seconds: float = 1.0,
        follow: bool = True,
    ) -> AsyncIterator[FeedEntryView]:
        """Every entry after the cursor, in order, following `next`; with `follow`, waits for new ones forever.

        Store each entry's `cursor` once you handled it, and start again from it after a restart: no
        entry is missed. A cursor older than the retention raises CursorExpired (start again without
        one, and resynchronise from the lists).
        """
        wanted = None if types is None else list(types)
        while True:
            page = await self.feed_page(after=after, limit=page_size, types=wanted)
            for entry in page.entries:
                yield entry
            if page.next == after:
                if not follow:
                    return
                await asyncio.sleep(poll_seconds)
            after = page.next

    # --- transport ------------------------------------------------------------------------------

    async def _call(
        self,
        method: str,
        path: str,
        model: type[Model],
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        ok: int | tuple[int, ...] = 200,
        retry: Retry = Retry.TRANSIENT,
    ) -> Model:
        """One call answered with `model`: see `_request`."""
        body = await self._request(method, path, json=json, params=params, headers=headers, ok=ok, retry=retry)
        return model.model_validate_json(body)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        ok: int | tuple[int, ...] = 200,
        retry: Retry = Retry.TRANSIENT,
    ) -> bytes:
        """One call: attempts within the budget until an answer that is final for it, then its body or a typed error."""
        if self._session is None:
            raise RuntimeError("use RewardsClient as `async with RewardsClient(...) as client:`")
        expected = (ok,) if isinstance(ok, int) else ok
        clock = asyncio.get_running_loop()  # its time() is monotonic: the wall clock may jump
        deadline = clock.time() + self._budget
        failure: RewardsApiError
        for attempt in range(1, self._attempts + 1):
            limit = aiohttp.ClientTimeout(total=min(self._timeout, deadline - clock.time()))
            cause: BaseException | None = None
            wait: float | None = None
            try:
                async with self._session.request(
                    method, self._base_url + path, json=json, params=params, headers=headers, timeout=limit
                ) as response:
                    body = await response.read()
            except aiohttp.ClientConnectorError as error:  # never connected: nothing was sent
                failure, cause = ServiceUnreachable(str(error)), error
                retryable = retry is not Retry.NEVER
            except (aiohttp.ClientError, TimeoutError) as error:  # sent, answer lost: maybe applied
                failure, cause = ServiceUnreachable(repr(error)), error
                retryable = retry is Retry.TRANSIENT
            else:
                if response.status in expected:
                    return body
                wait = _retry_after(response.headers.get("Retry-After"), datetime.now(UTC))
                failure = _error_from(response.status, body, retry_after=wait)
                # A race the service could not settle, or a failure of the service: worth another attempt.
                transient = isinstance(failure, Retryable)
                retryable = transient and retry is Retry.TRANSIENT
            if wait is None:
                wait = random.uniform(0, self._backoff * 2 ** (attempt - 1))  # full jitter
            # A pause that would reach the deadline leaves no attempt after it: give up now instead.
            if not retryable or attempt == self._attempts or wait >= deadline - clock.time():
                raise failure from cause
            await asyncio.sleep(wait)
            if clock.time() >= deadline:  # a late wake-up; aiohttp would read a timeout <= 0 as none at all
                raise failure from cause
        raise AssertionError("unreachable: the last attempt returns or raises")


def _error_from(status: int, body: bytes, *, retry_after: float | None = None) -> RewardsApiError:
    """The typed error of an answer; a body that is not the envelope (a proxy's page) keeps its status."""
    try:
        error = ErrorResponse.model_validate_json(body).error
    except ValidationError:
        failure = error_for(status, "http_error", body[:200].decode(errors="replace"))
    else:
        failure = error_for(status, error.code, error.message, error.details)
    if isinstance(failure, ServiceUnavailable):
        failure.retry_after = retry_after
    return failure


def _retry_after(value: str | None, now: datetime) -> float | None:
    """`Retry-After` as seconds from `now` (delay-seconds or an HTTP-date); None when absent or malformed."""
    if value is None:
        return None
    if re.fullmatch(r"\d+(\.\d+)?", value.strip()):  # seconds; decimals too, though RFC 9110 sends integers
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    # An HTTP-date is always GMT; `-0000` parses as naive.
    return max(0.0, (when.replace(tzinfo=when.tzinfo or UTC) - now).total_seconds())


def _flags(**flags: bool) -> dict[str, str]:
    """Query flags as the API reads them, leaving out the false ones (their default)."""
    return {name: "true" for name, value in flags.items() if value}


def _rewards_filters(
    lang: str | None,
    tiers_collapsed: bool,
    status: Iterable[Enum | str] | Enum | str | None,
    types: Iterable[Enum | str] | Enum | str | None,
    series: str | None,
) -> dict[str, str]:
    """A user's rewards list's language and filters, as the API reads them."""
    return {
        **_language(lang),
        **_listed("status", status),
        **_listed("type", types),
        **({"tiers": "collapsed"} if tiers_collapsed else {}),
        **({"series": series} if series is not None else {}),
    }


def _listed(name: str, values: Iterable[Enum | str] | Enum | str | None) -> dict[str, str]:
    """A filter of one value or several, comma-separated as the API reads it; none sent when None."""
    if values is None:
        return {}
    kept = [values] if isinstance(values, (str, Enum)) else list(values)
    return {name: ",".join(str(v.value if isinstance(v, Enum) else v) for v in kept)}


def _page(limit: int | None, cursor: str | None) -> dict[str, str]:
    return {**({"limit": str(limit)} if limit is not None else {}), **({"cursor": cursor} if cursor else {})}


def _board_path(slug: str, run: str | None, *rest: str) -> str:
    """`/v1/leaderboards/{slug}` then `/runs/{run}` when a run is named (else the current run's routes), then `rest`."""
    path = f"/v1/leaderboards/{_segment(slug)}" + ("" if run is None else f"/runs/{_segment(run)}")
    return "/".join((path, *rest))


def _goal_path(slug: str, user_id: int | None = None) -> str:
    """`/v1/goals/{slug}`, or a user's contribution's path; checked with the server's path models first."""
    if user_id is None:
        return f"/v1/goals/{_segment(GoalPath(slug=slug).slug)}"
    path = GoalUserPath(slug=slug, user_id=user_id)
    return f"/v1/goals/{_segment(path.slug)}/users/{path.user_id}"


def _segment(value: str) -> str:
    """A path segment, percent-encoded so a stray `/` or `?` cannot change the route."""
    return quote(value, safe="")


def _language(lang: str | None) -> dict[str, str]:
    """`?lang=`, checked here first: an unknown tag raises pydantic's ValidationError before sending."""
    return {} if lang is None else {"lang": LanguageQuery(lang=lang).lang or ""}
