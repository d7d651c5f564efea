"""Typed exceptions of the bot's client, one per error code the API answers with.

The codes of domain errors come from the server's own classes (`service.errors`), so a renamed
code changes both sides at once. The few codes only the HTTP edge produces (auth, bad JSON,
internal errors) are written out here; `tests/test_client_errors.py` checks the two stay aligned.
"""

from typing import Any, ClassVar

from service import errors as server


class RewardsApiError(Exception):
    """Any failure answered by the rewards service: HTTP status, machine code, message, details."""

    code: ClassVar[str] = "error"

    def __init__(self, status: int | None, code: str, message: str, details: Any = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code  # type: ignore[misc]  # the answer's own code (may be more specific than the class's)
        self.message = message
        self.details = details


class ServiceUnreachable(RewardsApiError):
    """Every attempt failed before an answer arrived (refused connection, timeout, dropped answer)."""

    code = "unreachable"


class ServerError(RewardsApiError):
    """A 5xx answer, still there after the retries the call was allowed."""

    code = "internal_error"


class InvalidJson(RewardsApiError):
    code = "invalid_json"


class Unauthorized(RewardsApiError):
    """Missing or wrong bearer token."""

    code = "unauthorized"


class Forbidden(RewardsApiError):
    """The bot token on an admin route or option."""

    code = server.Forbidden.code


class NotFound(RewardsApiError):
    code = server.NotFound.code


class RewardNotFound(NotFound):
    code = server.RewardNotFound.code


class GrantNotFound(NotFound):
    code = server.GrantNotFound.code


class Conflict(RewardsApiError):
    code = server.Conflict.code


class SlugTaken(Conflict):
    code = server.SlugTaken.code


class RewardLocked(Conflict):
    code = server.RewardLocked.code


class AlreadyClaimed(Conflict):
    code = server.AlreadyClaimed.code


class ClaimExpired(Conflict):
    code = server.ClaimExpired.code


class ValidationFailed(RewardsApiError):
    """A path, query, header or body value the server refused; `details` lists the fields."""

    code = server.InvalidRequest.code


class IdempotencyKeyReused(ValidationFailed):
    code = server.IdempotencyKeyReused.code


class BodyTooLarge(RewardsApiError):
    code = "body_too_large"


def _subclasses(cls: type[RewardsApiError]) -> list[type[RewardsApiError]]:
    return [cls] + [sub for direct in cls.__subclasses__() for sub in _subclasses(direct)]


ERROR_BY_CODE: dict[str, type[RewardsApiError]] = {
    cls.code: cls for cls in _subclasses(RewardsApiError) if cls not in (RewardsApiError, ServiceUnreachable)
}

# An unknown code (a newer server) still gets the family of its status.
_ERROR_BY_STATUS: dict[int, type[RewardsApiError]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: BodyTooLarge,
    422: ValidationFailed,
}


def error_for(status: int, code: str, message: str, details: Any = None) -> RewardsApiError:
    """The most specific exception for an error answer."""
    cls = ERROR_BY_CODE.get(code) or _ERROR_BY_STATUS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else RewardsApiError
    return cls(status, code, message, details)
