"""Which host names the service answers to (REWARDS_ALLOWED_HOSTS): the defence against DNS rebinding.

A page on attacker.example can, once loaded, make its own name resolve to 127.0.0.1 or to any address
of the visitor's network. The browser then sends the page's requests to the service as same-origin
requests, and lets the page read the answers; only the `Host` header, which no page can set, still
says `attacker.example`. So a request whose `Host` names a host not listed is refused (403
`host_not_allowed`) before any route runs.

Always served, whatever the list: IP addresses, because a browser sends one only to a page whose origin
is that address (no name is resolved, so nothing can be rebound), and `localhost`, which browsers
resolve to the machine itself without asking DNS. That keeps the container's health check
(127.0.0.1), a Prometheus scrape by address and a Kubernetes probe (the pod's IP) working with any
list. The port is not checked: the service answers on any. A request without `Host` (HTTP/1.0) is
no browser's, and is served.
"""

import re
from collections.abc import Iterable
from ipaddress import ip_address

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from rewards_contract.errors import HostNotAllowed

from service.settings import ANY_HOST

ALWAYS_SERVED = frozenset({"localhost"})
# `name[:port]` or `[IPv6]:port`, and nothing else (no user info, no path).
_HOST_HEADER = re.compile(r"(?:\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|(?P<name>[^\[\]:@/?#\s]+))(?::\d{1,5})?")


def allowed_hosts_middleware(listed: Iterable[str]) -> Middleware:
    """The middleware refusing a request whose `Host` is neither listed, nor `localhost`, nor an IP address."""
    names = ALWAYS_SERVED | frozenset(listed)

    @web.middleware
    async def check_host(request: web.Request, handler: Handler) -> web.StreamResponse:
        header = request.headers.get("Host")
        if ANY_HOST in names or header is None or is_served(header, names):
            return await handler(request)
        raise HostNotAllowed(
            f"This service does not answer to the host {header!r}; its operator lists the names it is reached by "
            "in REWARDS_ALLOWED_HOSTS."
        )

    return check_host


def is_served(header: str, names: frozenset[str]) -> bool:
    """Whether a `Host` header names one of these host names or an IP address, on any port."""
    parsed = _HOST_HEADER.fullmatch(header.strip())
    if parsed is None:
        return False
    if parsed["ipv6"] is not None:
        return _is_address(parsed["ipv6"])
    name = parsed["name"].lower().removesuffix(".")
    return name in names or _is_address(name)


def _is_address(text: str) -> bool:
    try:
        ip_address(text)
    except ValueError:
        return False
    return True
