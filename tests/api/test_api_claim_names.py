"""A claim's answer names the reward (`name`, `lang`) in the caller's language, so the bot can thank the user.

The language is chosen as for the rewards list (`?lang=` wins over `Accept-Language`, else the
default texts), and a retry with the same Idempotency-Key answers in the first attempt's language.
"""

from typing import Any

from tests.support.api import create_reward, send_event
from tests.support.environment import ADMIN, BOT

USER = 5005
SLUG = "first-reaction"


async def _unlocked_reaction_reward(client: Any, **more: Any) -> None:
    await create_reward(
        client,
        slug=SLUG,
        name="First reaction",
        reward_type="badge",
        reward_value={"badge_name": "Reactor", "emoji": "❤️"},
        conditions=[{"condition_type": "first_reaction"}],
        translations={"es": {"name": "Primera reacción"}, "pt-BR": {"name": "Primeira reação"}},
        **more,
    )
    await send_event(client, USER, "reaction-1", "reaction")


async def _claim(client: Any, headers: dict[str, str] | None = None, **query: str) -> dict[str, Any]:
    response = await client.post(
        f"/v1/users/{USER}/rewards/{SLUG}/claim", params=query, headers={**BOT, **(headers or {})}
    )
    assert response.status == 200, await response.text()
    return await response.json()


async def test_without_a_preference_the_claim_names_the_reward_in_the_default_language(client):
    await _unlocked_reaction_reward(client)
    answer = await _claim(client)
    assert (answer["reward"], answer["name"], answer["lang"]) == (SLUG, "First reaction", "en")


async def test_lang_names_the_reward_in_its_translation(client):
    await _unlocked_reaction_reward(client)
    answer = await _claim(client, lang="es-MX")  # a regional tag falls back to its language
    assert (answer["name"], answer["lang"]) == ("Primera reacción", "es")


async def test_accept_language_names_the_reward_in_the_most_wanted_translation(client):
    await _unlocked_reaction_reward(client)
    answer = await _claim(client, {"Accept-Language": "fr, pt-BR;q=0.8, es;q=0.5"})
    assert (answer["name"], answer["lang"]) == ("Primeira reação", "pt-BR")


async def test_lang_wins_over_accept_language(client):
    await _unlocked_reaction_reward(client)
    answer = await _claim(client, {"Accept-Language": "pt-BR"}, lang="es")
    assert (answer["name"], answer["lang"]) == ("Primera reacción", "es")


async def test_a_language_without_translation_falls_back_to_the_default_name(client):
    await _unlocked_reaction_reward(client)
    answer = await _claim(client, {"Accept-Language": "fr"})
    assert (answer["name"], answer["lang"]) == ("First reaction", "en")


async def test_a_keyed_replay_in_another_language_answers_the_first_answer_unchanged(client):
    await _unlocked_reaction_reward(client)
    first = await _claim(client, {"Idempotency-Key": "press-1"}, lang="es")
    replay = await _claim(client, {"Idempotency-Key": "press-1", "Accept-Language": "pt-BR"})
    assert (first["name"], first["lang"]) == ("Primera reacción", "es")
    assert replay == first


async def test_a_keyed_replay_after_the_reward_was_deactivated_keeps_its_name(client):
    await _unlocked_reaction_reward(client)
    first = await _claim(client, {"Idempotency-Key": "press-1"}, lang="es")
    assert (await client.delete(f"/v1/rewards/{SLUG}", headers=ADMIN)).status == 200
    assert await _claim(client, {"Idempotency-Key": "press-1"}) == first


async def test_a_replay_names_the_rewards_the_claim_unlocked_in_the_first_language(client):
    await _unlocked_reaction_reward(client)
    await create_reward(
        client,
        slug="after-reaction",
        name="After the reaction",
        conditions=[{"condition_type": "reward_claimed", "reward": SLUG}],
        translations={"es": {"name": "Después de la reacción"}},
    )
    first = await _claim(client, {"Idempotency-Key": "press-1"}, lang="es")
    replay = await _claim(client, {"Idempotency-Key": "press-1"}, lang="pt-BR")
    assert [u["name"] for u in first["unlocked"]] == ["Después de la reacción"]
    assert replay == first
