"""Domain errors raised by the service layer; the HTTP edge maps them to status codes."""

from typing import Any


def error_envelope(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """`{"error": {"code", "message", "details"}}`: the one error shape every answer uses."""
    return {"error": {"code": code, "message": message, "details": details}}


class ServiceError(Exception):
    """A failure the caller can act on, with a machine-readable code."""

    code = "service_error"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(ServiceError):
    code = "not_found"


class RewardNotFound(NotFound):
    code = "reward_not_found"


class GrantNotFound(NotFound):
    code = "grant_not_found"


class Forbidden(ServiceError):
    """The caller is authenticated but its role may not do this."""

    code = "forbidden"


class Conflict(ServiceError):
    code = "conflict"


class SlugTaken(Conflict):
    code = "slug_taken"


class RewardLocked(Conflict):
    code = "reward_locked"


class AlreadyClaimed(Conflict):
    code = "already_claimed"


class ClaimExpired(Conflict):
    code = "claim_expired"


class InvalidRequest(ServiceError):
    """Well-formed input the service still cannot accept (answered 422)."""

    code = "validation_error"


class IdempotencyKeyReused(InvalidRequest):
    code = "idempotency_key_reused"
