"""Signing in to the admin console, staying signed in, signing out; and the limit on sign-in attempts.

A session is two random values the browser holds (in one cookie, service/http/console/security.py):
its id and its CSRF token. The database keeps only their SHA-256, so a reader of MongoDB cannot act
as an admin. Both are new at every sign-in. A session ends when its browser signs out, when any
admin signs out everywhere, after `REWARDS_ADMIN_SESSION_IDLE_MINUTES` without a request, and
`REWARDS_ADMIN_SESSION_HOURS` after the sign-in however active it is: checked here on every request
against the runtime's clock, never left to the TTL index, which only removes ended sessions later.

Sign-in attempts are limited per client address (the edge passes `request.remote`, resolved through
the trusted proxies), in MongoDB, so the limit holds across instances. Each attempt is counted
before the token is looked at; after FREE_TRIES in a row the address waits before each next try,
FIRST_WAIT doubled at each, at most LONGEST_WAIT. Only that address waits: no global lock an
outsider could use to keep the admins out. A successful sign-in clears the address's count.
"""

import hashlib
import hmac
import ipaddress
import logging
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from rewards_contract.errors import RaceLost

from documents import ConsoleSession, SignInAttempts
from service.operations import console_secret, console_sessions, sign_in_attempts
from service.operations.retries import gave_up, retried
from service.settings import Settings
from service.usecases.context import Context
from service.usecases.runtime import Runtime

log = logging.getLogger(__name__)

# `last_seen` is written at most this often (or every sixth of the idle timeout, when that is shorter):
# a page costs one read of its session, and a write only every few minutes.
LAST_SEEN_STEP = timedelta(minutes=5)
FREE_TRIES = 5
FIRST_WAIT = timedelta(seconds=15)
LONGEST_WAIT = timedelta(hours=1)
# An address's count is forgotten after this long without an attempt.
ATTEMPTS_KEPT = timedelta(hours=24)
# IPv6 clients are limited per /64 network: one subscriber usually holds a whole /64 to pick addresses from.
IPV6_PREFIX = 64


@dataclass(frozen=True)
class SessionKeys:
    """What the signed-in browser holds: the session's id and its CSRF token, both random, both secret."""

    session_id: str
    csrf_token: str


class SignInRefused(Exception):
    """A sign-in that opened no session."""


class WrongToken(SignInRefused):
    """The token presented is not the admin token (the bot token included)."""


class TooManySignIns(SignInRefused):
    """The address must wait `retry_after` seconds before its next attempt is looked at."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


def is_admin_token(settings: Settings, presented: str) -> bool:
    """Whether `presented` is one of the admin tokens (the settings compare in constant time): the console's only check.

    A token that cannot be encoded as UTF-8 (a lone surrogate, from a form in an exotic charset) is wrong.
    """
    try:
        encoded = presented.strip().encode()
    except UnicodeEncodeError:
        return False
    return settings.is_admin_token(encoded)


def digest(value: str) -> str:
    """SHA-256 in hex: what is stored of a session id or a CSRF token (both random, so no salt or slow hash)."""
    return hashlib.sha256(value.encode()).hexdigest()


async def load_console_secret(runtime: Runtime) -> str:
    """The key of the console's cookies: the setting, or the one stored in the database (generated the first time)."""
    if runtime.settings.console_secret is not None:
        return runtime.settings.console_secret
    return await console_secret.stored_console_secret(secrets.token_urlsafe(48), runtime.clock())


async def sign_in(ctx: Context, address: str, presented: str, replacing: SessionKeys | None) -> SessionKeys:
    """Open a new session for the admin token presented from `address`, ending the browser's previous one.

    Raises TooManySignIns while the address must wait (the token is then not looked at), WrongToken.
    """
    limited = limited_address(address)
    await _count_attempt(limited, ctx.now)
    if not is_admin_token(ctx.runtime.settings, presented):
        raise WrongToken("not the admin token")
    await sign_in_attempts.clear_attempts(limited)
    if replacing is not None:
        await console_sessions.end_session(digest(replacing.session_id))
    keys = SessionKeys(secrets.token_urlsafe(32), secrets.token_urlsafe(32))
    started = ConsoleSession(
        id=digest(keys.session_id),
        csrf_hash=digest(keys.csrf_token),
        started_at=ctx.now,
        last_seen=ctx.now,
        expires_at=_ends_at(ctx.runtime.settings, ctx.now, ctx.now),
    )
    await console_sessions.start_session(started)
    return keys


async def session_is_open(ctx: Context, keys: SessionKeys) -> bool:
    """Whether the browser's session is open now; notes that it was seen, when its `last_seen` is a step old.

    A session past its idle timeout or its lifetime is ended here (deleted), whatever the TTL index did.
    """
    session = await console_sessions.find_session(digest(keys.session_id))
    if session is None or not hmac.compare_digest(session.csrf_hash, digest(keys.csrf_token)):
        return False
    settings = ctx.runtime.settings
    if ctx.now >= _ends_at(settings, session.started_at, session.last_seen):
        await console_sessions.end_session(session.id)
        return False
    if ctx.now - session.last_seen >= last_seen_step(settings):
        await console_sessions.see_session(session.id, ctx.now, _ends_at(settings, session.started_at, ctx.now))
    return True


async def sign_out(ctx: Context, keys: SessionKeys) -> None:
    """End this browser's session: its cookie opens nothing any more, on any instance."""
    await console_sessions.end_session(digest(keys.session_id))


async def sign_out_everywhere(ctx: Context) -> int:
    """End every console session, of every admin and browser (after the admin token changed, say); how many."""
    return await console_sessions.end_every_session()


def last_seen_step(settings: Settings) -> timedelta:
    """How old `last_seen` may get before a request moves it: LAST_SEEN_STEP, or a sixth of a shorter idle timeout."""
    return min(LAST_SEEN_STEP, timedelta(minutes=settings.admin_session_idle_minutes) / 6)


def _ends_at(settings: Settings, started_at: datetime, last_seen: datetime) -> datetime:
    """When a session started then and last seen then ends: idle, or at the end of its lifetime."""
    idle_end = last_seen + timedelta(minutes=settings.admin_session_idle_minutes)
    return min(idle_end, started_at + timedelta(hours=settings.admin_session_hours))


def limited_address(address: str) -> str:
    """The address the limit counts: an IPv4 address, an IPv6 address's /64 network, or the text as given."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address  # not an IP address (a Unix socket's peer): counted as it is
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, IPV6_PREFIX), strict=False))
    return str(parsed)


def wait_after(tries: int) -> timedelta:
    """How long an address waits after its `tries`-th attempt in a row without success."""
    if tries < FREE_TRIES:
        return timedelta(0)
    return min(LONGEST_WAIT, FIRST_WAIT * 2 ** min(tries - FREE_TRIES, 30))


async def _count_attempt(address: str, now: datetime) -> None:
    """Count one attempt from the address, or raise TooManySignIns while it must wait."""

    async def attempt() -> None:
        seen = await sign_in_attempts.attempts_of(address)
        fresh = seen is not None and now - seen.last_at < ATTEMPTS_KEPT
        if seen is not None and fresh and now < seen.next_try_at:
            raise TooManySignIns(math.ceil((seen.next_try_at - now).total_seconds()))
        tries = seen.tries + 1 if seen is not None and fresh else 1
        counted = SignInAttempts(
            id=address, tries=tries, last_at=now, next_try_at=now + wait_after(tries), expires_at=now + ATTEMPTS_KEPT
        )
        if not await sign_in_attempts.count_attempt(seen, counted):
            raise gave_up("Counting a sign-in attempt")
        if tries == FREE_TRIES:  # once per streak: a flood of refused attempts logs nothing more
            log.warning(
                "Console sign-in: %d attempts in a row from %r; it now waits before each next one", tries, address
            )

    try:
        await retried(attempt)
    except RaceLost:
        # Attempts from this address kept changing the count under us: it is sending many at once.
        raise TooManySignIns(1) from None
