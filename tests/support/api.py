"""Small helpers that make API tests read as the bot's and the admin's actions."""

from datetime import datetime, timedelta
from typing import Any

from tests.support.environment import ADMIN, BOT
from tests.support.factories import reward_payload


async def create_reward(client: Any, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/v1/rewards", json=reward_payload(**overrides), headers=ADMIN)
    assert response.status == 201, await response.text()
    return await response.json()


async def send_event(client: Any, user_id: int, event_id: str, type_: str, **fields: Any) -> dict[str, Any]:
    response = await client.post(
        f"/v1/users/{user_id}/events", json={"event_id": event_id, "type": type_, **fields}, headers=BOT
    )
    assert response.status == 200, await response.text()
    return await response.json()


async def set_facts(client: Any, user_id: int, **facts: Any) -> dict[str, Any]:
    response = await client.put(f"/v1/users/{user_id}/facts", json=facts, headers=BOT)
    assert response.status == 200, await response.text()
    return await response.json()


async def user_rewards(client: Any, user_id: int, headers: dict[str, str] = BOT, **query: str) -> dict[str, dict]:
    response = await client.get(f"/v1/users/{user_id}/rewards", params=query, headers=headers)
    assert response.status == 200, await response.text()
    return {item["slug"]: item for item in (await response.json())["rewards"]}


async def claim(
    client: Any, user_id: int, slug: str, key: str | None = None, headers: dict[str, str] = BOT
) -> tuple[int, dict[str, Any]]:
    headers = {**headers, **({"Idempotency-Key": key} if key else {})}
    response = await client.post(f"/v1/users/{user_id}/rewards/{slug}/claim", headers=headers)
    return response.status, await response.json()


async def grants(client: Any, user_id: int, pending: bool = False) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/users/{user_id}/grants", params={"pending": str(pending).lower()}, headers=BOT)
    assert response.status == 200, await response.text()
    return (await response.json())["grants"]


async def claimed_grant(client: Any, user_id: int, slug: str, **reward: Any) -> dict[str, Any]:
    """A reward unlocked by the user's first reaction and claimed: the claim's answer (its grant)."""
    await create_reward(client, slug=slug, conditions=[{"condition_type": "first_reaction"}], **reward)
    await send_event(client, user_id, f"reaction-{slug}", "reaction")
    status, body = await claim(client, user_id, slug)
    assert status == 200, body
    return body


async def declare_counter(client: Any, name: str, kind: str = "count", **texts: Any) -> dict[str, Any]:
    body = {
        "name": name,
        "kind": kind,
        "display_name": texts.pop("display_name", name.replace("_", " ").title()),
        **texts,
    }
    response = await client.post("/v1/counters", json=body, headers=ADMIN)
    assert response.status == 201, await response.text()
    return await response.json()


async def count(client: Any, user_id: int, event_id: str, counter: str, **amount_or_value: int) -> dict[str, Any]:
    """A `counter` event the service accepts."""
    return await send_event(client, user_id, event_id, "counter", counter=counter, **amount_or_value)


async def refused(response: Any, status: int, code: str) -> dict[str, Any]:
    """The error answer, checked to be this status and code."""
    body = await response.json()
    assert (response.status, body["error"]["code"]) == (status, code), body
    return body["error"]


AWARDED = [{"condition_type": "awarded"}]


async def declare_board(client: Any, slug: str = "daily-points", **fields: Any) -> dict[str, Any]:
    """A leaderboard (daily, of total_points unless `fields` say otherwise), declared by an admin."""
    body = {"slug": slug, "name": slug.replace("-", " ").title(), "ranks": "total_points", "period": "daily", **fields}
    response = await client.post("/v1/leaderboards", json=body, headers=ADMIN)
    assert response.status == 201, await response.text()
    return await response.json()


async def goal_with_a_reward(
    client: Any, now: datetime, goal: str, reward: str, reward_fields: dict[str, Any] | None = None, **fields: Any
) -> dict[str, Any]:
    """A reward only a goal gives, and a goal of total_points around `now` (target 100, 10 to qualify) giving it."""
    await create_reward(client, slug=reward, conditions=AWARDED, **(reward_fields or {}))
    window = {"starts_at": (now - timedelta(days=1)).isoformat(), "ends_at": (now + timedelta(days=7)).isoformat()}
    body = {"slug": goal, "name": goal.title(), "counts": "total_points", "target": 100, "reward": reward}
    response = await client.post("/v1/goals", json={**body, **window, "min_contribution": 10, **fields}, headers=ADMIN)
    assert response.status == 201, await response.text()
    return await response.json()


async def board_with_a_prize(client: Any, board: str, prize: str, **prize_fields: Any) -> dict[str, Any]:
    """A prize reward (its only condition `awarded`) and a daily board of total_points giving it to rank 1."""
    await create_reward(client, slug=prize, conditions=AWARDED, **prize_fields)
    return await declare_board(client, board, prizes=[{"from_rank": 1, "to_rank": 1, "reward": prize}])
