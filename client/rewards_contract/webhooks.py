"""Webhooks as Standard Webhooks (https://www.standardwebhooks.com) specifies: signing, verifying, the status.

The service POSTs every feed entry signed with `sign`; the bot checks each request with
`verify_webhook` before trusting it. Both are written here once, with the standard library only,
and tested against the specification's own `standardwebhooks` package in both directions.
"""

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
DEFAULT_TOLERANCE_SECONDS = 300


class WebhookVerificationError(Exception):
    """The request is not a webhook signed with this secret, or it is too old or too new to trust."""


def secret_key(secret: str) -> bytes:
    """The HMAC key a `whsec_<base64>` secret encodes; ValueError when it is not one."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"a webhook secret starts with {SECRET_PREFIX!r}")
    encoded = secret[len(SECRET_PREFIX) :]
    try:
        # The specification's library tolerates missing padding: accept the same secrets.
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"a webhook secret is {SECRET_PREFIX!r} followed by base64") from None
    if not key:
        raise ValueError("a webhook secret must not be empty")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: bytes | str) -> str:
    """The `webhook-signature` value: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`."""
    payload = body.encode() if isinstance(body, str) else body
    signed = f"{msg_id}.{timestamp}.".encode() + payload
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode()}"


def verify_webhook(
    headers: Mapping[str, str],
    body: bytes | str,
    secret: str,
    *,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
    now: datetime | float | None = None,
) -> dict[str, Any]:
    """The JSON body of a webhook whose signature and timestamp check out; WebhookVerificationError otherwise.

    The timestamp bound stops an attacker replaying a captured request later; the body is parsed
    only after the signature matched, so nothing unauthenticated is ever interpreted.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    msg_id = lowered.get("webhook-id")
    raw_timestamp = lowered.get("webhook-timestamp")
    signatures = lowered.get("webhook-signature")
    if not (msg_id and raw_timestamp and signatures):
        raise WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature")
    if not (raw_timestamp.isascii() and raw_timestamp.isdigit()):
        raise WebhookVerificationError("webhook-timestamp is not whole seconds since the epoch")
    timestamp = int(raw_timestamp)
    current = time.time() if now is None else now.timestamp() if isinstance(now, datetime) else now
    if abs(current - timestamp) > tolerance_seconds:
        raise WebhookVerificationError("webhook-timestamp is outside the tolerance: too old or too new")
    try:
        expected = sign(secret, msg_id, timestamp, body).encode()
    except ValueError as error:
        raise WebhookVerificationError(f"unusable secret: {error}") from None
    # Several signatures (e.g. during a secret rotation): any one matching is enough. Each
    # comparison takes constant time, so the answer time tells nothing about how close a guess was.
    if not any(hmac.compare_digest(candidate.encode(), expected) for candidate in signatures.split()):
        raise WebhookVerificationError("no matching signature")
    try:
        parsed = json.loads(body)
    except ValueError:
        raise WebhookVerificationError("the signed body is not JSON") from None
    if not isinstance(parsed, dict):
        raise WebhookVerificationError("the signed body is not a JSON object")
    return parsed


class LastDelivered(BaseModel):
    id: str = Field(description="The entry's id (its `webhook-id`)")
    cursor: str = Field(description="The entry's feed cursor")
    delivered_at: datetime = Field(description="When the receiver answered 2xx")


class WebhookStatus(BaseModel):
    """Where the webhook sender stands (the figures are shared by every instance)."""

    enabled: bool = Field(description="REWARDS_WEBHOOK_URL and REWARDS_WEBHOOK_SECRET are set on this instance")
    url: str | None = Field(description="The configured URL, password and query masked")
    last_delivered: LastDelivered | None = Field(description="The newest entry the receiver accepted")
    delivered_cursor: str = Field(description="Every entry up to this cursor was delivered or given up")
    backlog: int = Field(ge=0, description="Entries numbered after `delivered_cursor`, not yet delivered")
    attempts: int = Field(ge=0, description="Failed attempts at the entry after `delivered_cursor`")
    failing_since: datetime | None = Field(description="First failure on that entry; given up 24 hours later")
    last_error: str | None = Field(description="The latest failure: HTTP status or error class and message")
    last_error_at: datetime | None = Field(description="When the latest failure happened (UTC)")

    next_attempt_at: datetime | None = Field(description="No attempt before this time (backoff)")
    given_up: int = Field(ge=0, description="Entries skipped after 24 hours of failed attempts")
