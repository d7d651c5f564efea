"""The client's address and scheme come from the trusted proxies (REWARDS_TRUSTED_PROXIES), never from a header
the client wrote itself.

The test client connects from 127.0.0.1; `request_from` connects from 127.0.0.2, which plays the
reverse proxy. `/test/client` is a route the tests add: it answers what every handler sees.
"""

import logging

import pytest

from service.http.app import init_app
from service.settings import ConfigError, Settings
from tests.support.connections import PROXY_ADDRESS, echo_client, request_from
from tests.support.environment import make_settings

FORGED = {"X-Forwarded-For": "198.51.100.66", "X-Forwarded-Proto": "https"}


async def _client(aiohttp_client, **settings):
    app = init_app(make_settings(**settings))
    app.router.add_get("/test/client", echo_client)
    return await aiohttp_client(app)


async def test_without_trusted_proxies_forwarding_headers_are_ignored(aiohttp_client):
    client = await _client(aiohttp_client)
    seen = await (await client.get("/test/client", headers=FORGED)).json()
    assert (seen["remote"], seen["scheme"], seen["secure"]) == ("127.0.0.1", "http", False)


async def test_a_client_that_is_not_a_trusted_proxy_cannot_choose_its_address(aiohttp_client):
    """The finding: with a proxy configured, a client reaching the service around it wrote its own address."""
    client = await _client(aiohttp_client, trusted_proxies=(PROXY_ADDRESS,))
    seen = await (await client.get("/test/client", headers=FORGED)).json()
    assert (seen["remote"], seen["secure"]) == ("127.0.0.1", False)


async def test_through_a_trusted_proxy_the_client_is_the_address_the_proxy_appended(aiohttp_client):
    """The client's own X-Forwarded-For entry (first) is not believed; the one the proxy appended (last) is."""
    client = await _client(aiohttp_client, trusted_proxies=(PROXY_ADDRESS,))
    headers = {"X-Forwarded-For": "127.0.0.1, 203.0.113.7", "X-Forwarded-Proto": "https"}
    seen = (await request_from(client, PROXY_ADDRESS, "/test/client", headers)).json()
    assert (seen["remote"], seen["scheme"], seen["secure"]) == ("203.0.113.7", "https", True)


async def test_a_chain_of_trusted_proxies_is_walked_from_the_right_up_to_the_first_other_address(aiohttp_client):
    client = await _client(aiohttp_client, trusted_proxies=(PROXY_ADDRESS, "10.0.0.0/8"))
    headers = {"X-Forwarded-For": "192.0.2.1, 203.0.113.7, 10.4.0.9, 10.0.0.2"}
    seen = (await request_from(client, PROXY_ADDRESS, "/test/client", headers)).json()
    assert seen["remote"] == "203.0.113.7"


async def test_a_trusted_proxy_without_forwarding_headers_is_the_client(aiohttp_client):
    """The container's health check and a direct scrape come from the proxy's address without the headers."""
    client = await _client(aiohttp_client, trusted_proxies=(PROXY_ADDRESS,))
    seen = (await request_from(client, PROXY_ADDRESS, "/test/client")).json()
    assert (seen["remote"], seen["secure"]) == (PROXY_ADDRESS, False)


async def test_the_host_is_never_taken_from_x_forwarded_host(aiohttp_client):
    client = await _client(aiohttp_client, trusted_proxies=(PROXY_ADDRESS,))
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Host": "elsewhere.example"}
    answer = await request_from(client, PROXY_ADDRESS, "/test/client", headers)
    assert answer.status == 200
    assert answer.json()["host"] == f"{client.host}:{client.port}"


async def test_a_trusted_proxys_malformed_x_forwarded_for_is_a_400_in_the_error_envelope(aiohttp_client):
    client = await _client(aiohttp_client, trusted_proxies=(PROXY_ADDRESS,))
    answer = await request_from(client, PROXY_ADDRESS, "/test/client", {"X-Forwarded-For": "not-an-address"})
    assert (answer.status, answer.json()["error"]["code"]) == (400, "bad_request")


async def test_the_access_log_records_the_resolved_client(aiohttp_client, caplog):
    client = await _client(aiohttp_client, trusted_proxies=(PROXY_ADDRESS,))
    caplog.set_level(logging.INFO, logger="service.access")
    await request_from(client, PROXY_ADDRESS, "/health/live", {"X-Forwarded-For": "6.6.6.6, 203.0.113.7"})
    await client.get("/health/live", headers={"X-Forwarded-For": "203.0.113.8"})  # not from the proxy
    first, second = (record for record in caplog.records if record.name == "service.access")
    assert (first.client, second.client) == ("203.0.113.7", "127.0.0.1")
    assert first.getMessage().endswith(" 203.0.113.7")


def test_trusted_proxies_are_addresses_or_networks():
    settings = Settings.from_env({"REWARDS_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8,::1"})
    assert [str(network) for network in settings.trusted_proxies] == ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]
    assert Settings.from_env({}).trusted_proxies == ()
    with pytest.raises(ConfigError, match=r"REWARDS_TRUSTED_PROXIES: must be IP addresses or networks.*'nginx'"):
        Settings.from_env({"REWARDS_TRUSTED_PROXIES": "127.0.0.1,nginx"})


@pytest.mark.parametrize("value", ["on", "off"])
def test_the_replaced_behind_proxy_switch_stops_the_start_up_and_names_its_successor(value):
    """`on` believed any X-Forwarded-For: it cannot be mapped onto addresses, so it is refused, not ignored."""
    with pytest.raises(ConfigError, match="REWARDS_BEHIND_PROXY: no longer read; set REWARDS_TRUSTED_PROXIES"):
        Settings.from_env({"REWARDS_BEHIND_PROXY": value})
