"""Grant delivery and badges through the real app: the bot acknowledges grants and lists badges."""

from datetime import datetime

from tests.support.api import claimed_grant, grants
from tests.support.environment import BOT

USER = 4004
BADGE = {"reward_type": "badge", "reward_value": {"badge_name": "First reaction", "emoji": "*"}}


async def _claimed_grant(client, slug: str = "r", **overrides) -> dict:
    return await claimed_grant(client, USER, slug, **overrides)


async def test_ack_marks_the_grant_delivered_and_it_leaves_the_pending_list(client, clock):
    grant = await _claimed_grant(client)
    clock.advance(minutes=5)
    response = await client.post(f"/v1/grants/{grant['grant_id']}/ack", headers=BOT)
    assert response.status == 200
    acked = await response.json()
    assert acked["grant_id"] == grant["grant_id"]
    assert acked["reward"] == "r"
    assert datetime.fromisoformat(acked["delivered_at"]) == clock.now
    assert await grants(client, USER, pending=True) == []
    assert [g["grant_id"] for g in await grants(client, USER)] == [grant["grant_id"]]


async def test_ack_twice_keeps_the_first_delivery_time(client, clock):
    grant = await _claimed_grant(client)
    first = await (await client.post(f"/v1/grants/{grant['grant_id']}/ack", headers=BOT)).json()
    clock.advance(hours=1)
    again = await client.post(f"/v1/grants/{grant['grant_id']}/ack", headers=BOT)
    assert again.status == 200
    assert (await again.json())["delivered_at"] == first["delivered_at"]


async def test_badges_list_the_claimed_badge_rewards(client):
    await _claimed_grant(client, slug="fan", **BADGE)
    await _claimed_grant(client, slug="coins")  # besitos: not a badge
    response = await client.get(f"/v1/users/{USER}/badges", headers=BOT)
    assert response.status == 200
    badges = (await response.json())["badges"]
    assert [(b["reward"], b["badge_name"], b["emoji"]) for b in badges] == [("fan", "First reaction", "*")]


async def test_user_without_badges_gets_an_empty_list(client):
    response = await client.get("/v1/users/12345/badges", headers=BOT)
    assert response.status == 200
    assert await response.json() == {"badges": []}
