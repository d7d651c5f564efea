"""The console's sign-in session, CSRF tokens, client address and sign-in rate limit.

Sessions are a cookie signed with `itsdangerous` rather than aiohttp-session's encrypted cookies:
the cookie carries nothing secret (only that the holder signed in, when, and its CSRF token), so
signing is all it needs and no extra cryptography dependency or stored key comes with it. The
signing key is derived from the admin token (HMAC with a fixed label), so a session survives a
restart and works on every instance, and changing the admin token ends every session at once.

CSRF is a double-submit cookie: every form carries a hidden `csrf_token` equal to the
`console_csrf` cookie. The value is itself signed with the derived key, so a cookie planted from
another origin (a sibling subdomain) without the key is refused too. It works before any session
exists, which is what protects the sign-in form.
"""

import hashlib
import hmac
import secrets
import time
from collections import deque
from dataclasses import dataclass, field

from aiohttp import web
from itsdangerous import BadSignature, Signer, URLSafeTimedSerializer

from service.settings import Settings

SESSION_COOKIE = "console_session"
CSRF_COOKIE = "console_csrf"
CSRF_FIELD = "csrf_token"
_SESSION_SALT = "rewards-console-session"
_CSRF_SALT = "rewards-console-csrf"


def derived_key(admin_token: str) -> bytes:
    """The console's signing key: the admin token through HMAC, never the token itself."""
    return hmac.new(admin_token.encode(), b"rewards-console-signing-key", hashlib.sha256).digest()


def is_https(request: web.Request, settings: Settings) -> bool:
    """Whether the client reached us over HTTPS, as the trusted proxies report it (service/http/proxies.py)."""
    return request.secure


def client_address(request: web.Request, settings: Settings) -> str:
    """The client's address, resolved through the trusted proxies (service/http/proxies.py)."""
    return request.remote or "unknown"


@dataclass(frozen=True)
class Session:
    signed_in_at: float
    csrf: str


class Sessions:
    """Signed session and CSRF cookies for one admin token."""

    def __init__(self, settings: Settings) -> None:
        key = derived_key("\n".join(settings.admin_tokens))  # any change to the admin tokens ends every session
        self._serializer = URLSafeTimedSerializer(key, salt=_SESSION_SALT)
        self._csrf_signer = Signer(key, salt=_CSRF_SALT)
        self._max_age = int(settings.admin_session_hours * 3600)
        self._settings = settings

    @property
    def max_age(self) -> int:
        return self._max_age

    def new_csrf(self) -> str:
        return self._csrf_signer.sign(secrets.token_urlsafe(24)).decode()

    def valid_csrf(self, value: str) -> bool:
        try:
            self._csrf_signer.unsign(value)
        except BadSignature:
            return False
        return True

    def session_of(self, request: web.Request) -> Session | None:
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return None
        try:
            data = self._serializer.loads(raw, max_age=self._max_age)
        except BadSignature:  # also SignatureExpired: a session past its hours
            return None
        return Session(float(data["at"]), str(data["csrf"]))

    def start(self, response: web.StreamResponse, request: web.Request, csrf: str) -> None:
        value = self._serializer.dumps({"at": time.time(), "csrf": csrf})
        self._set(response, request, SESSION_COOKIE, value, self._max_age)

    def end(self, response: web.StreamResponse, request: web.Request) -> None:
        response.del_cookie(SESSION_COOKIE, path="/admin")

    def set_csrf_cookie(self, response: web.StreamResponse, request: web.Request, value: str) -> None:
        self._set(response, request, CSRF_COOKIE, value, None)

    def _set(
        self, response: web.StreamResponse, request: web.Request, name: str, value: str, max_age: int | None
    ) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/admin",
            httponly=True,
            samesite="Lax",
            secure=is_https(request, self._settings),
        )


def csrf_matches(cookie: str | None, submitted: str | None) -> bool:
    """The double-submit check: both present and equal (compared in constant time)."""
    if not cookie or not submitted:
        return False
    return hmac.compare_digest(cookie.encode(), submitted.encode())


@dataclass
class SignInLimiter:
    """At most `attempts` sign-ins per client address in any `period_seconds` (kept per instance, in memory)."""

    attempts: int = 10
    period_seconds: float = 60.0
    _seen: dict[str, deque[float]] = field(default_factory=dict)

    def allow(self, address: str, now: float) -> bool:
        """Count one attempt; False when the address is over its limit."""
        if len(self._seen) > 10_000:  # forget idle addresses so the table stays small
            self._seen = {a: q for a, q in self._seen.items() if q and now - q[-1] < self.period_seconds}
        recent = self._seen.setdefault(address, deque())
        while recent and now - recent[0] >= self.period_seconds:
            recent.popleft()
        if len(recent) >= self.attempts:
            return False
        recent.append(now)
        return True
