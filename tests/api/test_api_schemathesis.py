"""Schemathesis against /openapi.json: generated requests never get a 5xx or an answer off the document,
and the document is precise: requests it calls valid are accepted, the others refused.

The service runs on a real socket in a background thread (schemathesis speaks HTTP through
`requests`), on the real app factory and an embedded database of its own.
"""

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import schemathesis
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from rewards_contract.fields import to_mongo_precision
from rewards_contract.languages import canonical_language_tag
from rewards_contract.rewards import REWARD_VALUE_MODELS
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from service.http.app import init_app
from service.http.routes import ROUTES
from service.http.wiring import Route
from tests.support.environment import ADMIN, FakeClock, make_settings
from tests.support.factories import reward_payload

# Every case gets these; then a valid case must be accepted, an invalid one refused.
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


class LiveServer:
    """The app on 127.0.0.1 with a free port, served by its own event loop in a daemon thread."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="live-api", daemon=True)
        self._runner = web.AppRunner(init_app(make_settings(), clock=FakeClock()))
        self.base_url = ""

    def _run(self, coroutine):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=30)

    async def _start(self) -> str:
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()
        self.base_url = self._run(self._start())

    def stop(self) -> None:
        self._run(self._runner.cleanup())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


@pytest.fixture(scope="module")
def live_server() -> Iterator[LiveServer]:
    server = LiveServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def api_schema(live_server: LiveServer):  # type: ignore[no-untyped-def]
    """The served document, with a reward in the catalogue so slug routes reach their handlers."""
    import requests

    requests.post(f"{live_server.base_url}/v1/rewards", json=reward_payload(slug="a"), headers=ADMIN, timeout=10)
    return schemathesis.openapi.from_url(f"{live_server.base_url}/openapi.json")


def _meet_the_rules_beyond_the_document(route: Route, case) -> None:  # type: ignore[no-untyped-def]
    """Make a valid case also meet the rules JSON Schema cannot state: they compare two values.

    Each operation's description or field description states its rule; the API refuses a request
    breaking it with a 422.
    """
    if case.query and "lang" in case.query:
        case.query["lang"] = _registered(case.query["lang"], "es")
    if isinstance(case.body, dict) and isinstance(case.body.get("translations"), dict):
        _registered_languages(case.body)
    if (route.method, route.path) in {("POST", "/v1/rewards"), ("PUT", "/v1/rewards/{slug}")}:
        _season_in_order(case.body)
    if (route.method, route.path) == ("PUT", "/v1/rewards/{slug}"):
        # The body's slug must be the path's (slugs never change).
        case.body["slug"] = case.path_parameters["slug"]
    elif (route.method, route.path) == ("PATCH", "/v1/rewards/{slug}"):
        # The season's bounds are merged onto the stored ones, which the document cannot know: send
        # both or neither, in order.
        if "available_from" in case.body or "available_until" in case.body:
            case.body.setdefault("available_from", None)
            case.body.setdefault("available_until", None)
            _season_in_order(case.body)
        # A payload must fit the reward's type after the patch, the stored one unless `reward_type` is
        # sent, and the document cannot know what is stored: send the payload with its own type (each
        # type's payload has its own field names), or neither.
        value = case.body.get("reward_value")
        if value is None:
            case.body.pop("reward_type", None)
        else:
            type_by_fields = {frozenset(shape.model_fields): str(t) for t, shape in REWARD_VALUE_MODELS.items()}
            case.body["reward_type"] = type_by_fields[frozenset(value)]


# Registered tags for the generator's well-formed ones that the IANA registry does not know.
_KNOWN_TAGS = ("es", "en", "pt-BR", "fr", "de", "it", "es-MX", "en-GB")


def _registered(tag: str, replacement: str) -> str:
    """The tag when the registry knows it, else `replacement` (the document can say only "well-formed")."""
    try:
        canonical_language_tag(tag)
    except ValueError:
        return replacement
    return tag


def _registered_languages(body: dict) -> None:  # type: ignore[type-arg]
    """Translation keys must be registered tags, each naming its own language."""
    texts = list(body["translations"].values())
    body["translations"] = dict(zip(_KNOWN_TAGS, texts, strict=False))


def _season_in_order(body: dict) -> None:  # type: ignore[type-arg]
    """The season's bounds must be dates in UTC (years 1-9999), `available_from` the earlier (at milliseconds).

    A bound breaking the first rule is dropped, and `available_until` when the two break the second.
    """
    bounds = {}
    for name in ("available_from", "available_until"):
        if body.get(name) is not None:
            try:
                bounds[name] = to_mongo_precision(datetime.fromisoformat(body[name]).astimezone(UTC))
            except OverflowError:
                body[name] = None
    if len(bounds) == 2 and bounds["available_from"] >= bounds["available_until"]:
        body["available_until"] = None


def _has_inputs(route: Route) -> bool:
    return any(model is not None for model in (route.path_params, route.query, route.headers, route.body))


# One test per route and mode, so a failure names its endpoint. Negative cases (inputs that break
# the document) exist only for routes that take inputs. schemathesis' own pytest plugin
# (`from_fixture`) does not run on pytest 9 yet, hence the explicit hypothesis test.
CASES = [
    pytest.param(route, mode, id=f"{route.method} {route.path} {mode}")
    for route in ROUTES
    for mode in GenerationMode
    if mode is GenerationMode.POSITIVE or _has_inputs(route)
]


@pytest.mark.parametrize(("route", "mode"), CASES)
def test_generated_requests_get_no_server_error_and_answers_match_the_document(route, mode, api_schema, live_server):
    operation = api_schema[route.path][route.method]
    checks = CHECKS + [positive_data_acceptance if mode is GenerationMode.POSITIVE else negative_data_rejection]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    def call_and_validate(case):  # type: ignore[no-untyped-def]
        if mode is GenerationMode.POSITIVE:
            _meet_the_rules_beyond_the_document(route, case)
        # A negative header component may be "the Authorization header is missing": sending the
        # admin token anyway would turn that case into a valid request and a false failure.
        dropped_auth = case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER)
        case.call_and_validate(base_url=live_server.base_url, headers=None if dropped_auth else ADMIN, checks=checks)

    call_and_validate()
