"""The console's cookies: the signed-in session, and the pre-session the sign-in form's token comes from.

Both are signed with the console's own secret (`REWARDS_CONSOLE_SECRET`, or the one generated once
and kept in the database), never with a key derived from an API token: a cookie anyone can fetch
tells nothing about a token. The session cookie carries the session's id and its CSRF token; the
database keeps only their hashes (service/usecases/console_sessions.py). The pre-session cookie
carries a random id, and the sign-in form's token is derived from it, so showing the sign-in page
writes nothing to the database.

Under HTTPS (the request's scheme, as the trusted-proxy middleware resolved it: never a header read
here) the cookies are `__Host-` cookies (`Secure`, `Path=/`, no `Domain`), which no sibling
subdomain can set or overwrite, and every answer carries HSTS. Over plain HTTP (a developer's
loopback) they are plain cookies scoped to /admin, so the console keeps working there.
"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from aiohttp import web
from itsdangerous import BadSignature, Signer, TimestampSigner

from service.usecases.console_sessions import SessionKeys

SESSION_COOKIE = "console_session"
PRE_SESSION_COOKIE = "console_pre_session"
CSRF_FIELD = "csrf_token"
HOST_PREFIX = "__Host-"
# A year, as HSTS preload lists ask; not includeSubDomains: the console cannot know the rest of the domain.
HSTS = "max-age=31536000"
# A sign-in form left open longer than this is refused (403) and shown again with a fresh token.
PRE_SESSION_SECONDS = 24 * 3600
_SEPARATOR = "."  # never in a token_urlsafe value


@dataclass(frozen=True)
class CookieRules:
    """How the console's cookies are named and scoped on one transport."""

    prefix: str
    path: str
    secure: bool


UNDER_HTTPS = CookieRules(prefix=HOST_PREFIX, path="/", secure=True)
OVER_PLAIN_HTTP = CookieRules(prefix="", path="/admin", secure=False)


def cookie_rules(request: web.Request) -> CookieRules:
    return UNDER_HTTPS if request.secure else OVER_PLAIN_HTTP


def transport_headers(request: web.Request) -> dict[str, str]:
    """Headers an answer carries for its transport: HSTS under HTTPS (a browser ignores it over plain HTTP)."""
    return {"Strict-Transport-Security": HSTS} if request.secure else {}


def csrf_matches(expected: str, submitted: object) -> bool:
    """The form's token is the one expected (compared in constant time); a missing or non-text one is not."""
    if not isinstance(submitted, str) or not submitted:
        return False
    try:
        return hmac.compare_digest(expected.encode(), submitted.encode())
    except UnicodeEncodeError:
        return False


class ConsoleCookies:
    """The console's cookies, signed with its secret."""

    def __init__(self, secret: str) -> None:
        self._session = Signer(secret, salt="rewards-console-session", digest_method=hashlib.sha256)
        self._pre_session = TimestampSigner(secret, salt="rewards-console-pre-session", digest_method=hashlib.sha256)
        self._form_key = hmac.new(secret.encode(), b"rewards-console-sign-in-form", hashlib.sha256).digest()

    def session_keys(self, request: web.Request) -> SessionKeys | None:
        """The session the browser presents (not yet checked against the database), or None."""
        value = self._unsigned(self._session, _cookie(request, SESSION_COOKIE))
        session_id, _, csrf_token = (value or "").partition(_SEPARATOR)
        return SessionKeys(session_id, csrf_token) if session_id and csrf_token else None

    def set_session(self, response: web.StreamResponse, request: web.Request, keys: SessionKeys, seconds: int) -> None:
        signed = self._session.sign(f"{keys.session_id}{_SEPARATOR}{keys.csrf_token}").decode()
        _set(response, request, SESSION_COOKIE, signed, seconds)

    def clear_session(self, response: web.StreamResponse, request: web.Request) -> None:
        rules = cookie_rules(request)
        response.del_cookie(rules.prefix + SESSION_COOKIE, path=rules.path, secure=rules.secure, samesite="Lax")

    def drop_ended_session(self, response: web.StreamResponse, request: web.Request) -> None:
        """Delete the session cookie the browser still sends for an ended session, unless the answer sets a new one."""
        name = cookie_rules(request).prefix + SESSION_COOKIE
        if name in request.cookies and name not in response.cookies:
            self.clear_session(response, request)

    def pre_session(self, request: web.Request) -> str | None:
        """The id of the browser's pre-session, when it holds a valid one."""
        return self._unsigned(self._pre_session, _cookie(request, PRE_SESSION_COOKIE), PRE_SESSION_SECONDS)

    def start_pre_session(self, response: web.StreamResponse, request: web.Request, pre_session: str) -> None:
        _set(response, request, PRE_SESSION_COOKIE, self._pre_session.sign(pre_session).decode(), PRE_SESSION_SECONDS)

    def sign_in_form_token(self, pre_session: str) -> str:
        """The sign-in form's CSRF token: bound to the pre-session, so only its browser can send it."""
        mac = hmac.new(self._form_key, pre_session.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    @staticmethod
    def _unsigned(signer: Signer, raw: str | None, max_age: int | None = None) -> str | None:
        if not raw:
            return None
        try:
            if isinstance(signer, TimestampSigner):
                return signer.unsign(raw, max_age=max_age).decode()
            return signer.unsign(raw).decode()
        except (BadSignature, UnicodeError):  # also SignatureExpired; a cookie that is not ASCII is no cookie of ours
            return None


def new_pre_session() -> str:
    return secrets.token_urlsafe(24)


def _cookie(request: web.Request, name: str) -> str | None:
    return request.cookies.get(cookie_rules(request).prefix + name)


def _set(response: web.StreamResponse, request: web.Request, name: str, value: str, seconds: int) -> None:
    rules = cookie_rules(request)
    response.set_cookie(
        rules.prefix + name,
        value,
        max_age=seconds,
        path=rules.path,
        httponly=True,
        samesite="Lax",
        secure=rules.secure,
    )
