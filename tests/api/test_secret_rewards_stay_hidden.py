"""The bot's token never learns what a secret reward is before the user unlocks it, through any route.

One walk through every route the bot's token may call, for a user who has made progress towards a
secret reward without unlocking it. The walk fails when a route the bot may call is added and not
walked here, so a new route cannot leak by being forgotten.
"""

from typing import Any

from service.http.routes import ROUTES
from service.http.wiring import Role
from tests.support.api import board_with_a_prize, claim, create_reward, declare_counter, goal_with_a_reward
from tests.support.environment import BOT
from tests.support.feed import relay_all

USER = 71
SECRET = {
    "slug": "night-owl",
    "name": "Nocturnal chatterbox",
    "description": "Talked through the small hours",
    "is_secret": True,
    "hint": "Some never stop talking...",
    "translations": {"es": {"name": "Parlanchín nocturno", "hint": "Algunos no paran de hablar..."}},
    "reward_type": "content",
    "reward_value": {"content_set_id": 918273645},
}
# A secret prize of a leaderboard: the board names it, the bot must not learn it.
SECRET_GOAL_REWARD: dict[str, Any] = {
    "name": "The hidden medal",
    "is_secret": True,
    "reward_type": "besitos",
    "reward_value": {"amount": 77},
}
SECRET_PRIZE: dict[str, Any] = {
    "name": "The hidden crown",
    "is_secret": True,
    "reward_type": "badge",
    "reward_value": {"badge_name": "Crown of whispers", "emoji": "👑"},
}
# What the secret rewards are, in every form a leak could take: their slugs, names, description and payload.
SECRET_MARKS = (
    "night-owl",
    "Nocturnal chatterbox",
    "Parlanchín nocturno",
    "small hours",
    "918273645",
    "hidden-crown",
    "The hidden crown",
    "Crown of whispers",
    "hidden-medal",
    "The hidden medal",
)


class Walk:
    """The bot's requests, each remembered by its route's template, and every answer's text.

    An answer may echo a slug the bot itself sent (`No active reward with slug 'night-owl'`): that
    tells it nothing, so the echo of what was asked is blanked before the answers are searched.
    """

    def __init__(self, client: Any) -> None:
        self.client = client
        self.routes: set[tuple[str, str]] = set()
        self.answers: list[str] = []

    async def call(
        self, method: str, template: str, path: str, asked: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        response = await self.client.request(method, path, headers={**BOT, **kwargs.pop("headers", {})}, **kwargs)
        text = await response.text()
        assert response.status < 500, text
        self.routes.add((method, template))
        self.answers.append(text.replace(asked, "<asked>") if asked else text)
        return await response.json() if response.content_type == "application/json" else {}


def _bot_routes() -> set[tuple[str, str]]:
    return {(route.method, route.path) for route in ROUTES if route.role is not Role.ADMIN}


async def _catalogue_with_a_secret(client: Any, clock: Any) -> None:
    await declare_counter(client, "messages_sent")
    talk = {"condition_type": "counter_at_least", "counter": "messages_sent", "value": 100}
    await create_reward(client, slug="chatter", conditions=[talk])
    await create_reward(client, slug="fan", conditions=[{"condition_type": "first_reaction"}])
    await create_reward(client, **SECRET, conditions=[talk, {"condition_type": "first_reaction"}])
    # A public reward that needs the secret one claimed first: its progress must not name it.
    await create_reward(
        client, slug="owl-friend", conditions=[{"condition_type": "reward_claimed", "reward": "night-owl"}]
    )
    await board_with_a_prize(client, "chat-board", "hidden-crown", **SECRET_PRIZE)
    await goal_with_a_reward(client, clock(), "all-together", "hidden-medal", SECRET_GOAL_REWARD)


async def _react_and_talk(walk: Walk, messages: int) -> None:
    """The user's first reaction, then `messages` messages: the secret reward's conditions, met at 100."""
    events = f"/v1/users/{USER}/events"
    await walk.call("POST", "/v1/users/{user_id}/events", events, json={"event_id": "r1", "type": "reaction"})
    talk = {"event_id": "m1", "type": "counter", "counter": "messages_sent", "amount": messages}
    await walk.call("POST", "/v1/users/{user_id}/events", events, json=talk)


async def test_no_route_the_bot_may_call_names_a_secret_reward_the_user_has_not_unlocked(client, clock):
    await _catalogue_with_a_secret(client, clock)
    walk = Walk(client)
    user = f"/v1/users/{USER}"

    await _react_and_talk(walk, messages=5)
    await walk.call("PUT", "/v1/users/{user_id}/facts", f"{user}/facts", json={"level": 2})
    for lang in ("en", "es"):
        listed = await walk.call("GET", "/v1/users/{user_id}/rewards", f"{user}/rewards", params={"lang": lang})
    assert len(listed["hints"]) == 1, "the secret reward shows by its hint, so the walk is about it"
    for slug in ("night-owl", "owl-friend"):
        await walk.call("GET", "/v1/users/{user_id}/rewards/{slug}", f"{user}/rewards/{slug}", asked="night-owl")
    await walk.call(
        "POST", "/v1/users/{user_id}/rewards/{slug}/claim", f"{user}/rewards/night-owl/claim", asked="night-owl"
    )
    granted = await walk.call("POST", "/v1/users/{user_id}/rewards/{slug}/claim", f"{user}/rewards/fan/claim")
    grant_id = granted["grant_id"]
    await walk.call("GET", "/v1/users/{user_id}/grants", f"{user}/grants")
    await walk.call("GET", "/v1/users/{user_id}/badges", f"{user}/badges")
    await walk.call("POST", "/v1/grants/{grant_id}/ack", f"/v1/grants/{grant_id}/ack")
    await relay_all(clock)
    await walk.call("GET", "/v1/feed", "/v1/feed")
    await walk.call("GET", "/v1/counters", "/v1/counters")
    await walk.call("GET", "/v1/counters/{name}", "/v1/counters/messages_sent")
    await walk.call("GET", "/v1/rewards", "/v1/rewards")
    await walk.call("GET", "/v1/rewards/{slug}", "/v1/rewards/night-owl", asked="night-owl")
    friend = await walk.call("GET", "/v1/rewards/{slug}", "/v1/rewards/owl-friend")
    assert friend["conditions"][0]["reward"] == listed["hints"][0]["id"], "named by the hint's id"
    boards = await walk.call("GET", "/v1/leaderboards", "/v1/leaderboards")
    run = boards["leaderboards"][0]["current_run"]["key"]
    await walk.call("GET", "/v1/leaderboards/{slug}", "/v1/leaderboards/chat-board")
    await walk.call("GET", "/v1/leaderboards/{slug}/runs", "/v1/leaderboards/chat-board/runs")
    await walk.call("GET", "/v1/leaderboards/{slug}/top", "/v1/leaderboards/chat-board/top")
    await walk.call("GET", "/v1/leaderboards/{slug}/runs/{run}/top", f"/v1/leaderboards/chat-board/runs/{run}/top")
    await walk.call("GET", "/v1/leaderboards/{slug}/users/{user_id}", f"/v1/leaderboards/chat-board/users/{USER}")
    await walk.call(
        "GET",
        "/v1/leaderboards/{slug}/runs/{run}/users/{user_id}",
        f"/v1/leaderboards/chat-board/runs/{run}/users/{USER}",
    )
    goals = await walk.call("GET", "/v1/goals", "/v1/goals")
    assert goals["goals"][0]["reward"].startswith("h_"), "the goal's secret reward shows by its hint's id"
    await walk.call("GET", "/v1/goals/{slug}", "/v1/goals/all-together")
    await walk.call("GET", "/v1/goals/{slug}/users/{user_id}", f"/v1/goals/all-together/users/{USER}")
    for template in ("/health", "/health/live", "/metrics", "/openapi.json", "/docs"):
        await walk.call("GET", template, template)
    for asset in ("/docs/assets/swagger-ui.css", "/docs/assets/swagger-ui-bundle.js"):
        walk.routes.add(("GET", asset))  # static files, the same for everyone

    assert walk.routes == _bot_routes(), "a route the bot may call is not walked here"
    everything_the_bot_read = "\n".join(walk.answers)
    for mark in SECRET_MARKS:
        assert mark not in everything_the_bot_read, mark


async def test_the_same_walk_names_it_once_the_user_has_unlocked_it(client, clock):
    """The check above can fail: an unlocked secret reward is the user's, and shows by name."""
    await _catalogue_with_a_secret(client, clock)
    walk = Walk(client)
    await _react_and_talk(walk, messages=100)
    status, claimed = await claim(client, USER, "night-owl")
    assert status == 200
    assert claimed["reward"] == "night-owl"
    assert "Nocturnal chatterbox" in "\n".join(walk.answers)
