"""Rewards stored by the version before translations (no `translations`) stay valid and answer every language.

The document is inserted the way that version's admin API stored it, then read in Spanish by this
version: it has no Spanish texts, so its default ones are answered, in the default language, while
the codes' display names follow the caller. On the wire pass the collection carries this version's
`$jsonSchema` validator, which the insert must pass.
"""

from datetime import UTC, datetime
from typing import Any

from documents import Reward
from service.db import collections
from tests.support.api import claim, send_event
from tests.support.environment import BOT
from tests.support.stored import stored_one
from tests.support.stored_before import reward_stored_before, store_as_before, validator_violations

USER = 4114
STORED_AT = datetime(2026, 6, 1, tzinfo=UTC)
SPANISH = {**BOT, "Accept-Language": "es-ES,es;q=0.9"}


def reward_as_the_previous_version_stored_it() -> dict[str, Any]:
    return reward_stored_before(
        STORED_AT,
        slug="old-badge",
        name="Old badge",
        description="Stored before translations",
        reward_type="badge",
        reward_value={"badge_name": "Veteran", "emoji": "🎖️"},
        conditions=[{"condition_type": "first_reaction", "value": None, "group": 0, "sort_order": 0}],
        available_from=None,
        available_until=None,
    )


def test_the_old_document_passes_the_new_validator() -> None:
    assert validator_violations(Reward, reward_as_the_previous_version_stored_it()) == []


async def test_an_old_reward_answers_its_default_texts_to_a_spanish_reader(client) -> None:
    await store_as_before(Reward, reward_as_the_previous_version_stored_it())

    reward = await Reward.find_one(Reward.slug == "old-badge")
    assert reward is not None
    assert reward.translations == {}

    [listed] = (await (await client.get("/v1/rewards", headers=SPANISH)).json())["rewards"]
    assert (listed["name"], listed["lang"], listed["translations"]) == ("Old badge", "en", {})
    assert listed["reward_type_display"] == {"display_name": "Insignia", "emoji": "🏅"}

    unlocked = await client.post(
        f"/v1/users/{USER}/events", json={"event_id": "r", "type": "reaction"}, headers=SPANISH
    )
    [unlock] = (await unlocked.json())["unlocked"]
    assert (unlock["name"], unlock["lang"]) == ("Old badge", "en")

    status, body = await claim(client, USER, "old-badge")
    assert status == 200, body
    [grant] = (await (await client.get(f"/v1/users/{USER}/grants", headers=SPANISH)).json())["grants"]
    assert (grant["name"], grant["description"], grant["lang"]) == ("Old badge", "Stored before translations", "en")
    stored = await stored_one(collections.rewards(), {"slug": "old-badge"})
    assert "translations" not in stored  # nothing rewrote the old document
    await send_event(client, USER, "r2", "reaction")  # still evaluated without error
