"""Request ids, one access-log line per request, JSON logs, and no secrets in any log."""

import io
import json
import logging
from dataclasses import replace
from typing import Any

import pytest
from aiohttp import web
from mongomock_motor import AsyncMongoMockClient

from service.db import connection as database_module
from service.http import handlers
from service.http.app import init_app
from service.observability.logs import JsonFormatter, RequestIdFilter, configure_logging
from service.settings import Settings
from service.usecases import service_status
from tests.support.environment import BOT, make_settings


def access_records(caplog: pytest.LogCaptureFixture) -> list[Any]:
    """The access log's records: LogRecords carrying the request's fields (method, route, status...) as extras."""
    return [record for record in caplog.records if record.name == "service.access"]


async def test_a_well_formed_request_id_is_echoed_back(client):
    response = await client.get("/health", headers={"X-Request-Id": "bot-42.abc:1"})
    assert response.headers["X-Request-Id"] == "bot-42.abc:1"


@pytest.mark.parametrize("given", ["has space", "x" * 129, 'quote"d', ""])
async def test_a_malformed_request_id_is_replaced_by_a_generated_one(client, given):
    response = await client.get("/health", headers={"X-Request-Id": given})
    returned = response.headers["X-Request-Id"]
    assert returned != given
    assert len(returned) == 32


async def test_every_response_gets_a_fresh_request_id_when_none_is_given(client):
    first = await client.get("/health")
    second = await client.get("/health")
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]


async def test_error_responses_carry_the_request_id(client, monkeypatch):
    async def broken(database):
        raise RuntimeError("boom")

    monkeypatch.setattr(service_status, "ping", broken)
    for method, path, status in (("GET", "/health", 503), ("GET", "/nope", 404), ("DELETE", "/health", 405)):
        response = await client.request(method, path, headers={"X-Request-Id": f"id-{status}"})
        assert response.status == status
        assert response.headers["X-Request-Id"] == f"id-{status}"


async def test_one_access_log_line_per_request_with_route_template_status_and_duration(
    aiohttp_client, settings, caplog
):
    async def thing(request: web.Request) -> web.Response:
        return web.json_response({}, status=201)

    app = init_app(settings)
    app.router.add_post("/things/{thing_id}", thing)  # a parametrised route, added by the test only
    client = await aiohttp_client(app)
    caplog.set_level(logging.INFO, logger="service.access")
    await client.post("/things/777", headers={"X-Request-Id": "req-1"})
    [record] = access_records(caplog)
    assert (record.method, record.route, record.status, record.request_id) == (
        "POST",
        "/things/{thing_id}",
        201,
        "req-1",
    )
    assert record.duration_ms >= 0
    assert "777" not in record.getMessage()


async def test_the_access_log_sees_the_status_the_error_middleware_answered(client, caplog, monkeypatch):
    async def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(handlers.users.user_rewards, "list_user_rewards", broken)
    caplog.set_level(logging.INFO)
    # Stamped at emit time, as configure_logging's handler does.
    caplog.handler.addFilter(RequestIdFilter())
    await client.get("/v1/users/1/rewards", headers={"X-Request-Id": "req-500", **BOT})
    [record] = access_records(caplog)
    assert record.status == 500
    # The traceback logged by error_middleware carries the same request id.
    [error] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert error.request_id == "req-500"


async def test_json_format_writes_one_object_per_line_with_the_request_fields(client):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    access = logging.getLogger("service.access")
    access.addHandler(handler)
    level_before = access.level
    access.setLevel(logging.INFO)
    try:
        await client.get("/health", headers={"X-Request-Id": "json-1"})
        await client.get("/nope")
    finally:
        access.removeHandler(handler)
        access.setLevel(level_before)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert {key: first[key] for key in ("method", "route", "status", "request_id")} == {
        "method": "GET",
        "route": "/health",
        "status": 200,
        "request_id": "json-1",
    }
    assert isinstance(first["duration_ms"], float)
    assert first["level"] == "INFO"
    assert first["logger"] == "service.access"
    assert second["status"] == 404
    assert second["route"] == "unmatched"


def test_configure_logging_picks_the_format_from_the_settings(restore_root_logging):
    configure_logging(Settings(log_format="json", log_level="WARNING"))
    root = logging.getLogger()
    assert root.level == logging.WARNING
    assert [type(h.formatter) for h in root.handlers] == [JsonFormatter]
    configure_logging(Settings(log_format="text"))
    assert not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers)


async def test_tokens_and_the_database_password_never_appear_in_logs(aiohttp_client, caplog, monkeypatch):
    password = "pa55-w0rd-SECRET"
    settings = replace(
        make_settings(),
        mongodb_url=f"mongodb://rewards:{password}@db.example:27017/?replicaSet=rs0",
        bot_tokens=("bot-token-SECRET-1-of-at-least-32-characters",),
        admin_tokens=("admin-token-SECRET-2-of-at-least-32-characters",),
    )
    # The real-MongoDB code path (which logs the URL), on an in-memory client.
    monkeypatch.setattr(database_module, "AsyncIOMotorClient", lambda *a, **k: AsyncMongoMockClient(tz_aware=True))
    caplog.set_level(logging.DEBUG)
    client = await aiohttp_client(init_app(settings))
    wrong = "wrong-token-SECRET-3"
    for token in (*settings.bot_tokens, *settings.admin_tokens, wrong):
        for path in ("/health", "/metrics", "/nope"):
            await client.get(path, headers={"Authorization": f"Bearer {token}"})

    async def broken(database):
        raise RuntimeError("boom")

    monkeypatch.setattr(service_status, "ping", broken)
    await client.get("/health", headers={"Authorization": f"Bearer {settings.admin_tokens[0]}"})
    await client.close()

    logged = "\n".join([caplog.text] + [json.dumps(record.__dict__, default=str) for record in caplog.records])
    assert "db.example" in logged  # the URL was logged (masked), so the check below means something
    assert len(access_records(caplog)) == 10
    for secret in (password, *settings.bot_tokens, *settings.admin_tokens, wrong):
        assert secret not in logged
