"""`$jsonSchema` validators are generated from the models, accept what the service writes, and reject malformed documents."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from beanie import Document
from pymongo.errors import WriteError
from rewards_catalog import SHIPPED_CATALOG
from rewards_contract.enums import RewardConditionType, RewardStatus, RewardType

from documents import Reward, RewardGrant, UserReward
from documents.clock import utc_now
from service.db import collections
from service.db.connection import MODELS, Database
from service.db.validators import collection_validator
from service.http.app import init_app
from service.http.keys import RUNTIME
from service.operations.feed_relay import relay_while_leased
from service.operations.rarity import compute_rarity
from service.usecases.closings import close_runs
from service.usecases.goals import relay_goals
from tests.support.api import board_with_a_prize, goal_with_a_reward
from tests.support.bson_schema_check import violations
from tests.support.console import sign_in, submit
from tests.support.environment import (
    ADMIN,
    BOT,
    REAL_MONGODB_URL,
    drop_database,
    make_settings,
)
from tests.support.factories import reward_payload
from tests.support.stored import collection_name
from tests.support.webhooks import sender_writes

real_mongodb_only = pytest.mark.skipif(
    not REAL_MONGODB_URL,
    reason="validators are applied on a real MongoDB only (mongomock ignores them): set MONGODB_URL",
)


def schema(model: type) -> dict[str, Any]:
    return collection_validator(model)["$jsonSchema"]


def a_reward(**overrides: Any) -> dict[str, Any]:
    """A reward as stored: what seeding and the admin API write."""
    now = datetime(2025, 1, 1, tzinfo=UTC)
    return {
        **reward_payload(),
        "is_repeatable": False,
        "is_secret": False,
        "claim_window_hours": 168,
        "is_active": True,
        "sort_order": 0,
        "created_at": now,
        "updated_at": now,
        **overrides,
    }


def test_reward_validator_requires_the_fields_without_a_default() -> None:
    assert schema(Reward)["required"] == ["slug", "name", "reward_type", "reward_value"]


def test_enums_are_validated_as_string_enums() -> None:
    assert schema(Reward)["properties"]["reward_type"] == {"bsonType": "string", "enum": [t.value for t in RewardType]}
    assert schema(UserReward)["properties"]["status"]["enum"] == [s.value for s in RewardStatus]
    condition = schema(Reward)["properties"]["conditions"]["items"]
    assert condition["properties"]["condition_type"]["enum"] == [c.value for c in RewardConditionType]
    assert condition["required"] == ["condition_type"]


def test_datetimes_are_bson_dates_and_optional_ones_may_be_null() -> None:
    assert schema(Reward)["properties"]["created_at"] == {"bsonType": "date"}
    assert schema(RewardGrant)["properties"]["claimed_at"] == {"bsonType": "date"}
    assert schema(RewardGrant)["properties"]["delivered_at"] == {"bsonType": ["date", "null"]}


def test_ids_are_typed_and_constrained_like_the_models() -> None:
    properties = schema(RewardGrant)["properties"]
    assert properties["reward_id"] == {"bsonType": "objectId"}
    assert properties["user_id"] == {"bsonType": ["int", "long"], "minimum": 1, "maximum": 2**63 - 1}
    assert schema(Reward)["properties"]["claim_window_hours"] == {
        "bsonType": ["int", "long"],
        "minimum": 0,
        "exclusiveMinimum": True,
        "maximum": 24 * 366 * 10,
    }


def test_embedded_pending_grant_is_a_nullable_object_with_its_own_fields() -> None:
    pending = schema(UserReward)["properties"]["pending_grant"]
    assert pending["bsonType"] == ["object", "null"]
    assert "claimed_at" in pending["required"]


@pytest.mark.parametrize("model", MODELS, ids=collection_name)
def test_every_stored_field_has_a_typed_property(model: type[Document]) -> None:
    stored = {info.alias or name for name, info in model.model_fields.items() if name not in ("id", "revision_id")}
    properties = schema(model)["properties"]
    assert set(properties) == stored
    assert all(prop.get("bsonType") for prop in properties.values())


def test_a_well_formed_reward_passes() -> None:
    assert violations(schema(Reward), a_reward()) == []


@pytest.mark.parametrize(
    "broken",
    [
        {"reward_type": "gold"},
        {"slug": "Not A Slug"},
        {"created_at": "2025-01-01T00:00:00Z"},
        {"claim_window_hours": 0},
        {"conditions": [{"value": 3}]},
        {"is_active": 1},
    ],
    ids=str,
)
def test_a_malformed_reward_is_rejected(broken: dict[str, Any]) -> None:
    assert violations(schema(Reward), a_reward(**broken))


def test_a_reward_without_a_name_is_rejected() -> None:
    reward = a_reward()
    del reward["name"]
    assert violations(schema(Reward), reward) == ["$.name: missing"]


async def leaderboard_writes(client: Any, user: str) -> None:
    """A board with a prize, a score, a removal, and the closing that gives the prize."""
    declared = await board_with_a_prize(client, "daily-points", "champion")
    run = declared["current_run"]["key"]
    scored = await client.post(
        f"{user}/events", json={"event_id": "scored", "type": "points", "amount": 5}, headers=BOT
    )
    assert scored.status == 200, await scored.text()
    removal = {"user_id": 43, "reason": "a cheater"}
    assert (
        await client.post(f"/v1/leaderboards/daily-points/runs/{run}/removals", json=removal, headers=ADMIN)
    ).status == 201
    after_the_run = utc_now() + timedelta(days=1, minutes=5)
    done = await close_runs(replace(client.app[RUNTIME], clock=lambda: after_the_run))
    assert done.closed >= 1  # the shipped catalogue's boards may close a run of theirs too, as the date falls
    closing = await collections.board_closings().find_one({"board": "daily-points", "run": run})
    assert closing is not None
    assert (len(closing["awards"]), closing["done"]) == (1, True)


async def goal_writes(client: Any, user: str) -> None:
    """A goal reached: the increments, the shards, the contributions, the reward given, the feed's entry."""
    await goal_with_a_reward(client, utc_now(), "points-together", "hero", target=5, min_contribution=1)
    scored = await client.post(
        f"{user}/events", json={"event_id": "for-the-goal", "type": "points", "amount": 5}, headers=BOT
    )
    assert scored.status == 200, await scored.text()
    relayed, rewarded = await relay_goals(client.app[RUNTIME])
    assert relayed >= 1  # this increment, and those the events above added to the shipped catalogue's goal
    assert rewarded == 1  # the contributor rewarded


async def test_every_document_the_service_writes_passes_its_validator(aiohttp_client: Any) -> None:
    """Drive the real API (seed, events, claims with a key, ack) and check everything it stored."""
    settings = make_settings(seed_paths=(SHIPPED_CATALOG,))
    client = await aiohttp_client(init_app(settings))
    try:
        user = "/v1/users/42"
        events: list[dict[str, Any]] = [
            {"type": "daily_gift"},
            {"type": "reaction"},
            {"type": "purchase", "amount": 600},
            {"type": "streak", "value": 7},
            {"type": "level", "value": 5},
            {"type": "points", "amount": 1200},
        ]
        for number, event in enumerate(events):
            response = await client.post(f"{user}/events", json={"event_id": f"e{number}", **event}, headers=BOT)
            assert response.status == 200, await response.text()
        await client.put(f"{user}/facts", json={"is_vip": True}, headers=BOT)
        await leaderboard_writes(client, user)
        await goal_writes(client, user)
        claimed = await client.post(f"{user}/rewards/welcome-gift/claim", headers={**BOT, "Idempotency-Key": "k1"})
        assert claimed.status == 200, await claimed.text()
        await client.post(f"{user}/rewards/first-reaction/claim", headers=BOT)
        await client.post(f"/v1/grants/{(await claimed.json())['grant_id']}/ack", headers=BOT)
        revoked = await client.post(
            f"/v1/grants/{(await claimed.json())['grant_id']}/revoke", json={"reason": "refund"}, headers=ADMIN
        )
        assert revoked.status == 200, await revoked.text()
        await client.patch("/v1/rewards/streak-3", json={"description": None}, headers=ADMIN)
        await compute_rarity(utc_now())  # what the background rarity refresh writes, now that rewards unlocked
        await relay_while_leased(utc_now(), timedelta(days=7), timedelta(seconds=30))  # the feed relay's writes
        await sender_writes(utc_now)  # the webhook sender's state
        # The console's: its secret (at start-up), a session, and an attempt with a wrong token after it.
        assert (await sign_in(client)).status == 303
        wrong = await submit(client, "/admin/rewards", {"token": "wrong"}, action="/admin/login")
        assert wrong.status == 401, await wrong.text()

        problems: dict[str, list[str]] = {}
        counts: dict[str, int] = {}
        for model in MODELS:
            documents = await collections.by_name(model.get_collection_name()).find({}).to_list(None)
            counts[collection_name(model)] = len(documents)
            for document in documents:
                problems.setdefault(collection_name(model), []).extend(violations(schema(model), document))
    finally:
        await client.close()
        await drop_database(settings)

    assert all(counts.values()), counts
    assert {name: found for name, found in problems.items() if found} == {}


@real_mongodb_only
async def test_real_mongodb_rejects_a_malformed_reward(database: Database) -> None:
    collection = database.db["rewards"]
    await collection.insert_one(a_reward(slug="fine"))

    with pytest.raises(WriteError) as raised:
        await collection.insert_one(a_reward(slug="broken", reward_type="gold"))

    assert raised.value.code == 121  # DocumentValidationFailure


@real_mongodb_only
async def test_real_mongodb_holds_the_generated_validators(database: Database) -> None:
    infos = {info["name"]: info async for info in await database.db.list_collections()}
    for model in MODELS:
        assert infos[collection_name(model)]["options"]["validator"] == collection_validator(model)
