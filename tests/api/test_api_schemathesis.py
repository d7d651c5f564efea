"""Schemathesis against /openapi.json: generated requests never get a 5xx or an answer off the document,
and the document is precise: requests it calls valid are accepted, the others refused.

The service runs on a real socket in a background thread (schemathesis speaks HTTP through
`requests`), on the real app factory and an embedded database of its own. Every route runs with
the admin token, and every route the bot may call with the bot's token too.
"""

import asyncio
import itertools
import json
import threading
from collections.abc import Hashable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import schemathesis
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from pydantic import ValidationError
from rewards_contract.counters import RESERVED_NAMES
from rewards_contract.enums import RewardConditionType
from rewards_contract.facts import ADDITIVE_FACTS, NUMERIC_FACTS
from rewards_contract.fields import to_mongo_precision
from rewards_contract.languages import canonical_language_tag
from rewards_contract.rewards import REWARD_VALUE_MODELS, RewardCondition
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from service.engine.intake import condition_identity
from service.engine.paging import cursor_after
from service.http.app import init_app
from service.http.routes import ROUTES
from service.http.wiring import Role, Route
from tests.support.environment import ADMIN, BOT, FakeClock, make_settings
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

    def _run(self, coroutine):
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


# What the set-up stores before any case runs; the generator never draws these names itself.
COUNT_COUNTER = "messages_sent"  # counter events send it an `amount`
VALUE_COUNTER = "reputation"  # counter events set its `value`
# The one reward `reward_claimed` conditions name. No case changes it: every chain of prerequisites
# ends there (no cycle can form), and its conditions keep both counters in use (never deleted).
PREREQUISITE = "first-steps"
# The reward the slug routes' cases name (half of them; the others keep their drawn slug, mostly a
# 404). Users 1 and 2 claimed it, so two slots of its edition are taken.
CLAIMED = "claimed"
SLOTS_TAKEN = {CLAIMED: 2}
# A reward only a closing or a goal gives (its one condition is `awarded`): what goals' cases name.
AWARDED_PRIZE = "prize"


@pytest.fixture(scope="module")
def api_schema(live_server: LiveServer):
    """The served document, and what the rules beyond it need stored: rewards, claims, counters."""
    import requests

    def call(method: str, path: str, body: dict[str, Any] | None = None, status: int = 200) -> None:
        response = requests.request(method, live_server.base_url + path, json=body, headers=ADMIN, timeout=10)
        assert response.status_code == status, response.text

    for name, kind in ((COUNT_COUNTER, "count"), (VALUE_COUNTER, "value")):
        call("POST", "/v1/counters", {"name": name, "kind": kind, "display_name": name}, status=201)
    reads_both = [
        {"condition_type": "counter_at_least", "counter": name, "value": 5} for name in (COUNT_COUNTER, VALUE_COUNTER)
    ]
    call("POST", "/v1/rewards", reward_payload(slug=PREREQUISITE, conditions=reads_both), status=201)
    call("POST", "/v1/rewards", reward_payload(slug=CLAIMED), status=201)
    call(
        "POST",
        "/v1/rewards",
        reward_payload(slug=AWARDED_PRIZE, conditions=[{"condition_type": "awarded"}]),
        status=201,
    )
    for user_id in range(1, SLOTS_TAKEN[CLAIMED] + 1):
        call("POST", f"/v1/users/{user_id}/events", {"type": "streak", "event_id": "set-up", "value": 7})
        call("POST", f"/v1/users/{user_id}/rewards/{CLAIMED}/claim")
    return schemathesis.openapi.from_url(f"{live_server.base_url}/openapi.json")


_REWARD_WRITES = {("POST", "/v1/rewards"), ("PUT", "/v1/rewards/{slug}"), ("PATCH", "/v1/rewards/{slug}")}


_PAGED = {("GET", "/v1/users/{user_id}/rewards"), ("GET", "/v1/rewards")}


def _meet_the_rules_beyond_the_document(route: Route, case) -> None:
    """Make a valid case also meet the rules JSON Schema cannot state.

    Some compare two values of the request; the API refuses a request breaking one with a 422, and
    each operation's description or field description states it. Others depend on what is stored
    (a counter declared, a reward to claim first, a tier free): those a case meets by naming what
    the set-up stored.
    """
    if case.path_parameters:
        _half_name_what_is_stored(case.path_parameters)
    if case.query and "lang" in case.query:
        case.query["lang"] = _registered(case.query["lang"], "es")
    if case.headers and "idempotency-key" in case.headers:
        # A key names one claim: sent for another user or reward it is refused (a 422), and the
        # generator draws the same short keys again and again.
        case.headers["idempotency-key"] = f"{case.headers['idempotency-key'][:200]}-{next(_FRESH)}"
    if isinstance(case.body, dict):
        if isinstance(case.body.get("translations"), dict):
            _registered_languages(case.body)
        _names_not_blank(case.body)
    endpoint = (route.method, route.path)
    if endpoint == ("GET", "/v1/feed") and case.query and "after" in case.query:
        case.query["after"] = "0"  # a cursor is one the feed gave: one beyond its newest entry is a 400
    if endpoint in _PAGED and case.query and "cursor" in case.query:
        case.query["cursor"] = cursor_after((0, "a"))  # a cursor is one a page gave: any other text is a 422
    if endpoint == ("POST", "/v1/users/{user_id}/events"):
        # An event id names one event: sent again with another payload it is refused (a 422), and the
        # generator draws the same short ids again and again.
        case.body["event_id"] = f"{case.body['event_id'][:100]}-{next(_FRESH)}"
    if endpoint == ("POST", "/v1/users/{user_id}/events") and case.body["type"] == "counter":
        _declared_counter_of_its_kind(case.body)
    elif endpoint == ("POST", "/v1/counters") and case.body["name"] in RESERVED_NAMES:
        # A built-in fact's or a condition type's name is refused (the operation's description says so).
        case.body["name"] = f"{case.body['name']}-own"
    if endpoint in _REWARD_WRITES:
        slug = case.path_parameters.get("slug") if case.path_parameters else case.body["slug"]
        if isinstance(case.body.get("conditions"), list):
            _conditions_name_what_is_stored(case.body["conditions"], slug)
        _slots_not_below_those_taken(case.body, slug)
    if endpoint in {("POST", "/v1/rewards"), ("PUT", "/v1/rewards/{slug}")}:
        _season_in_order(case.body)
        _series_and_tier_together(case.body)
        _hints_on_a_secret_reward(case.body)
    if endpoint == ("POST", "/v1/leaderboards"):
        _a_board_that_can_work(case.body)
    elif endpoint == ("POST", "/v1/goals"):
        # What it counts is added to by events, its reward is one only a goal gives, its window is in order.
        case.body |= {"counts": "total_points", "reward": AWARDED_PRIZE}
        case.body |= {"starts_at": "2026-06-21T00:00:00Z", "ends_at": "2026-09-23T00:00:00Z"}
    elif endpoint == ("PATCH", "/v1/leaderboards/{slug}") and case.body.get("prizes"):
        case.body["prizes"] = []  # a prize names a reward whose only condition is awarded: none is stored
    if endpoint == ("PUT", "/v1/rewards/{slug}"):
        # The body's slug must be the path's (slugs never change).
        case.body["slug"] = case.path_parameters["slug"]
    elif endpoint == ("PATCH", "/v1/rewards/{slug}"):
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
        # The same for the fields a model rule ties together: the stored ones would be merged.
        if "series" in case.body or "tier" in case.body:
            case.body.setdefault("series", None)
            case.body.setdefault("tier", None)
            _series_and_tier_together(case.body)
        if {"is_secret", "hint", "translations"} & case.body.keys():
            case.body.setdefault("is_secret", False)
            case.body.setdefault("hint", None)
            case.body.setdefault("translations", {})
            _hints_on_a_secret_reward(case.body)


def _half_name_what_is_stored(path: dict[str, Any]) -> None:
    """A reward's or a counter's path names the stored one in half the cases (chosen by the drawn name's
    length, so runs repeat), for the rules of the stored state to apply; the others stay unknown."""
    if len(path.get("slug", "")) % 2:
        path["slug"] = CLAIMED
    if len(path.get("name", "")) % 2:
        path["name"] = COUNT_COUNTER if len(path["name"]) % 4 == 1 else VALUE_COUNTER


def _declared_counter_of_its_kind(event: dict[str, Any]) -> None:
    """A counter event sends exactly one of `amount` and `value`, to a declared counter of the kind taking it."""
    if event.get("amount") is not None:
        event.pop("value", None)
        event["counter"] = COUNT_COUNTER
    elif event.get("value") is not None:
        event["counter"] = VALUE_COUNTER
    else:
        event["amount"], event["counter"] = 1, COUNT_COUNTER


def _conditions_name_what_is_stored(conditions: list[dict[str, Any]], slug: str) -> None:
    """Counter conditions read a declared counter or a built-in number (a window: one that events add to);
    `reward_claimed` names the prerequisite the set-up stored, which itself may need nothing (no cycle)."""
    for condition in conditions:
        match condition["condition_type"]:
            case RewardConditionType.COUNTER_AT_LEAST if condition["counter"] not in NUMERIC_FACTS:
                # Both kinds of declared counter, as the generated values fall.
                condition["counter"] = COUNT_COUNTER if condition["value"] % 2 else VALUE_COUNTER
            case RewardConditionType.COUNTER_IN_WINDOW if condition["counter"] not in ADDITIVE_FACTS:
                condition["counter"] = COUNT_COUNTER  # a window counts what events add: a count counter
            case RewardConditionType.REWARD_CLAIMED:
                condition["reward"] = PREREQUISITE
    if slug == PREREQUISITE:
        conditions[:] = [c for c in conditions if c["condition_type"] != RewardConditionType.REWARD_CLAIMED]
    _conditions_distinct(conditions)


def _conditions_distinct(conditions: list[dict[str, Any]]) -> None:
    """Two conditions alike but for their display order are refused where a definition comes in: keep the first."""
    seen = set()
    kept = []
    for condition in conditions:
        identity: Hashable
        try:
            identity = condition_identity(RewardCondition.model_validate(condition))
        except ValidationError:
            identity = json.dumps(condition, sort_keys=True)  # refused on its own anyway
        if identity not in seen:
            seen.add(identity)
            kept.append(condition)
    conditions[:] = kept


# Numbers no earlier case took: tiers (one reward per tier of a series), idempotency keys' suffixes.
_FREE_TIERS = itertools.count(1)
_FRESH = itertools.count(1)


def _series_and_tier_together(body: dict[str, Any]) -> None:
    """`series` and `tier` are set together or neither; a tier taken by another reward of the series is a 409,
    so each case takes a free one and reaches the write."""
    if body.get("series") is None and body.get("tier") is None:
        return
    body["series"] = body.get("series") or "series"
    body["tier"] = next(_FREE_TIERS) % 1000 + 1


def _hints_on_a_secret_reward(body: dict[str, Any]) -> None:
    """A hint (its own, or a translation's) is shown for a locked secret reward only: such a reward is secret."""
    translations = body.get("translations") or {}
    if body.get("hint") is not None or any(texts.get("hint") is not None for texts in translations.values()):
        body["is_secret"] = True


def _slots_not_below_those_taken(body: dict[str, Any], slug: str) -> None:
    """A limited edition's `max_claims` cannot go below the slots its grants already hold (a 409)."""
    if body.get("max_claims") is not None:
        body["max_claims"] = max(body["max_claims"], SLOTS_TAKEN.get(slug, 0))


# Registered tags for the generator's well-formed ones that the IANA registry does not know.
_KNOWN_TAGS = ("es", "en", "pt-BR", "fr", "de", "it", "es-MX", "en-GB")


def _registered(tag: str, replacement: str) -> str:
    """The tag when the registry knows it, else `replacement` (the document can say only "well-formed")."""
    try:
        canonical_language_tag(tag)
    except ValueError:
        return replacement
    return tag


def _registered_languages(body: dict) -> None:
    """Translation keys must be registered tags, each naming its own language."""
    texts = list(body["translations"].values())
    body["translations"] = dict(zip(_KNOWN_TAGS, texts, strict=False))


def _names_not_blank(body: dict[str, Any]) -> None:
    """A name (a reward's, a counter's display name, in any language) holds more than spaces.

    JSON Schema could say so only with a pattern, and its regex engines and Python's disagree on
    what a space is.
    """
    translations = body.get("translations")
    for texts in [body, *(translations.values() if isinstance(translations, dict) else ())]:
        for field in ("name", "display_name"):
            if isinstance(texts.get(field), str) and not texts[field].strip():
                texts[field] = "Name"


def _season_in_order(body: dict) -> None:
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


def _a_board_that_can_work(body: dict) -> None:
    """What a board ranks is added to by events (here total_points); a prize names a reward only a closing
    gives (none is stored here); a season has its two bounds in order, and only a season has bounds."""
    body["ranks"] = "total_points"
    body["prizes"] = []
    if body["period"] != "season":
        body.pop("starts_at", None)
        body.pop("ends_at", None)
        return
    body["starts_at"], body["ends_at"] = "2026-06-21T00:00:00Z", "2026-09-23T00:00:00Z"


def _has_inputs(route: Route) -> bool:
    return any(model is not None for model in (route.path_params, route.query, route.headers, route.body))


def _tokens(route: Route) -> dict[str, dict[str, str]]:
    """The callers a route is tried with: both tokens where both may call it (the answers differ: the bot
    sees no secret or inactive reward, and admin-only options are its 403). That the bot's token gets
    a 403 on an admin route is test_api_auth's."""
    if route.role is None:
        return {"public": {}}
    return {"admin": ADMIN} if route.role is Role.ADMIN else {"admin": ADMIN, "bot": BOT}


# One test per route, mode and token, so a failure names its endpoint. Negative cases (inputs that
# break the document) exist only for routes that take inputs. schemathesis' own pytest plugin
# (`from_fixture`) does not run on pytest 9 yet, hence the explicit hypothesis test.
CASES = [
    pytest.param(route, mode, token, id=f"{route.method} {route.path} {mode} {caller}")
    for route in ROUTES
    for mode in GenerationMode
    if mode is GenerationMode.POSITIVE or _has_inputs(route)
    for caller, token in _tokens(route).items()
]


@pytest.mark.parametrize(("route", "mode", "token"), CASES)
def test_generated_requests_get_no_server_error_and_answers_match_the_document(
    route, mode, token, api_schema, live_server
):
    operation = api_schema[route.path][route.method]
    checks = [*CHECKS, positive_data_acceptance if mode is GenerationMode.POSITIVE else negative_data_rejection]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    def call_and_validate(case):
        if mode is GenerationMode.POSITIVE:
            _meet_the_rules_beyond_the_document(route, case)
        # A negative header component may be "the Authorization header is missing": sending the
        # token anyway would turn that case into a valid request and a false failure.
        dropped_auth = case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER)
        case.call_and_validate(base_url=live_server.base_url, headers=None if dropped_auth else token, checks=checks)

    call_and_validate()
