"""GET /openapi.json: an OpenAPI 3.1 document generated from the route table and its models."""

from typing import Any

import pytest
from rewards_contract.api import RewardPatch
from rewards_contract.enums import RewardConditionType, RewardType
from rewards_contract.rewards import REWARD_VALUE_MODELS

from service.http.openapi import build_document
from service.http.routes import ROUTES
from service.http.wiring import Role


@pytest.fixture
async def document(client) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status == 200 and response.content_type == "application/json"
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
    assert set(parameters) == {("path", "user_id"), ("path", "slug"), ("header", "idempotency-key")}
    assert parameters[("path", "user_id")]["schema"]["minimum"] == 1
    assert parameters[("path", "user_id")]["schema"]["maximum"] == 2**63 - 1
    assert parameters[("header", "idempotency-key")]["required"] is False
    grants = _operation(document, "GET", "/v1/users/{user_id}/grants")
    grant_parameters = {(p["in"], p["name"]) for p in grants["parameters"]}
    assert grant_parameters == {
        ("path", "user_id"), ("query", "pending"), ("query", "limit"), ("query", "lang"), ("header", "accept-language")
    }


async def test_every_answer_naming_rewards_takes_lang_and_accept_language(document):
    """Reads and writes that answer reward texts negotiate their language; the claim (no texts) does not."""
    for route in ROUTES:
        answer = route.response.__name__ if route.response else ""
        names_rewards = answer in {"ActivityResponse", "UserRewardsResponse", "GrantList", "GrantView", "RewardList", "RewardView"}
        parameters = {(p["in"], p["name"]) for p in _operation(document, route.method, route.path).get("parameters", [])}
        negotiates = {("query", "lang"), ("header", "accept-language")} <= parameters
        assert negotiates == names_rewards, f"{route.method} {route.path}"


async def test_event_body_is_the_discriminated_union_of_event_types(document):
    body = _operation(document, "POST", "/v1/users/{user_id}/events")["requestBody"]
    assert body["required"] is True
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/EventRequest"}
    event = document["components"]["schemas"]["EventRequest"]
    assert event["discriminator"]["propertyName"] == "type"
    assert set(event["discriminator"]["mapping"]) == {
        "daily_gift", "reaction", "purchase", "points", "streak", "level", "vip"
    }


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
        assert variant["properties"]["reward_value"] == {"$ref": f"#/components/schemas/{value_model}"}
        assert variant["additionalProperties"] is False


@pytest.mark.parametrize("answer", ["RewardView", "UnlockedReward", "UserRewardView", "ClaimResponse", "GrantView"])
async def test_answers_carrying_a_payload_describe_it_per_reward_type(document, answer):
    variants = _variants(document, answer, "reward_type")
    assert set(variants) == {str(reward_type) for reward_type in RewardType}
    besitos = variants["besitos"]["properties"]
    # The ledger's answer also holds reversals, whose besitos amount is negative.
    value_model = "BesitosChange" if answer == "GrantView" else "BesitosValue"
    assert besitos["reward_value"] == {"$ref": f"#/components/schemas/{value_model}"}


async def test_conditions_say_which_types_take_a_value(document):
    variants = _variants(document, "RewardCondition", "condition_type")
    assert set(variants) == {str(condition_type) for condition_type in RewardConditionType}
    for condition_type, variant in variants.items():
        takes_value = RewardConditionType(condition_type).is_threshold
        assert ("value" in variant.get("required", [])) is takes_value
        assert (variant["properties"]["value"].get("type") == "null") is not takes_value


async def test_patch_describes_null_only_where_a_reward_takes_it(document):
    properties = document["components"]["schemas"]["RewardPatch"]["properties"]
    nullable = {name for name, schema in properties.items() if {"type": "null"} in schema.get("anyOf", [])}
    assert nullable == {"description", "available_from", "available_until"}
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
    assert set(_codes(claim, 409)) == {"reward_locked", "already_claimed", "claim_expired", "conflict"}
    assert set(_codes(claim, 422)) == {"idempotency_key_reused", "validation_error"}


async def test_shared_errors_follow_the_kind_of_route(document):
    create = _operation(document, "POST", "/v1/rewards")
    assert {"400", "401", "403", "409", "413", "422", "500"} <= set(create["responses"])
    badges = _operation(document, "GET", "/v1/users/{user_id}/badges")
    assert {"401", "422", "500"} <= set(badges["responses"])
    assert not {"400", "403", "413"} & set(badges["responses"])  # no body, no admin-only option
    listing = _operation(document, "GET", "/v1/rewards")
    assert _codes(listing, 403) == ["forbidden"]  # all=true is admin-only
    health = _operation(document, "GET", "/health")
    assert set(health["responses"]) == {"200", "503", "500"}


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
