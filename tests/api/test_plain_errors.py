"""Every refusal of a bad input in plain words: the field named as the caller wrote it, what is allowed,
a machine-readable code, the right status, and nothing stored.

A catalogue of bad inputs over every route that takes a body, a query, a path parameter or a header.
"""

import inspect
import re
from dataclasses import dataclass, field
from typing import Any, get_args

import pydantic
import pytest
from pydantic import BaseModel
from pydantic_core.core_schema import ErrorType
from rewards_contract import api, counters, events, facts, feed, languages, rewards
from rewards_contract.errors import DetailType

from service.http.openapi import build_document
from service.http.routes import ROUTES
from service.plain_errors import PATTERN_MEANINGS
from tests.support.api import claimed_grant, declare_counter
from tests.support.environment import ADMIN, BOT
from tests.support.factories import reward_payload
from tests.support.feed import relay_all
from tests.support.stored import every_collection

USER = 4242
_UNSENT = object()


@dataclass(frozen=True)
class Bad:
    """One bad request and the fields its answer must name, as the caller wrote them ("" the body as a whole);
    `types`, when given, the code of each (`details[].type`), in the same order."""

    method: str
    path: str
    fields: tuple[str, ...]
    body: Any = _UNSENT
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    admin: bool = False
    raw: bytes | None = None
    status: int = 422
    code: str = "validation_error"
    types: tuple[DetailType, ...] = ()


FACTS = f"/v1/users/{USER}/facts"
EVENTS = f"/v1/users/{USER}/events"
CLAIM = f"/v1/users/{USER}/rewards/kept/claim"
LIST = f"/v1/users/{USER}/rewards"
GRANTS = f"/v1/users/{USER}/grants"
REVOKE = "/v1/grants/{grant}/revoke"


def event(type_: str, **fields: Any) -> dict[str, Any]:
    return {"event_id": "bad-1", "type": type_, **fields}


def reward(**overrides: Any) -> dict[str, Any]:
    return reward_payload(slug="fresh", **overrides)


def conditions(*items: dict[str, Any]) -> dict[str, Any]:
    return reward(conditions=[{"condition_type": "first_reaction"}, *items])


CATALOGUE: dict[str, Bad] = {
    # --- PUT /facts ---
    "facts: below the minimum": Bad("PUT", FACTS, ("level",), {"level": -1}, types=(DetailType.TOO_SMALL,)),
    "facts: text for a number": Bad("PUT", FACTS, ("level",), {"level": "3"}, types=(DetailType.WRONG_TYPE,)),
    "facts: a fraction": Bad("PUT", FACTS, ("total_points",), {"total_points": 1.5}),
    "facts: text for a flag": Bad("PUT", FACTS, ("is_vip",), {"is_vip": "yes"}),
    "facts: nulls": Bad(
        "PUT",
        FACTS,
        ("level", "is_vip"),
        {"level": None, "is_vip": None},
        types=(DetailType.NOT_ALLOWED, DetailType.NOT_ALLOWED),
    ),
    "facts: unknown fact": Bad("PUT", FACTS, ("levl",), {"levl": 3}, types=(DetailType.UNKNOWN_FIELD,)),
    "facts: nothing sent": Bad("PUT", FACTS, ("",), {}, types=(DetailType.MISSING,)),
    "facts: not an object": Bad("PUT", FACTS, ("",), [1, 2], types=(DetailType.NOT_AN_OBJECT,)),
    "facts: not JSON": Bad("PUT", FACTS, (), raw=b"level=3", status=400, code="invalid_json"),
    "facts: bad user id": Bad("PUT", "/v1/users/0/facts", ("user_id",), {"level": 2}),
    "facts: user id in words": Bad(
        "PUT", "/v1/users/abc/facts", ("user_id",), {"level": 2}, types=(DetailType.BAD_FORMAT,)
    ),
    "facts: bad lang": Bad("PUT", FACTS, ("lang",), {"level": 2}, query={"lang": "!!"}),
    # --- POST /events, every type ---
    "event: no body": Bad("POST", EVENTS, ("",)),
    "event: unknown type": Bad("POST", EVENTS, ("type",), event("teleport"), types=(DetailType.UNKNOWN_VALUE,)),
    "event: no type": Bad("POST", EVENTS, ("type",), {"event_id": "bad-1"}, types=(DetailType.MISSING,)),
    "event: no event id": Bad("POST", EVENTS, ("event_id",), {"type": "daily_gift"}),
    "event: event id with a space": Bad("POST", EVENTS, ("event_id",), event("reaction", event_id="a b")),
    "event: extra field": Bad("POST", EVENTS, ("extra",), event("reaction", extra=1)),
    "event: purchase without amount": Bad("POST", EVENTS, ("amount",), event("purchase")),
    "event: purchase of 0": Bad("POST", EVENTS, ("amount",), event("purchase", amount=0)),
    "event: points as text": Bad("POST", EVENTS, ("amount",), event("points", amount="10")),
    "event: negative streak": Bad("POST", EVENTS, ("value",), event("streak", value=-1)),
    "event: level 0": Bad("POST", EVENTS, ("value",), event("level", value=0)),
    "event: vip as text": Bad("POST", EVENTS, ("is_vip",), event("vip", is_vip="yes")),
    "event: counter without numbers": Bad("POST", EVENTS, ("amount",), event("counter", counter="stars")),
    "event: counter with both numbers": Bad(
        "POST",
        EVENTS,
        ("value",),
        event("counter", counter="stars", amount=1, value=1),
        types=(DetailType.NOT_ALLOWED,),
    ),
    "event: counter value below 0": Bad("POST", EVENTS, ("value",), event("counter", counter="rank", value=-1)),
    "event: counter name not a slug": Bad("POST", EVENTS, ("counter",), event("counter", counter="No!", amount=1)),
    "event: undeclared counter": Bad(
        "POST",
        EVENTS,
        ("counter",),
        event("counter", counter="nope", amount=1),
        code="unknown_counter",
        types=(DetailType.UNKNOWN_COUNTER,),
    ),
    "event: amount to a value counter": Bad(
        "POST",
        EVENTS,
        ("amount",),
        event("counter", counter="rank", amount=1),
        code="wrong_counter_kind",
        types=(DetailType.WRONG_COUNTER_KIND,),
    ),
    # --- claims (path, query, headers) ---
    "claim: slug not a slug": Bad("POST", f"/v1/users/{USER}/rewards/Not%20A%20Slug/claim", ("slug",)),
    "claim: Idempotency-Key too long": Bad("POST", CLAIM, ("Idempotency-Key",), headers={"Idempotency-Key": "k" * 256}),
    "claim: bad lang": Bad("POST", CLAIM, ("lang",), query={"lang": "x"}),
    # --- acks and revokes ---
    "ack: grant id too long": Bad("POST", f"/v1/grants/{'g' * 201}/ack", ("grant_id",)),
    "ack: bad lang": Bad("POST", "/v1/grants/{grant}/ack", ("lang",), query={"lang": "1234"}),
    "revoke: no body": Bad("POST", REVOKE, ("",), admin=True),
    "revoke: no reason": Bad("POST", REVOKE, ("reason",), {}, admin=True),
    "revoke: empty reason": Bad("POST", REVOKE, ("reason",), {"reason": ""}, admin=True, types=(DetailType.TOO_SHORT,)),
    "revoke: reason too long": Bad(
        "POST", REVOKE, ("reason",), {"reason": "r" * 501}, admin=True, types=(DetailType.TOO_LONG,)
    ),
    "revoke: extra field": Bad("POST", REVOKE, ("refund",), {"reason": "abuse", "refund": True}, admin=True),
    # --- the feed's query ---
    "feed: unknown type": Bad(
        "GET", "/v1/feed", ("types",), query={"types": "bogus"}, types=(DetailType.UNKNOWN_VALUE,)
    ),
    "feed: one unknown type among known ones": Bad(
        "GET", "/v1/feed", ("types",), query={"types": "grant_created,grant_lost"}
    ),
    "feed: cursor in words": Bad("GET", "/v1/feed", ("after",), query={"after": "start"}),
    "feed: limit 0": Bad("GET", "/v1/feed", ("limit",), query={"limit": "0"}),
    "feed: limit in words": Bad("GET", "/v1/feed", ("limit",), query={"limit": "ten"}),
    "feed: unknown parameter": Bad("GET", "/v1/feed", ("since",), query={"since": "1"}),
    # --- list queries ---
    "user rewards: unknown tiers": Bad("GET", LIST, ("tiers",), query={"tiers": "flat"}),
    "user rewards: flag in words": Bad("GET", LIST, ("include_secret",), query={"include_secret": "maybe"}),
    "catalogue: flag in words": Bad("GET", "/v1/rewards", ("all",), query={"all": "maybe"}),
    "catalogue: unknown parameter": Bad("GET", "/v1/rewards", ("everything",), query={"everything": "true"}),
    "grants: limit too high": Bad("GET", GRANTS, ("limit",), query={"limit": "501"}, types=(DetailType.TOO_LARGE,)),
    "grants: flag in words": Bad("GET", GRANTS, ("pending",), query={"pending": "maybe"}),
    "reward: slug not a slug": Bad("GET", "/v1/rewards/Not_A_Slug", ("slug",), types=(DetailType.BAD_FORMAT,)),
    # --- POST /v1/rewards: conditions, payloads, translations, dates ---
    "create: missing fields": Bad(
        "POST", "/v1/rewards", ("name", "reward_type", "reward_value"), {"slug": "x"}, admin=True
    ),
    "create: unknown field": Bad("POST", "/v1/rewards", ("colour",), reward(colour="red"), admin=True),
    "create: slug not a slug": Bad("POST", "/v1/rewards", ("slug",), reward_payload(slug="Not A Slug"), admin=True),
    "create: blank name": Bad("POST", "/v1/rewards", ("name",), reward(name="  "), admin=True),
    "create: unknown reward type": Bad(
        "POST",
        "/v1/rewards",
        ("reward_type",),
        reward(reward_type="gold"),
        admin=True,
        types=(DetailType.UNKNOWN_VALUE,),
    ),
    "create: window 0": Bad("POST", "/v1/rewards", ("claim_window_hours",), reward(claim_window_hours=0), admin=True),
    "create: window as text": Bad(
        "POST", "/v1/rewards", ("claim_window_hours",), reward(claim_window_hours="5"), admin=True
    ),
    "create: max_claims 0": Bad("POST", "/v1/rewards", ("max_claims",), reward(max_claims=0), admin=True),
    "create: condition without value": Bad(
        "POST",
        "/v1/rewards",
        ("conditions[2].value",),
        conditions({"condition_type": "level_reached", "value": 2}, {"condition_type": "total_points"}),
        admin=True,
        types=(DetailType.MISSING,),
    ),
    "create: condition of 0": Bad(
        "POST",
        "/v1/rewards",
        ("conditions[1].value",),
        conditions({"condition_type": "total_points", "value": 0}),
        admin=True,
    ),
    "create: value on a flag condition": Bad(
        "POST",
        "/v1/rewards",
        ("conditions[1].value",),
        conditions({"condition_type": "not_vip", "value": 1}),
        admin=True,
    ),
    "create: unknown condition type": Bad(
        "POST",
        "/v1/rewards",
        ("conditions[1].condition_type",),
        conditions({"condition_type": "moon_phase"}),
        admin=True,
    ),
    "create: window without days": Bad(
        "POST",
        "/v1/rewards",
        ("conditions[1].window_days",),
        conditions({"condition_type": "counter_in_window", "counter": "stars", "value": 3}),
        admin=True,
    ),
    "create: window of 0 days": Bad(
        "POST",
        "/v1/rewards",
        ("conditions[1].window_days",),
        conditions({"condition_type": "counter_in_window", "counter": "stars", "value": 3, "window_days": 0}),
        admin=True,
    ),
    "create: counter condition reads a flag": Bad(
        "POST",
        "/v1/rewards",
        ("conditions[1].counter",),
        conditions({"condition_type": "counter_at_least", "counter": "is_vip", "value": 1}),
        admin=True,
    ),
    "create: undeclared counter": Bad(
        "POST",
        "/v1/rewards",
        ("conditions[1].counter",),
        conditions({"condition_type": "counter_at_least", "counter": "nope", "value": 1}),
        admin=True,
        code="unknown_counter",
    ),
    "create: negative group": Bad(
        "POST",
        "/v1/rewards",
        ("conditions[1].group",),
        conditions({"condition_type": "not_vip", "group": -1}),
        admin=True,
    ),
    "create: conditions not a list": Bad("POST", "/v1/rewards", ("conditions",), reward(conditions="all"), admin=True),
    "create: payload amount 0": Bad(
        "POST", "/v1/rewards", ("reward_value.amount",), reward(reward_value={"amount": 0}), admin=True
    ),
    "create: payload of another type": Bad(
        "POST",
        "/v1/rewards",
        ("reward_value.amount", "reward_value.days"),
        reward(reward_value={"days": 3}),
        admin=True,
        types=(DetailType.MISSING, DetailType.UNKNOWN_FIELD),
    ),
    "create: payload not an object": Bad("POST", "/v1/rewards", ("reward_value",), reward(reward_value=5), admin=True),
    "create: translation key not a tag": Bad(
        "POST", "/v1/rewards", ("translations.e_s",), reward(translations={"e_s": {"name": "x"}}), admin=True
    ),
    "create: translation key unknown": Bad(
        "POST",
        "/v1/rewards",
        ("translations.qx",),
        reward(translations={"qx": {"name": "x"}}),
        admin=True,
        types=(DetailType.UNKNOWN_VALUE,),
    ),
    "create: translation without a name": Bad(
        "POST", "/v1/rewards", ("translations.es.name",), reward(translations={"es": {"name": ""}}), admin=True
    ),
    "create: one language twice": Bad(
        "POST",
        "/v1/rewards",
        ("translations",),
        reward(translations={"es": {"name": "a"}, "ES": {"name": "b"}}),
        admin=True,
    ),
    "create: hint of a visible reward": Bad(
        "POST",
        "/v1/rewards",
        ("translations.es.hint",),
        reward(translations={"es": {"name": "a", "hint": "h"}}),
        admin=True,
    ),
    "create: date in words": Bad(
        "POST",
        "/v1/rewards",
        ("available_from",),
        reward(available_from="tomorrow"),
        admin=True,
        types=(DetailType.BAD_FORMAT,),
    ),
    "create: date as a number": Bad(
        "POST", "/v1/rewards", ("available_until",), reward(available_until=1764547200), admin=True
    ),
    "create: date without offset": Bad(
        "POST", "/v1/rewards", ("available_from",), reward(available_from="2026-12-01T00:00:00"), admin=True
    ),
    "create: season backwards": Bad(
        "POST",
        "/v1/rewards",
        ("available_until",),
        reward(available_from="2026-12-31T00:00:00Z", available_until="2026-12-01T00:00:00Z"),
        admin=True,
    ),
    "create: tier without series": Bad("POST", "/v1/rewards", ("series",), reward(tier=1), admin=True),
    "create: hint without secret": Bad("POST", "/v1/rewards", ("hint",), reward(hint="look up"), admin=True),
    "create: not an object": Bad("POST", "/v1/rewards", ("",), "fresh", admin=True),
    # --- PUT and PATCH /v1/rewards/{slug} ---
    "replace: another slug": Bad(
        "PUT",
        "/v1/rewards/kept",
        ("slug",),
        reward_payload(slug="other"),
        admin=True,
        types=(DetailType.SLUG_MISMATCH,),
    ),
    "replace: payload of another type": Bad(
        "PUT",
        "/v1/rewards/kept",
        ("reward_value.badge_name", "reward_value.emoji", "reward_value.amount"),
        reward_payload(slug="kept", reward_type="badge"),
        admin=True,
    ),
    "patch: the slug": Bad("PATCH", "/v1/rewards/kept", ("slug",), {"slug": "renamed"}, admin=True),
    "patch: window as text": Bad(
        "PATCH", "/v1/rewards/kept", ("claim_window_hours",), {"claim_window_hours": "5"}, admin=True
    ),
    "patch: a null name": Bad("PATCH", "/v1/rewards/kept", ("name",), {"name": None}, admin=True),
    "patch: payload amount 0": Bad(
        "PATCH", "/v1/rewards/kept", ("reward_value.amount",), {"reward_value": {"amount": 0}}, admin=True
    ),
    "patch: type without its payload": Bad(
        "PATCH",
        "/v1/rewards/kept",
        ("reward_value.content_set_id", "reward_value.amount"),
        {"reward_type": "content"},
        admin=True,
    ),
    "patch: condition of 0": Bad(
        "PATCH",
        "/v1/rewards/kept",
        ("conditions[0].value",),
        {"conditions": [{"condition_type": "total_points", "value": 0}]},
        admin=True,
    ),
    "patch: tier 0": Bad("PATCH", "/v1/rewards/kept", ("tier",), {"tier": 0}, admin=True),
    "patch: date in words": Bad(
        "PATCH", "/v1/rewards/kept", ("available_from",), {"available_from": "soon"}, admin=True
    ),
    "patch: bad lang": Bad("PATCH", "/v1/rewards/kept", ("lang",), {"name": "x"}, query={"lang": "zz-!"}, admin=True),
    # --- counters ---
    "counter: a built-in name": Bad(
        "POST", "/v1/counters", ("name",), {"name": "level", "kind": "count", "display_name": "L"}, admin=True
    ),
    "counter: name not a slug": Bad(
        "POST", "/v1/counters", ("name",), {"name": "Stars!", "kind": "count", "display_name": "S"}, admin=True
    ),
    "counter: unknown kind": Bad(
        "POST", "/v1/counters", ("kind",), {"name": "hearts", "kind": "sum", "display_name": "H"}, admin=True
    ),
    "counter: blank display name": Bad(
        "POST", "/v1/counters", ("display_name",), {"name": "hearts", "kind": "count", "display_name": " "}, admin=True
    ),
    "counter: bad translation": Bad(
        "POST",
        "/v1/counters",
        ("translations.es.display_name",),
        {"name": "hearts", "kind": "count", "display_name": "H", "translations": {"es": {}}},
        admin=True,
    ),
    "counter patch: nothing sent": Bad(
        "PATCH", "/v1/counters/stars", ("",), {}, admin=True, types=(DetailType.MISSING,)
    ),
    "counter patch: null name": Bad(
        "PATCH", "/v1/counters/stars", ("display_name",), {"display_name": None}, admin=True
    ),
    "counter patch: the kind": Bad("PATCH", "/v1/counters/stars", ("kind",), {"kind": "value"}, admin=True),
    "counter: path not a slug": Bad("GET", "/v1/counters/Not%20A%20Slug", ("name",)),
}

# Pydantic's words and internals that an answer never shows.
LEAKS = re.compile(
    r"function-before|function-after|function-wrap|constrained-|union\[|tagged-union|lax-or-strict|json-or-python"
    r"|pydantic|Input should be|Value error|Field required|Extra inputs|valid dictionary|instance of"
    r"|\w\(\)|\b_[a-z]\w*"  # validator and function names
    r"|\\x|\^|\$|\[a-z|\[0-9|\{\d|\(\?|\)\*"  # regular expressions
)
CAMEL_CASE = re.compile(r"\b[A-Z][a-z0-9]+[A-Z]\w*")
OUR_MODELS = {
    name
    for module in (api, counters, events, facts, feed, languages, rewards)
    for name, value in vars(module).items()
    if inspect.isclass(value) and issubclass(value, BaseModel)
}
PYDANTIC_NAMES = {name for name in dir(pydantic) if name[:1].isupper()}
OUR_CODES = {code.value for code in DetailType}


@pytest.fixture
async def grant_id(client, clock) -> str:
    """A catalogue with counters, a reward and a claimed grant for the bad requests to aim at.

    Its feed entries are relayed before the test looks: the background relay's first step, at
    start-up, may still be under way on a slow server, and would otherwise enter them mid-test.
    """
    await declare_counter(client, "stars")
    await declare_counter(client, "rank", kind="value")
    granted = (await claimed_grant(client, USER, "kept"))["grant_id"]
    await relay_all(clock)
    return granted


def _words_of(error: dict[str, Any]) -> list[str]:
    return [error["message"], *(item["message"] for item in error["details"] or [])]


@pytest.mark.parametrize("bad", CATALOGUE.values(), ids=CATALOGUE.keys())
async def test_a_bad_input_is_refused_in_plain_words_naming_each_field_once(client, grant_id, bad):
    before = await every_collection()
    headers = {**(ADMIN if bad.admin else BOT), **bad.headers}
    sent: dict[str, Any] = (
        {"data": bad.raw, "headers": {**headers, "Content-Type": "application/json"}}
        if bad.raw is not None
        else {"headers": headers}
        if bad.body is _UNSENT
        else {"json": bad.body, "headers": headers}
    )
    response = await client.request(bad.method, bad.path.format(grant=grant_id), params=bad.query, **sent)

    assert response.status == bad.status, await response.text()
    envelope = await response.json()
    assert set(envelope) == {"error"}
    assert set(envelope["error"]) == {"code", "message", "details"}
    error = envelope["error"]
    assert error["code"] == bad.code
    for words in _words_of(error):
        assert not LEAKS.search(words), words
        assert not CAMEL_CASE.search(words), words
        assert not {*re.findall(r"\w+", words)} & (OUR_MODELS | PYDANTIC_NAMES), words
    if bad.status == 422:
        named = [item["field"] for item in error["details"]]
        assert sorted(named) == sorted(bad.fields)  # each field once, as the caller wrote it
        assert all(set(item) == {"field", "message", "type"} for item in error["details"])
        assert {item["type"] for item in error["details"]} <= OUR_CODES  # never pydantic's (int_parsing, ...)
        if bad.types:
            assert {item["field"]: item["type"] for item in error["details"]} == dict(
                zip(bad.fields, bad.types, strict=True)
            )
        assert all(f"{name}:" in error["message"] for name in named if name)
    assert await every_collection() == before


def test_every_pattern_the_api_checks_has_words():
    """A pattern never reaches a caller as a regex: each one the OpenAPI document declares is said in words."""
    patterns: set[str] = set()

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                patterns.add(node["pattern"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(build_document(ROUTES))
    assert patterns
    assert patterns <= set(PATTERN_MEANINGS)


def test_our_codes_are_no_pydantic_error_type_but_where_they_mean_the_same():
    """So a code that is one of ours is never one of pydantic's names leaking through."""
    assert OUR_CODES & set(get_args(ErrorType)) == {"missing", "too_short", "too_long"}
