"""The bot's async client for the rewards service, and the exceptions its calls raise (one per error code)."""

from rewards_client.client import RewardsClient, progress_bar
from rewards_contract.errors import (
    AlreadyClaimed,
    BodyTooLarge,
    ClaimExpired,
    Conflict,
    Forbidden,
    GrantNotFound,
    IdempotencyKeyReused,
    InvalidJson,
    NotFound,
    RewardLocked,
    RewardNotFound,
    RewardsApiError,
    ServerError,
    ServiceUnreachable,
    SlugTaken,
    Unauthorized,
    ValidationFailed,
)

__all__ = [
    "AlreadyClaimed",
    "BodyTooLarge",
    "ClaimExpired",
    "Conflict",
    "Forbidden",
    "GrantNotFound",
    "IdempotencyKeyReused",
    "InvalidJson",
    "NotFound",
    "RewardLocked",
    "RewardNotFound",
    "RewardsApiError",
    "RewardsClient",
    "ServerError",
    "ServiceUnreachable",
    "SlugTaken",
    "Unauthorized",
    "ValidationFailed",
    "progress_bar",
]
