"""The client's address and scheme, as the reverse proxies the operator trusts report them (REWARDS_TRUSTED_PROXIES).

`X-Forwarded-For` and `X-Forwarded-Proto` are the client's to write, unless a proxy we trust stands in
between and writes them itself. So they are read only on a connection from one of the trusted
addresses; there the client is the nearest address in `X-Forwarded-For` that is not a trusted proxy
(aiohttp-remotes' `XForwardedFiltered` walks the header from the right), and its scheme the
matching `X-Forwarded-Proto`. Any other connection is its own client, whatever it sends. Every
later middleware and handler (the API, the console) reads the answer as `request.remote`,
`request.scheme` and `request.secure`, and the access log as `CLIENT_ADDRESS`.

`X-Forwarded-Host` is not believed: the Host check (`hosts.py`) reads the `Host` header the service
received, which a browser never lets a page choose.
"""

from collections.abc import Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from aiohttp_remotes import XForwardedFiltered

# The resolved client's address, kept on the request the outer middlewares hold: the access log, which
# sees the request before it is resolved, logs this one.
CLIENT_ADDRESS = web.RequestKey("client_address", str)

Network = IPv4Network | IPv6Network


def trusted_proxies_middleware(trusted: Sequence[Network]) -> Middleware:
    """The middleware resolving each request's client through these proxies (none: every connection is the client)."""
    walker = XForwardedFiltered(trusted) if trusted else None

    @web.middleware
    async def resolve_client(request: web.Request, handler: Handler) -> web.StreamResponse:
        if walker is None or not _is_one_of(request.remote, trusted):
            request[CLIENT_ADDRESS] = request.remote or ""
            return await handler(request)

        async def as_forwarded(forwarded: web.Request) -> web.StreamResponse:
            # Only the address and the scheme: the request keeps the Host it arrived with.
            remote = forwarded.remote or ""  # an address: the connection's was one (a trusted proxy's)
            resolved = request.clone(remote=remote, scheme=forwarded.scheme.lower())
            request[CLIENT_ADDRESS] = remote
            return await handler(resolved)

        # A malformed X-Forwarded-For (not addresses, or sent twice) is the library's 400.
        return await walker.middleware(request, as_forwarded)

    return resolve_client


def _is_one_of(address: str | None, networks: Sequence[Network]) -> bool:
    """Whether the connection's address is in one of the networks (an IPv4 address mapped into IPv6 counts as itself)."""
    try:
        peer: IPv4Address | IPv6Address = ip_address(address or "")
    except ValueError:  # no address: a Unix socket
        return False
    if isinstance(peer, IPv6Address) and peer.ipv4_mapped is not None:
        peer = peer.ipv4_mapped
    return any(peer in network for network in networks)
