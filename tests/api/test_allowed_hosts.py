"""DNS rebinding: a request whose Host names a host the service is not reached by is a 403 before any route runs.

A rebinding page sends its requests with its own name in `Host` (`attacker.example`); IP addresses
and `localhost` cannot be rebound, so they are always served, on any port.
"""

import asyncio

import pytest

from service.healthcheck import healthy
from service.http.app import init_app
from service.http.hosts import ALWAYS_SERVED, is_served
from service.settings import ConfigError, Settings
from tests.support.environment import ADMIN, BOT, make_settings

REBOUND = "attacker.example"


async def _get(client, path: str, host: str, headers: dict[str, str] | None = None):
    return await client.get(path, headers={"Host": host, **(headers or {})}, allow_redirects=False)


@pytest.mark.parametrize(
    ("path", "headers"),
    [("/v1/rewards", BOT), ("/v1/rewards", ADMIN), ("/health", None), ("/metrics", None), ("/openapi.json", None)],
)
async def test_a_rebound_name_is_refused_on_every_route_with_the_published_tokens_too(client, path, headers):
    response = await _get(client, path, f"{REBOUND}:8080", headers)
    body = await response.json()
    assert (response.status, body["error"]["code"]) == (403, "host_not_allowed")
    assert REBOUND in body["error"]["message"]
    assert "REWARDS_ALLOWED_HOSTS" in body["error"]["message"]


async def test_the_console_refuses_a_rebound_name_in_the_same_envelope(client):
    response = await _get(client, "/admin/login", REBOUND)
    assert (response.status, (await response.json())["error"]["code"]) == (403, "host_not_allowed")
    assert "Set-Cookie" not in response.headers  # no sign-in form, no CSRF cookie for the rebound page


@pytest.mark.parametrize(
    "host", ["localhost", "localhost:8080", "LOCALHOST.:1", "127.0.0.1", "127.0.0.1:9999", "[::1]:8080"]
)
async def test_the_loopback_names_are_served_on_any_port(client, host):
    assert (await _get(client, "/health/live", host)).status == 200


@pytest.mark.parametrize("host", ["10.1.2.3:8080", "192.0.2.7", "[2001:db8::1]:443"])
async def test_any_ip_address_is_served_since_no_name_is_resolved_for_it(aiohttp_client, host):
    """A Prometheus scrape by address, a Kubernetes probe on the pod's IP: served whatever the list says."""
    client = await aiohttp_client(init_app(make_settings(allowed_hosts=("rewards.example.com",))))
    assert (await _get(client, "/health/live", host)).status == 200


@pytest.mark.parametrize(
    "host", ["evil.example@localhost", "localhost.attacker.example", "127.0.0.1.nip.io", "2130706433", "[::1", ""]
)
async def test_a_name_that_only_looks_local_is_refused(client, host):
    assert (await _get(client, "/health/live", host)).status == 403


async def test_a_deployment_lists_the_names_it_is_reached_by(aiohttp_client):
    client = await aiohttp_client(init_app(make_settings(allowed_hosts=("rewards.example.com",))))
    for host in ("rewards.example.com", "Rewards.Example.COM.:443", "localhost:8080"):
        assert (await _get(client, "/health/live", host)).status == 200, host
    assert (await _get(client, "/health/live", "other.example.com")).status == 403


async def test_a_star_serves_every_name(aiohttp_client):
    client = await aiohttp_client(init_app(make_settings(allowed_hosts=("*",))))
    assert (await _get(client, "/health/live", REBOUND)).status == 200


async def test_the_container_health_check_passes_with_a_list_set(aiohttp_server):
    """service.healthcheck probes http://127.0.0.1:PORT, the image's HEALTHCHECK: an IP address, always served."""
    server = await aiohttp_server(init_app(make_settings(allowed_hosts=("rewards.example.com",))))
    assert server.port is not None
    assert await asyncio.to_thread(healthy, server.port)


def test_host_names_come_from_a_comma_separated_variable_and_refuse_ports():
    settings = Settings.from_env({"REWARDS_ALLOWED_HOSTS": "Rewards.Example.com., api.internal"})
    assert settings.allowed_hosts == ("rewards.example.com", "api.internal")
    assert Settings.from_env({}).allowed_hosts == ()
    with pytest.raises(ConfigError, match="REWARDS_ALLOWED_HOSTS: must be host names without a port"):
        Settings.from_env({"REWARDS_ALLOWED_HOSTS": "rewards.example.com:443"})


def test_only_localhost_is_a_name_always_served():
    assert {"localhost"} == ALWAYS_SERVED
    assert is_served("[::1]:80", ALWAYS_SERVED)
    assert not is_served("::1", ALWAYS_SERVED)  # an IPv6 address is bracketed in a Host header
