"""Every error code the API answers with, in the one envelope, and bad input never changes stored data."""

import logging
from typing import Any

import pytest

from service.db import collections
from service.http.handlers import users as user_handlers
from tests.support.api import claim, create_reward, send_event
from tests.support.environment import ADMIN, BOT
from tests.support.factories import reward_payload
from tests.support.stored import every_collection, stored_one

USER = 3003


async def _error(response) -> dict[str, Any]:
    body = await response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


def _fields(error: dict[str, Any]) -> set[str]:
    return {item["field"] for item in error["details"]}


# --- 400, 404, 405, 413 ---------------------------------------------------------------------------


async def test_body_that_is_not_json_is_invalid_json(client):
    response = await client.post(
        f"/v1/users/{USER}/events", data=b'{"event_id": ', headers={**BOT, "Content-Type": "application/json"}
    )
    assert response.status == 400
    assert (await _error(response))["code"] == "invalid_json"


async def test_unknown_route_is_not_found_in_the_envelope(client):
    response = await client.get("/v1/nowhere", headers=BOT)
    assert response.status == 404
    assert (await _error(response))["code"] == "not_found"


async def test_unknown_grant_is_grant_not_found(client):
    response = await client.post("/v1/grants/no-such-grant/ack", headers=BOT)
    assert response.status == 404
    assert (await _error(response))["code"] == "grant_not_found"


async def test_wrong_method_is_method_not_allowed_and_names_the_allowed_ones(client):
    response = await client.delete(f"/v1/users/{USER}/events", headers=BOT)
    assert response.status == 405
    assert (await _error(response))["code"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]


async def test_body_over_64_kib_is_body_too_large(client):
    huge = {"event_id": "e", "type": "reaction", "padding": "x" * (64 * 1024)}
    response = await client.post(f"/v1/users/{USER}/events", json=huge, headers=BOT)
    assert response.status == 413
    assert (await _error(response))["code"] == "body_too_large"


# --- 409 -----------------------------------------------------------------------------------------


async def test_claiming_a_locked_reward_is_reward_locked(client):
    await create_reward(client, slug="far", conditions=[{"condition_type": "total_points", "value": 1000}])
    status, body = await claim(client, USER, "far")
    assert (status, body["error"]["code"]) == (409, "reward_locked")


async def test_claiming_twice_is_already_claimed(client):
    await create_reward(client, slug="r", conditions=[{"condition_type": "first_reaction"}])
    await send_event(client, USER, "r1", "reaction")
    assert (await claim(client, USER, "r"))[0] == 200
    status, body = await claim(client, USER, "r")
    assert (status, body["error"]["code"]) == (409, "already_claimed")


async def test_claiming_after_the_window_is_claim_expired(client, clock):
    await create_reward(client, slug="r", claim_window_hours=1, conditions=[{"condition_type": "first_reaction"}])
    await send_event(client, USER, "r1", "reaction")
    clock.advance(hours=1)
    status, body = await claim(client, USER, "r")
    assert (status, body["error"]["code"]) == (409, "claim_expired")


# --- 422 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("user_id", ["0", "-5", "abc", str(2**63), "1.5", "+5", "5_0", "%205"])
async def test_user_id_outside_1_to_2_63_minus_1_is_a_validation_error(client, user_id):
    response = await client.get(f"/v1/users/{user_id}/rewards", headers=BOT)
    assert response.status == 422
    error = await _error(response)
    assert error["code"] == "validation_error"
    assert _fields(error) == {"user_id"}


async def test_largest_user_id_is_accepted(client):
    response = await client.get(f"/v1/users/{2**63 - 1}/rewards", headers=BOT)
    assert response.status == 200


@pytest.mark.parametrize(
    ("event", "offending"),
    [
        ({"event_id": "e", "type": "teleport"}, "type"),  # unknown type: the discriminator itself
        ({"event_id": "e", "type": "purchase"}, "amount"),  # missing field
        ({"type": "reaction"}, "event_id"),  # missing event_id
        ({"event_id": "e", "type": "points", "amount": "10"}, "amount"),  # wrong type
        ({"event_id": "e", "type": "purchase", "amount": 0}, "amount"),  # not > 0
        ({"event_id": "e", "type": "vip", "is_vip": "yes"}, "is_vip"),
        ({"event_id": "e", "type": "reaction", "extra": 1}, "extra"),
    ],
)
async def test_bad_event_is_a_validation_error_naming_the_field(client, event, offending):
    response = await client.post(f"/v1/users/{USER}/events", json=event, headers=BOT)
    assert response.status == 422
    error = await _error(response)
    assert error["code"] == "validation_error"
    assert _fields(error) == {offending}


async def test_an_event_without_a_type_names_type_as_missing_in_our_own_code(client):
    response = await client.post(f"/v1/users/{USER}/events", json={"event_id": "e-1"}, headers=BOT)
    assert response.status == 422
    assert (await _error(response))["details"] == [{"field": "type", "message": "is required", "type": "missing"}]


async def test_event_body_that_is_not_an_object_is_a_validation_error(client):
    response = await client.post(f"/v1/users/{USER}/events", json=["reaction"], headers=BOT)
    assert response.status == 422


async def test_extra_field_in_an_admin_body_is_a_validation_error(client):
    response = await client.post("/v1/rewards", json=reward_payload(colour="red"), headers=ADMIN)
    assert response.status == 422
    assert "colour" in _fields(await _error(response))


async def test_reward_missing_required_fields_is_a_validation_error(client):
    response = await client.post("/v1/rewards", json={"slug": "x"}, headers=ADMIN)
    assert response.status == 422
    assert {"name", "reward_type", "reward_value"} <= _fields(await _error(response))


async def test_reward_value_not_fitting_its_type_is_a_validation_error(client):
    response = await client.post("/v1/rewards", json=reward_payload(reward_value={"days": 3}), headers=ADMIN)
    assert response.status == 422
    assert _fields(await _error(response)) == {"reward_value.amount", "reward_value.days"}


async def test_extra_field_in_a_patch_is_a_validation_error(client):
    await create_reward(client, slug="r")
    response = await client.patch("/v1/rewards/r", json={"slug": "renamed"}, headers=ADMIN)
    assert response.status == 422
    assert "slug" in _fields(await _error(response))


async def test_unknown_query_parameter_is_a_validation_error(client):
    response = await client.get("/v1/rewards", params={"everything": "true"}, headers=BOT)
    assert response.status == 422
    assert "everything" in _fields(await _error(response))


async def test_empty_facts_update_is_a_validation_error(client):
    response = await client.put(f"/v1/users/{USER}/facts", json={}, headers=BOT)
    assert response.status == 422


# --- 500 -----------------------------------------------------------------------------------------


async def test_unexpected_exception_is_internal_error_without_internals_and_logged(client, monkeypatch, caplog):
    async def explode(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("secret-internal-detail")

    monkeypatch.setattr(user_handlers.user_rewards, "list_user_rewards", explode)
    with caplog.at_level(logging.ERROR):
        response = await client.get(f"/v1/users/{USER}/rewards", headers=BOT)
    assert response.status == 500
    error = await _error(response)
    assert error == {"code": "internal_error", "message": "Internal server error.", "details": None}
    assert "secret-internal-detail" not in await response.text()
    logged = [record for record in caplog.records if record.exc_info]
    assert logged
    assert "secret-internal-detail" in caplog.text
    assert "Traceback" in caplog.text


# --- bad input never changes stored data ----------------------------------------------------------


BAD_REQUESTS: list[tuple[str, str, dict[str, Any], Any]] = [
    ("POST", f"/v1/users/{USER}/events", BOT, {"event_id": "new", "type": "points", "amount": -1}),
    ("POST", f"/v1/users/{USER}/events", BOT, {"event_id": "new", "type": "points", "amount": 5, "x": 1}),
    ("POST", "/v1/users/0/events", BOT, {"event_id": "new", "type": "reaction"}),
    ("POST", f"/v1/users/{USER}/events", {}, {"event_id": "new", "type": "reaction"}),
    ("PUT", f"/v1/users/{USER}/facts", BOT, {"level": 0}),
    ("PUT", f"/v1/users/{USER}/facts", BOT, {"level": 9, "total_points": None}),
    ("POST", "/v1/rewards", ADMIN, reward_payload(slug="fresh", claim_window_hours=0)),
    ("POST", "/v1/rewards", BOT, reward_payload(slug="fresh")),
    ("POST", "/v1/rewards", ADMIN, reward_payload(slug="kept", name="Dup")),
    ("PUT", "/v1/rewards/kept", ADMIN, reward_payload(slug="other")),
    ("PUT", "/v1/rewards/kept", ADMIN, reward_payload(slug="kept", reward_type="badge")),
    ("PATCH", "/v1/rewards/kept", ADMIN, {"reward_type": "content"}),
    ("PATCH", "/v1/rewards/kept", ADMIN, {"name": "  "}),
    ("PATCH", "/v1/rewards/kept", BOT, {"name": "By the bot"}),
    ("DELETE", "/v1/rewards/kept", BOT, None),
    ("POST", f"/v1/users/{USER}/rewards/kept/claim", BOT, None),  # still locked
]


async def test_bad_requests_leave_every_collection_unchanged(client):
    await create_reward(client, slug="kept", conditions=[{"condition_type": "total_points", "value": 100}])
    await send_event(client, USER, "first", "points", amount=10)
    before = await every_collection()
    for method, url, headers, body in BAD_REQUESTS:
        response = await client.request(method, url, headers=headers, json=body)
        assert 400 <= response.status < 500, (method, url, response.status)
    assert await every_collection() == before


async def test_unparseable_body_leaves_every_collection_unchanged(client):
    await send_event(client, USER, "first", "points", amount=10)
    before = await every_collection()
    response = await client.put(
        f"/v1/users/{USER}/facts", data=b"level=3", headers={**BOT, "Content-Type": "application/json"}
    )
    assert response.status == 400
    assert await every_collection() == before


async def test_deeply_nested_json_is_invalid_json_not_a_crash(client):
    response = await client.post("/v1/rewards", data="[" * 60_000, headers=ADMIN)
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "invalid_json"


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"claim_window_hours": 10**8}, "claim_window_hours"),
        ({"reward_value": {"amount": 2**64}}, "reward_value"),
        ({"sort_order": 2**64}, "sort_order"),
        ({"conditions": [{"condition_type": "total_points", "value": 2**64}]}, "conditions[0].value"),
    ],
)
async def test_numbers_too_large_to_store_are_a_validation_error(client, override, field):
    response = await client.post("/v1/rewards", json=reward_payload(**override), headers=ADMIN)
    assert response.status == 422
    fields = [item["field"] for item in (await response.json())["error"]["details"]]
    assert any(f.startswith(field) for f in fields), fields


async def test_patch_is_as_strict_as_create(client):
    await client.post("/v1/rewards", json=reward_payload(), headers=ADMIN)
    for value in ("5", 1.5, True):
        response = await client.patch(
            f"/v1/rewards/{reward_payload()['slug']}", json={"claim_window_hours": value}, headers=ADMIN
        )
        assert response.status == 422, value


async def test_a_whole_number_written_with_a_fraction_is_an_integer(client):
    """JSON Schema's `integer` includes 5.0: a client keeping numbers as floats is understood."""
    response = await client.post(
        "/v1/rewards", json=reward_payload(reward_value={"amount": 50.0}, claim_window_hours=24.0), headers=ADMIN
    )
    assert response.status == 201
    body = await response.json()
    assert (body["reward_value"], body["claim_window_hours"]) == ({"amount": 50}, 24)
    stored = await stored_one(collections.rewards(), {"slug": body["slug"]})
    assert type(stored["reward_value"]["amount"]) is int
    assert type(stored["claim_window_hours"]) is int
