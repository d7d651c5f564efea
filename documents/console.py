"""What the admin console stores: its signed-in sessions, the secret that signs its cookies, and failed sign-ins.

Analysts read MongoDB directly, so nothing here lets a reader act as an admin: a session is stored
by the SHA-256 of its id and of its CSRF token, never by the values the browser holds. The console's
secret is stored in plain (it must be, to sign): docs/data-model.md says how to keep these three
collections out of what analysts are given to read.
"""

import pymongo
from beanie import Document
from pydantic import ConfigDict, Field
from pymongo import IndexModel
from rewards_contract.fields import UtcDatetime

CONSOLE_SECRET_ID = "console"
# Clean-up only, on both collections that have it: the code refuses what has ended long before this removes it.
EXPIRES_AT_TTL = IndexModel([("expires_at", pymongo.ASCENDING)], name="expires_at_ttl", expireAfterSeconds=0)


class ConsoleSession(Document):
    """Collection `console_sessions`: one signed-in browser, from its sign-in until it signs out or times out.

    The idle timeout and the lifetime are checked in code on every request; the TTL index on
    `expires_at` only removes what has long ended (its monitor runs about once a minute, later under load).
    """

    model_config = ConfigDict(extra="ignore")

    id: str  # type: ignore[assignment]  # the SHA-256 (hex) of the session id, not Beanie's ObjectId
    csrf_hash: str
    started_at: UtcDatetime
    # Moved forward at most every few minutes (service/usecases/console_sessions.py), not on every page.
    last_seen: UtcDatetime
    expires_at: UtcDatetime

    class Settings:
        name = "console_sessions"
        use_state_management = False
        indexes = [EXPIRES_AT_TTL]


class ConsoleSecret(Document):
    """Collection `console_secret`: a single document, `_id: "console"`, the key of the console's cookies.

    Used only while `REWARDS_CONSOLE_SECRET` is unset; written once, by the first instance to start.
    """

    model_config = ConfigDict(extra="ignore")

    id: str = Field(default=CONSOLE_SECRET_ID)  # type: ignore[assignment]  # one fixed string, not Beanie's ObjectId
    secret: str = Field(min_length=32)
    created_at: UtcDatetime

    class Settings:
        name = "console_secret"
        use_state_management = False


class SignInAttempts(Document):
    """Collection `console_sign_in_attempts`: the sign-in attempts of one client address since its last success.

    An attempt is counted before the token is looked at, by a conditional update on `tries`, so
    concurrent attempts from one address, on any instance, are each counted once.
    """

    model_config = ConfigDict(extra="ignore")

    id: str  # type: ignore[assignment]  # the client address (an IPv6 address's /64 network), not an ObjectId
    tries: int = Field(ge=1)
    last_at: UtcDatetime
    # No attempt from the address is looked at before this moment (429 with Retry-After until then).
    next_try_at: UtcDatetime
    expires_at: UtcDatetime

    class Settings:
        name = "console_sign_in_attempts"
        use_state_management = False
        indexes = [EXPIRES_AT_TTL]
