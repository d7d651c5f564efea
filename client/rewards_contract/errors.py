"""Every error the API answers with: one exception class per machine-readable code, with its HTTP status.

One tree serves both sides. The service raises these (from its operations and from the HTTP edge)
and one middleware answers each with its `status` and the JSON envelope; the bot's client turns an
error answer back into the same class with `error_for`. A code renamed here changes both at once.
"""

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field
from typing_extensions import TypedDict  # pydantic reads a TypedDict from typing only on Python 3.12+


class DetailType(StrEnum):
    """Why one field was refused (`details[].type`); its `message` says it in words.

    `missing`: required and not sent. `unknown_field`: a field or parameter the request does not
    take. `not_allowed`: a field this request must leave out (for this condition type, without
    `is_secret`, or a null that would erase). `not_an_object`: an object was expected (the body, a
    payload). `wrong_type`: text for a number, a number for text, a word for true or false.
    `too_small`, `too_large`: beyond a bound (a number; a season's end before its start). `too_short`,
    `too_long`: text or a list of the wrong length. `bad_format`: text not in its format (a slug, an
    event id, a date-time). `unknown_value`: none of the values allowed (an enum, an event type, a language).
    `invalid`: any other refusal. The rest name a rule of the catalogue or of what was sent before:
    `unknown_counter`, `wrong_counter_kind`, `unknown_reward`, `reward_cycle`, `duplicate_condition`,
    `slug_mismatch` (the body's slug is not the path's), `event_id_reused`, `prize_not_awarded`.
    """

    MISSING = "missing"
    UNKNOWN_FIELD = "unknown_field"
    NOT_ALLOWED = "not_allowed"
    NOT_AN_OBJECT = "not_an_object"
    WRONG_TYPE = "wrong_type"
    TOO_SMALL = "too_small"
    TOO_LARGE = "too_large"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    BAD_FORMAT = "bad_format"
    UNKNOWN_VALUE = "unknown_value"
    INVALID = "invalid"
    UNKNOWN_COUNTER = "unknown_counter"
    WRONG_COUNTER_KIND = "wrong_counter_kind"
    UNKNOWN_REWARD = "unknown_reward"
    REWARD_CYCLE = "reward_cycle"
    DUPLICATE_CONDITION = "duplicate_condition"
    SLUG_MISMATCH = "slug_mismatch"
    EVENT_ID_REUSED = "event_id_reused"
    PRIZE_NOT_AWARDED = "prize_not_awarded"


_DETAIL_CODES = frozenset(DetailType)


def _known_or_invalid(value: Any) -> Any:
    """A code this client does not know (a newer service's) reads as `invalid`: the message still says why."""
    return DetailType.INVALID if isinstance(value, str) and value not in _DETAIL_CODES else value


# A TypedDict, not a model: a bot reads `detail["field"]` from an error as from the answer's JSON.
class ErrorDetail(TypedDict):
    """One refused field: which, what is allowed, and why as a code."""

    field: Annotated[
        str, Field(description="As the caller wrote it: dots into objects, [i] into lists; empty: the input as a whole")
    ]
    message: Annotated[str, Field(description="What is allowed, in plain words")]
    type: Annotated[DetailType, BeforeValidator(_known_or_invalid), Field(description="Why, as a code")]


class ErrorBody(BaseModel):
    code: str = Field(description="Machine-readable snake_case code")
    message: str = Field(description="Human sentence")
    details: list[ErrorDetail] | None = Field(
        default=None, description="Each refused field, for a 422 that names fields; else null"
    )


class ErrorResponse(BaseModel):
    """`{"error": {"code", "message", "details"}}`: the one shape of every error answer."""

    error: ErrorBody = Field(description="What went wrong")


class RewardsApiError(Exception):
    """A failure the caller can act on: HTTP status, machine-readable code, message, details."""

    # Class attributes that an instance may shadow (see __init__), hence not ClassVar.
    code: str = "error"
    status: int | None = 400

    def __init__(
        self,
        message: str,
        details: list[ErrorDetail] | None = None,
        *,
        status: int | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        # An answer read by the client keeps its own status and code (a newer server's code, a
        # proxy's status), even when only the family of the class matched.
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"

    def envelope(self) -> dict[str, Any]:
        """The JSON body the API answers this error with."""
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


# --- refused before any handler runs (the HTTP edge) ---------------------------------------------


class BadRequest(RewardsApiError):
    code, status = "bad_request", 400


class InvalidJson(BadRequest):
    code = "invalid_json"


class CursorAhead(BadRequest):
    """A feed cursor beyond the newest entry: a follower keeping it would later skip the entries up to it."""

    code = "cursor_ahead"


class Unauthorized(RewardsApiError):
    """Missing or wrong bearer token."""

    code, status = "unauthorized", 401


class Forbidden(RewardsApiError):
    """The bot token on an admin route or option."""

    code, status = "forbidden", 403


class HostNotAllowed(Forbidden):
    """The `Host` header names a host the service is not reached by (REWARDS_ALLOWED_HOSTS): DNS rebinding."""

    code = "host_not_allowed"


class MethodNotAllowed(RewardsApiError):
    code, status = "method_not_allowed", 405


class BodyTooLarge(RewardsApiError):
    code, status = "body_too_large", 413


class UnsupportedMediaType(RewardsApiError):
    code, status = "unsupported_media_type", 415


# --- domain refusals -----------------------------------------------------------------------------


class NotFound(RewardsApiError):
    code, status = "not_found", 404


class RewardNotFound(NotFound):
    code = "reward_not_found"


class GrantNotFound(NotFound):
    code = "grant_not_found"


class CounterNotFound(NotFound):
    code = "counter_not_found"


class LeaderboardNotFound(NotFound):
    code = "leaderboard_not_found"


class GoalNotFound(NotFound):
    code = "goal_not_found"


class RunNotFound(NotFound):
    """The board has no run of this key (a key of another period, or not in the season)."""

    code = "run_not_found"


class Retryable:
    """Sending the same request again is safe and may succeed: a race the service could not settle, or an outage.

    Decide whether to retry with `isinstance(error, Retryable)`: the client's own retries do.
    """


class Conflict(RewardsApiError):
    """409: the request collides with what is stored. Each subclass says how; only `RaceLost` is worth retrying.

    The family: its own code, `conflict`, is `RaceLost`'s, and an unknown 409 code (a newer service's) reads as it.
    """

    code, status = "conflict", 409


class RaceLost(Retryable, Conflict):
    """A concurrent request changed the same thing first and the service could not settle it: send it again."""

    code = "conflict"


class SlugTaken(Conflict):
    code = "slug_taken"


class RewardLocked(Conflict):
    code = "reward_locked"


class AlreadyClaimed(Conflict):
    code = "already_claimed"


class ClaimExpired(Conflict):
    code = "claim_expired"


class TooManyCounters(Conflict):
    code = "too_many_counters"


class CounterTaken(Conflict):
    """A counter with this name is already declared."""

    code = "counter_taken"


class TooManyLeaderboards(Conflict):
    code = "too_many_leaderboards"


class GoalTaken(Conflict):
    """A community goal with this slug is already declared."""

    code = "goal_taken"


class TooManyGoals(Conflict):
    code = "too_many_goals"


class LeaderboardTaken(Conflict):
    """A leaderboard with this slug is already declared."""

    code = "leaderboard_taken"


class CounterInUse(Conflict):
    """A reward's condition reads the counter: change those rewards first."""

    code = "counter_in_use"


class TierTaken(Conflict):
    """Another reward of the series already has this tier."""

    code = "tier_taken"


class RewardSoldOut(Conflict):
    """Every slot of the limited edition is taken; the user's state is unchanged."""

    code = "reward_sold_out"


class MaxClaimsBelowTaken(Conflict):
    code = "max_claims_below_taken"


class CannotRevokeReversal(Conflict):
    """A reversal is never revoked itself (grant it again with a new claim instead)."""

    code = "cannot_revoke_reversal"


class CursorExpired(RewardsApiError):
    """The feed no longer holds the entries after this cursor (older than the retention): start again."""

    code, status = "cursor_expired", 410


class ValidationFailed(RewardsApiError):
    """A path, query, header or body value the service refused; `details` lists the fields."""

    code, status = "validation_error", 422


class IdempotencyKeyReused(ValidationFailed):
    code = "idempotency_key_reused"


class EventIdReused(ValidationFailed):
    """An `event_id` this user already sent, now with another payload: it is not replayed, nor recorded."""

    code = "event_id_reused"


class UnknownCounter(ValidationFailed):
    """An event or a condition names a counter that is not declared."""

    code = "unknown_counter"


class WrongCounterKind(ValidationFailed):
    """`amount` sent to a value counter, or `value` to a count counter, or a window over a value counter."""

    code = "wrong_counter_kind"


class UnknownReward(ValidationFailed):
    """A `reward_claimed` condition names a reward that does not exist."""

    code = "unknown_reward"


class PrizeNotAwarded(ValidationFailed):
    """A prize names a reward whose only condition is not `awarded`: every user would unlock it on their next event."""

    code = "prize_not_awarded"


class RewardCycle(ValidationFailed):
    """Rewards that need each other to be claimed first (A needs B, B needs A, at any depth)."""

    code = "reward_cycle"


# --- failures of the service or of the way to it ---------------------------------------------------


class ServerError(Retryable, RewardsApiError):
    """A 5xx answer (still there after the retries the call was allowed)."""

    code = "internal_error"
    status: int | None = 500  # declared again down to ServiceUnreachable, which has none


class ServiceUnavailable(ServerError):
    """The service cannot serve the call now; retrying later with the same event id or key is safe.

    A 503 answer, or (raised by the client) a call whose time budget ran out before any attempt
    succeeded. `retry_after` is the service's `Retry-After` in seconds, when it sent one.
    """

    code = "service_unavailable"
    status: int | None = 503  # declared again down to ServiceUnreachable, which has none
    retry_after: float | None = None


class DatabaseUnavailable(ServiceUnavailable):
    """The service could not reach its database in time. A write may or may not have been applied:
    repeating it with the same event id or Idempotency-Key applies it once."""

    code = "database_unavailable"


class ServiceUnreachable(ServiceUnavailable):
    """Every attempt failed before an answer arrived (refused connection, timeout, dropped answer)."""

    code, status = "unreachable", None


def _subclasses(cls: type[RewardsApiError]) -> list[type[RewardsApiError]]:
    return [cls] + [sub for direct in cls.__subclasses__() for sub in _subclasses(direct)]


# Every code the API answers with, and its class (ServiceUnreachable is the client's own).
# Conflict is a family whose own code is RaceLost's.
ERROR_BY_CODE: dict[str, type[RewardsApiError]] = {
    cls.code: cls for cls in _subclasses(RewardsApiError) if cls not in (RewardsApiError, Conflict, ServiceUnreachable)
}

# An unknown code (from a newer service) still gets the family of its status.
_FAMILY_BY_STATUS: dict[int, type[RewardsApiError]] = {
    cls.status: cls
    for cls in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        Conflict,
        CursorExpired,
        BodyTooLarge,
        UnsupportedMediaType,
        ValidationFailed,
        ServiceUnavailable,
    )
    if cls.status is not None
}


def family_of(status: int) -> type[RewardsApiError]:
    """The class of every error answered with this status: its family, ServerError for a 5xx, else the root."""
    return _FAMILY_BY_STATUS.get(status) or (ServerError if status >= 500 else RewardsApiError)


def error_for(status: int, code: str, message: str, details: list[ErrorDetail] | None = None) -> RewardsApiError:
    """The most specific exception for an error answer."""
    cls = ERROR_BY_CODE.get(code) or family_of(status)
    return cls(message, details, status=status, code=code)
