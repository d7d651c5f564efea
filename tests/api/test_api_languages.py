"""Rewards in the user's language through the real app: translations set by admins, chosen per request."""

import pytest

from tests.support.api import claim, create_reward, send_event
from tests.support.environment import ADMIN, BOT
from tests.support.factories import reward_payload

USER = 4004
FIRST_REACTION = [{"condition_type": "first_reaction"}]
TRANSLATIONS = {
    "es": {"name": "Primera reacción", "description": "Reacciona por primera vez"},
    "pt-BR": {"name": "Primeira reação"},
}


async def _reaction_reward(client, slug: str = "first-reaction", **more) -> dict:
    return await create_reward(
        client,
        slug=slug,
        name="First reaction",
        description="React for the first time",
        reward_type="badge",
        reward_value={"badge_name": "Reactor", "emoji": "❤️"},
        conditions=FIRST_REACTION,
        **{"translations": TRANSLATIONS, **more},
    )


async def _get(client, path: str, headers: dict[str, str] = BOT, **query: str) -> dict:
    response = await client.get(path, params=query, headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def _user_reward(client, headers: dict[str, str] = BOT, **query: str) -> dict:
    listed = await _get(client, f"/v1/users/{USER}/rewards", headers, **query)
    return next(item for item in listed["rewards"] if item["slug"] == "first-reaction")


async def test_admin_stores_translations_keyed_by_canonical_tags(client):
    body = await _reaction_reward(client, translations={"ES-mx": {"name": "Primera"}, "en": {"name": "First"}})
    assert body["translations"] == {
        "es-MX": {"name": "Primera", "description": None},
        "en": {"name": "First", "description": None},
    }
    stored = await _get(client, "/v1/rewards/first-reaction", ADMIN)
    assert set(stored["translations"]) == {"es-MX", "en"}


async def test_without_a_preference_the_default_texts_are_answered_in_the_default_language(client):
    await _reaction_reward(client)
    item = await _user_reward(client)
    assert (item["name"], item["description"], item["lang"]) == ("First reaction", "React for the first time", "en")


async def test_lang_picks_the_translation_and_says_so(client):
    await _reaction_reward(client)
    item = await _user_reward(client, lang="es")
    assert (item["name"], item["description"], item["lang"]) == ("Primera reacción", "Reacciona por primera vez", "es")


async def test_a_regional_tag_falls_back_to_its_language(client):
    await _reaction_reward(client)
    item = await _user_reward(client, lang="es-MX")
    assert (item["name"], item["lang"]) == ("Primera reacción", "es")


async def test_a_language_without_translation_falls_back_to_the_defaults(client):
    await _reaction_reward(client)
    item = await _user_reward(client, lang="fr")
    assert (item["name"], item["lang"]) == ("First reaction", "en")


async def test_a_translation_without_description_answers_no_description(client):
    await _reaction_reward(client)
    item = await _user_reward(client, lang="pt-BR")
    assert (item["name"], item["description"], item["lang"]) == ("Primeira reação", None, "pt-BR")


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("es-MX,es;q=0.9,en;q=0.8", "es"),
        ("fr, pt-BR;q=0.5", "pt-BR"),  # fr has no text: the next most wanted
        ("en;q=0.9, es;q=0.4", "en"),  # the default language competes like any translation
        ("es;q=0, *;q=0.1", "en"),  # q=0 means "not this one"
        ("!!garbage, es", "es"),  # a malformed entry is skipped, not refused
        ("pt", "pt-BR"),  # a language takes a more specific text when nothing else matches
    ],
)
async def test_accept_language_is_read_with_its_q_values(client, accept_language, expected):
    await _reaction_reward(client)
    item = await _user_reward(client, {**BOT, "Accept-Language": accept_language})
    assert item["lang"] == expected


async def test_lang_in_the_query_wins_over_accept_language(client):
    await _reaction_reward(client)
    item = await _user_reward(client, {**BOT, "Accept-Language": "es"}, lang="pt-BR")
    assert item["lang"] == "pt-BR"


async def test_codes_come_with_their_display_name_and_emoji_in_the_callers_language(client):
    await _reaction_reward(client)
    spanish = await _user_reward(client, lang="es")
    assert spanish["reward_type_display"] == {"display_name": "Insignia", "emoji": "🏅"}
    assert spanish["status_display"] == {"display_name": "Bloqueada", "emoji": "🔒"}
    assert spanish["availability_display"] == {"display_name": "Disponible", "emoji": "🟢"}
    assert spanish["progress"][0]["condition_display"] == {"display_name": "Primera reacción", "emoji": "❤️"}
    english = await _user_reward(client, lang="en")
    assert english["status_display"] == {"display_name": "Locked", "emoji": "🔒"}


async def test_display_names_fall_back_to_the_default_language_for_a_language_not_shipped(client):
    await _reaction_reward(client)
    item = await _user_reward(client, lang="pt-BR")
    assert item["lang"] == "pt-BR"  # the reward's own text exists in Portuguese
    assert item["status_display"]["display_name"] == "Locked"  # display names ship in es and en only


async def test_unlock_answers_grants_and_the_catalogue_speak_the_same_language(client):
    await _reaction_reward(client)
    spanish = {**BOT, "Accept-Language": "es"}
    unlocked = await client.post(
        f"/v1/users/{USER}/events", json={"event_id": "r1", "type": "reaction"}, headers=spanish
    )
    [unlock] = (await unlocked.json())["unlocked"]
    assert (unlock["name"], unlock["lang"], unlock["reward_type_display"]["display_name"]) == (
        "Primera reacción",
        "es",
        "Insignia",
    )
    status, grant = await claim(client, USER, "first-reaction")
    assert status == 200
    [listed] = (await _get(client, f"/v1/users/{USER}/grants", spanish))["grants"]
    assert (listed["name"], listed["lang"]) == ("Primera reacción", "es")
    acked = await client.post(f"/v1/grants/{grant['grant_id']}/ack", params={"lang": "pt-BR"}, headers=BOT)
    assert (await acked.json())["name"] == "Primeira reação"
    [catalogued] = (await _get(client, "/v1/rewards", spanish))["rewards"]
    assert (catalogued["name"], catalogued["lang"], catalogued["availability_display"]["display_name"]) == (
        "Primera reacción",
        "es",
        "Disponible",
    )
    one = await _get(client, "/v1/rewards/first-reaction", lang="es")
    assert one["name"] == "Primera reacción"


async def test_grants_of_a_deactivated_reward_keep_its_translated_name(client):
    await _reaction_reward(client)
    await send_event(client, USER, "r1", "reaction")
    assert (await claim(client, USER, "first-reaction"))[0] == 200
    assert (await client.delete("/v1/rewards/first-reaction", headers=ADMIN)).status == 200
    [grant] = (await _get(client, f"/v1/users/{USER}/grants", lang="es"))["grants"]
    assert (grant["name"], grant["lang"]) == ("Primera reacción", "es")


async def test_the_default_language_is_a_deployment_setting(aiohttp_client, settings, clock):
    from dataclasses import replace

    from service.http.app import init_app

    spanish_defaults = await aiohttp_client(init_app(replace(settings, default_language="es"), clock=clock))
    await create_reward(
        spanish_defaults,
        slug="first-reaction",
        name="Primera reacción",
        conditions=FIRST_REACTION,
        translations={"en": {"name": "First reaction"}},
    )
    item = await _user_reward(spanish_defaults)
    assert (item["name"], item["lang"], item["status_display"]["display_name"]) == (
        "Primera reacción",
        "es",
        "Bloqueada",
    )
    assert (await _user_reward(spanish_defaults, lang="en"))["name"] == "First reaction"


@pytest.mark.parametrize("lang", ["xx", "es_MX", "und", "e", "x-private", "es-MX-MX-"])
async def test_an_unknown_or_malformed_lang_is_a_validation_error(client, lang):
    await _reaction_reward(client)
    response = await client.get(f"/v1/users/{USER}/rewards", params={"lang": lang}, headers=BOT)
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["code"] == "validation_error"
    assert error["details"][0]["field"] == "lang"


@pytest.mark.parametrize(
    "translations",
    [
        {"xx": {"name": "?"}},  # not a registered language
        {"es": {"name": "  "}},  # a blank name
        {"es": {"description": "no name"}},  # name is required
        {"es": {"name": "n" * 201}},  # longer than a default name may be
        {"es": {"name": "a"}, "ES": {"name": "b"}},  # one language twice
        {"es": {"name": "a", "emoji": "x"}},  # unknown field
    ],
)
async def test_invalid_translations_are_refused_and_create_nothing(client, translations):
    payload = reward_payload(slug="bad-texts", translations=translations)
    response = await client.post("/v1/rewards", json=payload, headers=ADMIN)
    assert response.status == 422
    assert (await response.json())["error"]["code"] == "validation_error"
    assert (await client.get("/v1/rewards/bad-texts", headers=ADMIN)).status == 404


async def test_a_patch_replaces_the_translations_as_a_whole(client):
    await _reaction_reward(client)
    response = await client.patch(
        "/v1/rewards/first-reaction", json={"translations": {"es": {"name": "Reacción"}}}, headers=ADMIN
    )
    assert response.status == 200
    assert (await response.json())["translations"] == {"es": {"name": "Reacción", "description": None}}
    assert (await _user_reward(client, lang="pt-BR"))["lang"] == "en"
