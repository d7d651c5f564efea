"""GET /openapi.json: an OpenAPI 3.1 document generated from the route table and its models."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web
from rewards_contract.api import RewardPatch
from rewards_contract.enums import RewardConditionType, RewardType
from rewards_contract.paging import MAX_REWARDS_PAGE
from rewards_contract.rewards import FLAG_CONDITIONS, REWARD_VALUE_MODELS

from service.http.openapi import build_document
from service.http.routes import ROUTES
from service.http.wiring import Role, setup_routes
from service.settings import Settings
from tests.support.api import claimed_grant
from tests.support.environment import ADMIN, BOT


@pytest.fixture
async def document(client) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status == 200
    assert response.content_type == "application/json"
    return await response.json()


def _operation(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    return document["paths"][path][method.lower()]


def _codes(operation: dict[str, Any], status: int) -> list[str]:
    schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    return schema["allOf"][1]["properties"]["error"]["properties"]["code"]["enum"]


async def test_document_is_openapi_3_1_and_served_without_a_token(document):
    assert document["openapi"] == "3.1.0"
    assert document["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}


async def test_document_lists_every_route_of_the_table(document):
    listed = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert listed == {(route.method, route.path) for route in ROUTES}


async def test_token_routes_require_the_bearer_scheme_and_public_ones_do_not(document):
    for route in ROUTES:
        security = _operation(document, route.method, route.path)["security"]
        assert security == ([] if route.role is None else [{"bearer": []}]), route.path


async def test_path_query_and_header_parameters_come_from_the_models(document):
    claim = _operation(document, "POST", "/v1/users/{user_id}/rewards/{slug}/claim")
    parameters = {(p["in"], p["name"]): p for p in claim["parameters"]}
    assert set(parameters) == {
        ("path", "user_id"),
        ("path", "slug"),
        ("header", "idempotency-key"),
        ("query", "lang"),
        ("header", "accept-language"),
    }
    assert parameters[("path", "user_id")]["schema"]["minimum"] == 1
    assert parameters[("path", "user_id")]["schema"]["maximum"] == 2**63 - 1
    assert parameters[("header", "idempotency-key")]["required"] is False
    grants = _operation(document, "GET", "/v1/users/{user_id}/grants")
    grant_parameters = {(p["in"], p["name"]) for p in grants["parameters"]}
    assert grant_parameters == {
        ("path", "user_id"),
        ("query", "pending"),
        ("query", "limit"),
        ("query", "lang"),
        ("header", "accept-language"),
    }


async def test_the_rewards_list_takes_collapsed_tiers_filters_and_a_page(document):
    listing = _operation(document, "GET", "/v1/users/{user_id}/rewards")
    parameters = {(p["in"], p["name"]): p for p in listing["parameters"]}
    assert set(parameters) == {
        ("path", "user_id"),
        ("query", "include_secret"),
        ("query", "tiers"),
        ("query", "status"),
        ("query", "type"),
        ("query", "series"),
        ("query", "limit"),
        ("query", "cursor"),
        ("query", "lang"),
        ("header", "accept-language"),
    }
    assert parameters[("query", "limit")]["schema"]["anyOf"][0]["maximum"] == MAX_REWARDS_PAGE
    tiers = parameters[("query", "tiers")]
    assert tiers["required"] is False
    assert {"const": "collapsed", "type": "string"} in tiers["schema"]["anyOf"]


async def test_every_answer_naming_rewards_takes_lang_and_accept_language(document):
    """Reads and writes that answer reward texts negotiate their language; so does the claim, whose answer
    lists the rewards it unlocked."""
    for route in ROUTES:
        answer = route.response.__name__ if route.response else ""
        names_rewards = answer in {
            "ActivityResponse",
            "UserRewardsResponse",
            "UserRewardView",
            "GrantList",
            "GrantView",
            "RewardList",
            "RewardView",
            "ClaimResponse",
        }
        parameters = {
            (p["in"], p["name"]) for p in _operation(document, route.method, route.path).get("parameters", [])
        }
        negotiates = {("query", "lang"), ("header", "accept-language")} <= parameters
        assert negotiates == names_rewards, f"{route.method} {route.path}"


async def test_event_body_is_the_discriminated_union_of_event_types(document):
    body = _operation(document, "POST", "/v1/users/{user_id}/events")["requestBody"]
    assert body["required"] is True
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/EventRequest"}
    event = document["components"]["schemas"]["EventRequest"]
    assert event["discriminator"]["propertyName"] == "type"
    assert set(event["discriminator"]["mapping"]) == {
        "daily_gift",
        "reaction",
        "purchase",
        "points",
        "streak",
        "level",
        "vip",
        "counter",
    }


async def test_a_counter_event_names_its_counter_and_an_amount_or_a_value(document):
    counter = _variants(document, "EventRequest", "type")["counter"]
    assert counter["properties"]["type"]["const"] == "counter"
    assert set(counter["properties"]) == {"event_id", "type", "counter", "amount", "value"}
    assert set(counter["required"]) == {"event_id", "type", "counter"}  # amount or value: the model checks one is sent
    assert counter["properties"]["counter"]["pattern"] == "^[a-z0-9][a-z0-9_-]*$"
    assert counter["additionalProperties"] is False


def _variants(document: dict[str, Any], name: str, field: str) -> dict[str, dict[str, Any]]:
    """The schemas a discriminated union maps each value of `field` to (asserting it is one)."""
    schemas = document["components"]["schemas"]
    union = schemas[name]
    assert union["discriminator"]["propertyName"] == field
    assert {variant["$ref"] for variant in union["oneOf"]} == set(union["discriminator"]["mapping"].values())
    return {value: schemas[ref.rsplit("/", 1)[1]] for value, ref in union["discriminator"]["mapping"].items()}


async def test_reward_bodies_are_one_variant_per_reward_type(document):
    for method, path in (("POST", "/v1/rewards"), ("PUT", "/v1/rewards/{slug}")):
        body = _operation(document, method, path)["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/RewardDefinition"}
    variants = _variants(document, "RewardDefinition", "reward_type")
    assert set(variants) == {str(reward_type) for reward_type in RewardType}
    for reward_type, variant in variants.items():
        assert variant["properties"]["reward_type"]["const"] == reward_type
        value_model = REWARD_VALUE_MODELS[RewardType(reward_type)].__name__
        assert variant["properties"]["reward_value"]["$ref"] == f"#/components/schemas/{value_model}"
        assert variant["additionalProperties"] is False


@pytest.mark.parametrize("answer", ["RewardView", "UnlockedReward", "UserRewardView", "ClaimResponse", "GrantView"])
async def test_answers_carrying_a_payload_describe_it_per_reward_type(document, answer):
    variants = _variants(document, answer, "reward_type")
    assert set(variants) == {str(reward_type) for reward_type in RewardType}
    besitos = variants["besitos"]["properties"]
    # The ledger's answer also holds reversals, whose besitos amount is negative.
    value_model = "BesitosChange" if answer == "GrantView" else "BesitosValue"
    assert besitos["reward_value"]["$ref"] == f"#/components/schemas/{value_model}"


# Each condition variant: the fields it has besides condition_type, group and sort_order, and which it requires.
_CONDITION_FIELDS = {
    "ThresholdCondition": ({"value"}, {"value"}),
    "FlagCondition": ({"value"}, set()),
    "CounterAtLeastCondition": ({"value", "counter"}, {"value", "counter"}),
    "CounterInWindowCondition": ({"value", "counter", "window_days"}, {"value", "counter", "window_days"}),
    "RewardClaimedCondition": ({"value", "reward"}, {"reward"}),
}


def _condition_variant_of(condition_type: RewardConditionType) -> str:
    if condition_type.is_threshold:
        return "ThresholdCondition"
    if condition_type in FLAG_CONDITIONS:
        return "FlagCondition"
    return {
        RewardConditionType.COUNTER_AT_LEAST: "CounterAtLeastCondition",
        RewardConditionType.COUNTER_IN_WINDOW: "CounterInWindowCondition",
        RewardConditionType.REWARD_CLAIMED: "RewardClaimedCondition",
    }[condition_type]


async def test_conditions_are_one_variant_per_kind_of_condition(document):
    union = document["components"]["schemas"]["RewardCondition"]
    assert [variant["$ref"].rsplit("/", 1)[1] for variant in union["oneOf"]] == list(_CONDITION_FIELDS)
    mapping = {value: ref.rsplit("/", 1)[1] for value, ref in union["discriminator"]["mapping"].items()}
    assert mapping == {str(t): _condition_variant_of(t) for t in RewardConditionType}


@pytest.mark.parametrize("variant_name", list(_CONDITION_FIELDS))
async def test_each_condition_variant_carries_only_its_own_fields(document, variant_name):
    variant = document["components"]["schemas"][variant_name]
    own, required = _CONDITION_FIELDS[variant_name]
    assert set(variant["properties"]) == {"condition_type", "group", "sort_order"} | own
    assert set(variant["required"]) == {"condition_type"} | required
    assert variant["additionalProperties"] is False
    kinds = variant["properties"]["condition_type"]
    described = set(kinds["enum"]) if "enum" in kinds else {kinds["const"]}
    assert described == {str(t) for t in RewardConditionType if _condition_variant_of(t) == variant_name}


async def test_conditions_say_which_types_take_a_value(document):
    variants = _variants(document, "RewardCondition", "condition_type")
    assert set(variants) == {str(condition_type) for condition_type in RewardConditionType}
    for condition_type, variant in variants.items():
        kind = RewardConditionType(condition_type)
        takes_value = kind.is_threshold or _condition_variant_of(kind).startswith("Counter")
        assert ("value" in variant.get("required", [])) is takes_value
        assert (variant["properties"]["value"].get("type") == "null") is not takes_value


async def test_counter_conditions_describe_their_counter_and_window(document):
    schemas = document["components"]["schemas"]
    window = schemas["CounterInWindowCondition"]["properties"]["window_days"]
    assert (window["type"], window["minimum"], window["maximum"]) == ("integer", 1, 90)
    for name in ("CounterAtLeastCondition", "CounterInWindowCondition"):
        assert schemas[name]["properties"]["counter"]["pattern"] == "^[a-z0-9][a-z0-9_-]*$"
    assert schemas["RewardClaimedCondition"]["properties"]["reward"]["pattern"] == "^[a-z0-9][a-z0-9_-]*$"


async def test_answers_describe_conditions_as_requests_do(document):
    """One description serves both: an answer's condition is checked against its variant, like a request's."""
    for answer in ("BesitosRewardDefinition", "BesitosRewardView"):
        conditions = document["components"]["schemas"][answer]["properties"]["conditions"]
        assert conditions["items"] == {"$ref": "#/components/schemas/RewardCondition"}, answer


async def test_no_component_schema_is_empty(document):
    """An empty schema accepts anything: in a oneOf it matches beside every other variant, so no value fits."""
    empty = sorted(name for name, schema in document["components"]["schemas"].items() if not schema)
    assert empty == []


def _objects(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every JSON object in a document, at any depth, with where it stands (`/paths/...`)."""
    if isinstance(node, dict):
        yield where, node
        for key, child in node.items():
            yield from _objects(child, f"{where}/{key}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _objects(child, f"{where}/{index}")


async def test_every_bound_is_a_json_schema_keyword(document):
    """pydantic's names for bounds (ge, le, gt, lt) mean nothing to JSON Schema."""
    misnamed = [
        where for where, node in _objects(document) if "type" in node and {"ge", "le", "gt", "lt"} & node.keys()
    ]
    assert misnamed == []


async def test_tiers_editions_and_hints_are_described_with_their_limits(document):
    for name in ("BesitosRewardDefinition", "RewardPatch"):
        properties = document["components"]["schemas"][name]["properties"]
        tier = next(option for option in properties["tier"]["anyOf"] if option.get("type") == "integer")
        assert (tier["minimum"], tier["maximum"]) == (1, 1000), name
        max_claims = next(option for option in properties["max_claims"]["anyOf"] if option.get("type") == "integer")
        assert (max_claims["minimum"], max_claims["maximum"]) == (1, 100_000), name
        series = next(option for option in properties["series"]["anyOf"] if option.get("type") == "string")
        assert series["pattern"] == "^[a-z0-9][a-z0-9_-]*$", name
        hint = next(option for option in properties["hint"]["anyOf"] if option.get("type") == "string")
        assert hint["maxLength"] == 300, name
    texts = document["components"]["schemas"]["RewardTexts"]["properties"]
    assert "hint" in texts


async def test_answers_carry_editions_tiers_hints_and_unlocks(document):
    schemas = document["components"]["schemas"]
    assert {"remaining", "sold_out"} <= set(schemas["BesitosRewardView"]["properties"])
    assert {"series", "tier", "remaining"} <= set(schemas["BesitosUserRewardView"]["properties"])
    hints = schemas["UserRewardsResponse"]["properties"]["hints"]
    assert hints["items"] == {"$ref": "#/components/schemas/HintView"}
    assert set(schemas["HintView"]["properties"]) == {"id", "hint", "lang", "met", "total"}
    unlocked = schemas["BesitosClaimResponse"]["properties"]["unlocked"]
    assert unlocked["items"] == {"$ref": "#/components/schemas/UnlockedReward"}
    progress = schemas["ConditionProgressView"]["properties"]
    assert {"counter", "counter_name", "window_days", "reward", "reward_name"} <= set(progress)
    assert schemas["FactsView"]["properties"]["counters"]["additionalProperties"] == {"type": "integer"}


async def test_patch_describes_null_only_where_a_reward_takes_it(document):
    properties = document["components"]["schemas"]["RewardPatch"]["properties"]
    nullable = {name for name, schema in properties.items() if {"type": "null"} in schema.get("anyOf", [])}
    # null: no description, no season bound, no series (and so no tier), no cap, no hint.
    assert nullable == {"description", "available_from", "available_until", "series", "tier", "max_claims", "hint"}
    assert "reward_type" in _operation(document, "PATCH", "/v1/rewards/{slug}")["description"]


async def test_reads_that_write_say_so_in_their_description(document):
    for path in ("/v1/users/{user_id}/grants", "/v1/users/{user_id}/badges"):
        assert "copied into the ledger" in _operation(document, "GET", path)["description"]
    assert "stored as expired" in _operation(document, "GET", "/v1/users/{user_id}/rewards")["description"]


async def test_responses_name_the_success_model_and_status(document):
    create = _operation(document, "POST", "/v1/rewards")
    assert create["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RewardView"
    }
    assert "200" not in create["responses"]


async def test_route_errors_are_listed_with_their_status_and_codes(document):
    claim = _operation(document, "POST", "/v1/users/{user_id}/rewards/{slug}/claim")
    assert _codes(claim, 404) == ["reward_not_found"]
    assert set(_codes(claim, 409)) == {
        "reward_locked",
        "already_claimed",
        "reward_sold_out",
        "claim_expired",
        "conflict",
    }
    assert set(_codes(claim, 422)) == {"idempotency_key_reused", "validation_error"}


async def test_a_counter_event_lists_the_refusals_of_an_undeclared_counter_or_the_wrong_kind(document):
    events = _operation(document, "POST", "/v1/users/{user_id}/events")
    assert set(_codes(events, 422)) == {"unknown_counter", "wrong_counter_kind", "event_id_reused", "validation_error"}


@pytest.mark.parametrize(
    ("method", "path", "conflicts", "refusals"),
    [
        # A new reward has no grants holding slots (a taken slug is refused before its cap is looked at).
        (
            "POST",
            "/v1/rewards",
            {"slug_taken", "tier_taken", "conflict"},
            {"unknown_counter", "wrong_counter_kind", "unknown_reward", "reward_cycle"},
        ),
        (
            "PUT",
            "/v1/rewards/{slug}",
            {"tier_taken", "max_claims_below_taken", "conflict"},
            {"unknown_counter", "wrong_counter_kind", "unknown_reward", "reward_cycle"},
        ),
        (
            "PATCH",
            "/v1/rewards/{slug}",
            {"tier_taken", "max_claims_below_taken", "conflict"},
            {"unknown_counter", "wrong_counter_kind", "unknown_reward", "reward_cycle"},
        ),
    ],
)
async def test_reward_writes_list_the_refusals_of_the_rest_of_the_catalogue(
    document, method, path, conflicts, refusals
):
    """A definition is checked against the catalogue: counters declared, prerequisites stored, no cycle, a free tier."""
    write = _operation(document, method, path)
    assert set(_codes(write, 409)) == conflicts
    assert set(_codes(write, 422)) == refusals | {"validation_error"}


async def test_counters_are_declared_by_admins_and_read_with_both_tokens(document):
    declare = _operation(document, "POST", "/v1/counters")
    assert declare["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CounterDefinition"
    }
    assert declare["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CounterView"
    }
    assert set(_codes(declare, 409)) == {"counter_taken", "too_many_counters", "conflict"}
    assert _codes(declare, 403) == ["forbidden", "host_not_allowed"]
    listing = _operation(document, "GET", "/v1/counters")
    assert listing["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CounterList"
    }
    one = _operation(document, "GET", "/v1/counters/{name}")
    assert [(p["in"], p["name"]) for p in one["parameters"]] == [("path", "name")]
    assert _codes(one, 404) == ["counter_not_found"]
    for read in (listing, one):
        assert _codes(read, 403) == ["host_not_allowed"]  # the edge's, as on every route
        assert read["security"] == [{"bearer": []}]


async def test_a_counter_changes_its_texts_only_and_is_deleted_when_no_reward_reads_it(document):
    patch = _operation(document, "PATCH", "/v1/counters/{name}")
    assert patch["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CounterPatch"
    }
    assert _codes(patch, 404) == ["counter_not_found"]
    delete = _operation(document, "DELETE", "/v1/counters/{name}")
    assert "content" not in delete["responses"]["204"]
    assert _codes(delete, 404) == ["counter_not_found"]
    assert set(_codes(delete, 409)) == {"counter_in_use", "conflict"}
    for change in (patch, delete):
        assert _codes(change, 403) == ["forbidden", "host_not_allowed"]


async def test_a_counter_is_described_by_its_name_kind_and_texts(document):
    schemas = document["components"]["schemas"]
    definition = schemas["CounterDefinition"]
    assert set(definition["required"]) == {"name", "kind", "display_name"}
    assert definition["properties"]["kind"]["$ref"] == "#/components/schemas/CounterKind"
    assert schemas["CounterKind"]["enum"] == ["count", "value"]
    assert definition["properties"]["translations"]["additionalProperties"] == {
        "$ref": "#/components/schemas/CounterTexts"
    }
    patch = schemas["CounterPatch"]
    assert set(patch["properties"]) == {"display_name", "description", "translations"}
    assert "required" not in patch
    assert patch["minProperties"] == 1
    assert {"used_by", "created_at", "updated_at"} <= set(schemas["CounterView"]["properties"])
    assert schemas["CounterList"]["properties"]["counters"]["items"] == {"$ref": "#/components/schemas/CounterView"}


async def test_every_route_with_a_token_may_answer_database_unavailable(document):
    for route in ROUTES:
        responses = _operation(document, route.method, route.path)["responses"]
        if route.role is None:
            assert "503" not in responses or route.other_statuses == (503,), route.path  # /health's own 503
        else:
            assert _codes(_operation(document, route.method, route.path), 503) == ["database_unavailable"], route.path


async def test_shared_errors_follow_the_kind_of_route(document):
    create = _operation(document, "POST", "/v1/rewards")
    assert {"400", "401", "403", "409", "413", "422", "500"} <= set(create["responses"])
    badges = _operation(document, "GET", "/v1/users/{user_id}/badges")
    assert {"401", "422", "500"} <= set(badges["responses"])
    assert "413" not in badges["responses"]  # no body
    # No JSON to parse, no admin-only option: only the edge's refusals, which every route shares.
    assert (_codes(badges, 400), _codes(badges, 403)) == (["bad_request"], ["host_not_allowed"])
    listing = _operation(document, "GET", "/v1/rewards")
    assert _codes(listing, 403) == ["forbidden", "host_not_allowed"]  # all=true is admin-only
    health = _operation(document, "GET", "/health")
    assert set(health["responses"]) == {"200", "503", "400", "403", "500"}


async def test_every_error_response_uses_the_error_envelope(document):
    for route in ROUTES:
        responses = _operation(document, route.method, route.path)["responses"]
        errors = set(responses) - {str(status) for status in (route.status, *route.other_statuses)}
        assert "500" in errors
        for status in errors:
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema["allOf"][0] == {"$ref": "#/components/schemas/ErrorResponse"}, (route.path, status)


async def test_component_schemas_resolve_every_reference(document):
    schemas = document["components"]["schemas"]
    text = str(document)
    referenced = {part.split("'")[0] for part in text.split("#/components/schemas/")[1:]}
    assert referenced <= set(schemas)


def test_document_follows_the_models_so_it_cannot_drift():
    """A field added to a model appears in the next generated document without editing anything else."""
    patch_schema = build_document(ROUTES)["components"]["schemas"]["RewardPatch"]
    assert set(patch_schema["properties"]) == set(RewardPatch.model_fields)


def test_admin_routes_say_they_need_the_admin_token():
    document = build_document(ROUTES)
    for route in ROUTES:
        operation = _operation(document, route.method, route.path)
        assert ("admin token" in operation.get("description", "")) is (route.role is Role.ADMIN)


# --- the introduction, descriptions and examples a reader of /docs relies on -----------------------


def _introduction(document: dict[str, Any]) -> str:
    return " ".join(document["info"]["description"].split())  # Markdown: a line break is a space


async def test_the_introduction_says_which_token_calls_which_routes(document):
    introduction = _introduction(document)
    assert "Authorization: Bearer <token>" in introduction
    assert "**The bot's token** (`REWARDS_BOT_TOKEN`)" in introduction
    assert "**The admin token** (`REWARDS_ADMIN_TOKEN`) calls every route" in introduction
    assert "`403 forbidden`" in introduction
    assert "`401 unauthorized`" in introduction


async def test_the_introduction_names_the_tokens_make_run_accepts_and_where_they_exist(document):
    """`make run` reads no token from the environment: the ones named are those the settings then fall back to."""
    introduction = _introduction(document)
    development = Settings.from_env({})

    assert development.embedded
    assert development.development_tokens_in_use == ("REWARDS_BOT_TOKEN", "REWARDS_ADMIN_TOKEN")
    assert f"`{development.bot_tokens[0]}` (the bot)" in introduction
    assert f"`{development.admin_tokens[0]}` (admin)" in introduction
    assert "They exist only on the embedded database listening on loopback" in introduction


async def test_every_property_of_every_schema_has_a_description(document):
    """At any depth of every schema: variants, items, inline models."""
    missing = [
        f"{where}.{name}"
        for where, node in _objects(document["components"]["schemas"])
        for name, schema in node.get("properties", {}).items()
        if not (isinstance(schema, dict) and schema.get("description", "").strip())
    ]
    assert missing == []


async def test_a_conditions_group_says_how_groups_combine(document):
    for variant in _variants(document, "RewardCondition", "condition_type").values():
        assert "OR inside the group, AND between groups" in variant["properties"]["group"]["description"]
    progress = document["components"]["schemas"]["ConditionProgressView"]["properties"]["group"]
    assert "(AND)" in progress["description"]
    assert "(OR)" in progress["description"]


async def test_every_parameter_has_a_description(document):
    missing = [
        f"{method.upper()} {path} {parameter['in']} {parameter['name']}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        for parameter in operation.get("parameters", [])
        if not parameter.get("description", "").strip()
    ]
    assert missing == []


def _operations_with_a_body(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    ]


async def test_every_request_body_has_examples_with_a_summary(document):
    bodies = _operations_with_a_body(document)
    assert len(bodies) == len([route for route in ROUTES if route.body is not None])
    for method, path, operation in bodies:
        examples = operation["requestBody"]["content"]["application/json"]["examples"]
        assert examples, f"{method} {path}"
        for name, example in examples.items():
            assert example["summary"], f"{method} {path} {name}"
            assert isinstance(example["value"], dict), f"{method} {path} {name}"


async def test_every_path_parameter_has_an_example(document):
    for path, item in document["paths"].items():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    assert "example" in parameter, f"{path} {parameter['name']}"


# The examples tell one story: the counter and the rewards are created first, the rest use them.
_CREATIONS = [("POST", "/v1/counters"), ("POST", "/v1/rewards"), ("POST", "/v1/leaderboards"), ("POST", "/v1/goals")]
_ROLES = {(route.method, route.path): route.role for route in ROUTES}


def _filled_in(path: str, operation: dict[str, Any], values: dict[str, str]) -> str:
    """The path with each parameter replaced by `values`' entry, else by the document's example."""
    examples = {p["name"]: str(p["example"]) for p in operation.get("parameters", []) if p["in"] == "path"}
    return re.sub(r"\{(\w+)\}", lambda match: values.get(match[1], examples[match[1]]), path)


async def test_every_request_example_is_accepted_as_written(client, document):
    """Each example, sent as the document shows it (with the path parameters' examples), answers a 2xx.

    Only a grant id cannot be written in advance (it holds the reward's database id): the revoke
    example is sent for a grant claimed here first.
    """
    user_path = next(
        p for p in _operation(document, "POST", "/v1/users/{user_id}/events")["parameters"] if p["name"] == "user_id"
    )
    grant = await claimed_grant(client, user_path["example"], "welcome-gift")
    bodies = sorted(
        _operations_with_a_body(document),
        key=lambda body: _CREATIONS.index(body[:2]) if body[:2] in _CREATIONS else len(_CREATIONS),
    )
    sent = []
    for method, path, operation in bodies:
        url = _filled_in(path, operation, {"grant_id": grant["grant_id"]})
        token = BOT if _ROLES[(method, path)] is Role.BOT else ADMIN
        for name, example in operation["requestBody"]["content"]["application/json"]["examples"].items():
            response = await client.request(method, url, json=example["value"], headers=token)
            assert 200 <= response.status < 300, (method, url, name, await response.text())
            sent.append((method, path, name))
    assert {(method, path) for method, path, _ in sent} == {(method, path) for method, path, _ in bodies}


async def test_the_document_describes_the_table_the_app_was_built_from(aiohttp_client):
    """The document route reads the app's table, not a list it belongs to: a smaller app serves a smaller document."""
    table = tuple(route for route in ROUTES if route.path in {"/openapi.json", "/health/live"})
    app = web.Application()
    setup_routes(app, table)
    client = await aiohttp_client(app)
    response = await client.get("/openapi.json")
    assert response.status == 200
    assert set((await response.json())["paths"]) == {"/openapi.json", "/health/live"}
