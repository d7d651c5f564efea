"""Who may scrape `GET /metrics`: the holder of the metrics token, or, when none is set, a client on this machine.

The metrics tell claims per reward type and the grants waiting, and every scrape costs a database
count: not for anyone who can reach the port. The metrics token is a token of its own (Prometheus
sends it with `authorization: {credentials_file: ...}`), so the scraper's configuration never holds
the bot's or the admins'. Without one, only loopback clients are answered, judged by the address the
trusted proxies resolved (`proxies.py`): behind a proxy on the same host every connection comes from
127.0.0.1, and only the proxy's `X-Forwarded-For` tells who is really asking.
"""

import hmac
from ipaddress import IPv6Address, ip_address

from aiohttp import web
from rewards_contract.errors import Forbidden, Unauthorized

from service.settings import Settings


def check_scraper(request: web.Request, settings: Settings) -> None:
    """Return when this request may read the metrics; raise its refusal (401 or 403) otherwise."""
    if settings.metrics_token is not None:
        scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
        # compare_digest: the time taken does not tell how much of the token was right.
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            presented.strip().encode(errors="surrogateescape"), settings.metrics_token.encode()
        ):
            raise Unauthorized("GET /metrics needs the metrics token: Authorization: Bearer <REWARDS_METRICS_TOKEN>.")
        return
    if not is_loopback(request.remote):
        raise Forbidden("GET /metrics answers only clients on this machine while REWARDS_METRICS_TOKEN is unset.")


def is_loopback(address: str | None) -> bool:
    """Whether the address is this machine's loopback (127.0.0.0/8, ::1, or 127.x mapped into IPv6)."""
    try:
        parsed = ip_address(address or "")
    except ValueError:  # no address (a Unix socket, which the service does not serve on)
        return False
    if isinstance(parsed, IPv6Address) and parsed.ipv4_mapped is not None:
        return parsed.ipv4_mapped.is_loopback
    return parsed.is_loopback
