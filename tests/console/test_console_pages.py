"""The console's pages as a manager reads and fills them: catalogue filters, the editor's refusals and rows, a user's page."""

import html
from typing import Any

from tests.support.api import claimed_grant, create_reward, declare_counter, send_event
from tests.support.console import page_text, sign_in, submit
from tests.support.environment import ADMIN

REWARD = {
    "slug": "form-made",
    "name": "Made in the form",
    "reward_type": "besitos",
    "amount": "10",
    "is_active": "on",
    "action": "save",
}


async def _signed_in(client: Any) -> Any:
    assert (await sign_in(client)).status == 303
    return client


async def _reward(client: Any, slug: str) -> dict[str, Any]:
    response = await client.get(f"/v1/rewards/{slug}", headers=ADMIN)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_a_refused_box_shows_its_message_next_to_itself_and_keeps_what_was_typed(client):
    await _signed_in(client)
    response = await submit(client, "/admin/rewards/new", {**REWARD, "amount": "lots", "claim_window_hours": "0"})
    text = await response.text()
    assert response.status == 422
    assert 'id="error-amount"' in text
    assert 'id="error-claim_window_hours"' in text
    assert 'value="lots"' in text
    assert 'value="Made in the form"' in text
    assert (await client.get("/v1/rewards/form-made", headers=ADMIN)).status == 404


async def test_a_condition_that_does_not_fit_its_type_is_explained_on_its_row(client):
    await _signed_in(client)
    rows = {"condition_rows": "1", "c0_condition_type": "counter_in_window", "c0_counter": "messages", "c0_value": "3"}
    text = await (await submit(client, "/admin/rewards/new", {**REWARD, **rows})).text()
    assert 'id="error-c0_window_days"' in text
    assert "is required for a counter_in_window condition" in html.unescape(text)


async def test_add_a_condition_sends_the_form_back_with_one_more_row_and_saves_nothing(client):
    await _signed_in(client)
    response = await submit(client, "/admin/rewards/new", {**REWARD, "action": "add_condition"})
    text = await response.text()
    assert response.status == 200
    assert 'name="c0_condition_type"' in text
    assert 'name="c1_condition_type"' not in text
    assert 'value="Made in the form"' in text
    assert (await client.get("/v1/rewards/form-made", headers=ADMIN)).status == 404


async def test_remove_a_row_drops_that_row_only(client):
    await _signed_in(client)
    rows = {
        "condition_rows": "2",
        "c0_condition_type": "first_reaction",
        "c1_condition_type": "first_purchase",
        "action": "remove_condition:0",
    }
    text = await (await submit(client, "/admin/rewards/new", {**REWARD, **rows})).text()
    assert 'value="first_purchase" selected' in text
    assert 'value="first_reaction" selected' not in text


async def test_a_reward_saved_from_the_form_is_what_the_api_answers(client):
    await declare_counter(client, "messages")
    await _signed_in(client)
    rows = {
        "condition_rows": "3",
        "c0_condition_type": "counter_in_window",
        "c0_counter": "messages",
        "c0_value": "2",
        "c0_window_days": "7",
        "c1_condition_type": "first_reaction",
        "c1_group": "1",
        "c2_condition_type": "streak_length",
        "c2_value": "3",
        "c2_group": "1",
        "translation_rows": "1",
        "t0_language": "es",
        "t0_name": "Hecha en el formulario",
        "max_claims": "5",
        "available_from": "2026-01-01T00:00",
    }
    response = await submit(client, "/admin/rewards/new", {**REWARD, **rows})
    assert response.status == 303, await response.text()
    reward = await _reward(client, "form-made")
    assert [(c["condition_type"], c["group"]) for c in reward["conditions"]] == [
        ("counter_in_window", 0),
        ("first_reaction", 1),
        ("streak_length", 1),
    ]
    assert (reward["max_claims"], reward["available_from"], reward["translations"]["es"]["name"]) == (
        5,
        "2026-01-01T00:00:00Z",
        "Hecha en el formulario",
    )


async def test_the_editor_spells_out_and_and_or(client):
    await _signed_in(client)
    rows = {
        "condition_rows": "2",
        "c0_condition_type": "first_reaction",
        "c0_group": "1",
        "c1_condition_type": "first_purchase",
        "c1_group": "1",
        "action": "add_condition",
    }
    text = await (await submit(client, "/admin/rewards/new", {**REWARD, **rows})).text()
    assert "group 1, any of" in text
    assert '<strong class="or">OR</strong>' in text


async def test_a_taken_slug_is_explained_next_to_the_slug(client):
    await create_reward(client, slug="form-made")
    await _signed_in(client)
    text = await (await submit(client, "/admin/rewards/new", REWARD)).text()
    assert 'id="error-slug"' in text
    assert "already exists" in text


async def test_editing_replaces_the_definition_and_keeps_the_slug(client):
    await create_reward(client, slug="form-made")
    await _signed_in(client)
    response = await submit(client, "/admin/rewards/form-made", {**REWARD, "slug": "another", "name": "Renamed"})
    assert response.headers["Location"] == "/admin/rewards/form-made?saved=1"
    assert (await _reward(client, "form-made"))["name"] == "Renamed"


async def test_deactivation_asks_first_then_deactivates(client):
    await create_reward(client, slug="form-made")
    await _signed_in(client)
    assert "Deactivate form-made?" in await page_text(client, "/admin/rewards/form-made/deactivate")
    assert (await _reward(client, "form-made"))["is_active"] is True
    response = await submit(client, "/admin/rewards/form-made/deactivate", {})
    assert response.status == 303
    assert (await _reward(client, "form-made"))["is_active"] is False


async def test_the_catalogue_filters_by_type_and_searches_by_slug_or_name(client):
    await create_reward(client, slug="coins", name="Some coins")
    await create_reward(
        client, slug="medal", name="A medal", reward_type="badge", reward_value={"badge_name": "Medal", "emoji": "🏅"}
    )
    await _signed_in(client)
    badges = await page_text(client, "/admin/rewards?type=badge")
    assert "/admin/rewards/medal" in badges
    assert "/admin/rewards/coins" not in badges
    found = await page_text(client, "/admin/rewards?q=some")
    assert "/admin/rewards/coins" in found
    assert "/admin/rewards/medal" not in found


async def test_the_user_page_shows_rewards_grants_and_revocation_needs_a_reason(client):
    grant = await claimed_grant(client, 7, "first-love")
    await _signed_in(client)
    text = await page_text(client, "/admin/users/7")
    assert "first-love" in text
    assert grant["grant_id"] in text
    assert "reactions_count" in text
    revoke_path = f"/admin/users/7/grants/{grant['grant_id']}/revoke"
    assert (await submit(client, revoke_path, {"reason": ""})).status == 422
    response = await submit(client, revoke_path, {"reason": "A refund"})
    assert response.headers["Location"] == f"/admin/users/7?revoked={grant['grant_id']}"
    text = await page_text(client, "/admin/users/7")
    assert "reversal (A refund)" in text


async def test_a_grant_of_another_user_cannot_be_revoked_from_this_users_page(client):
    grant = await claimed_grant(client, 7, "first-love")
    await _signed_in(client)
    await page_text(client, f"/admin/users/8/grants/{grant['grant_id']}/revoke", status=404)


async def test_the_header_looks_a_user_up_by_id(client):
    await _signed_in(client)
    response = await client.get("/admin/users?user_id=12", allow_redirects=False)
    assert response.headers["Location"] == "/admin/users/12"
    assert "whole number" in await page_text(client, "/admin/users?user_id=abc", status=400)


async def _users_with_facts(client: Any) -> None:
    for user_id in (1, 2):
        await send_event(client, user_id, f"reaction-{user_id}", "reaction")
    await send_event(client, 3, "points-3", "points", amount=5)


async def test_the_preview_counts_and_names_the_users_it_would_newly_unlock_for_and_saves_nothing(client):
    await _users_with_facts(client)
    await _signed_in(client)
    rows = {"condition_rows": "1", "c0_condition_type": "first_reaction", "action": "preview"}
    response = await submit(client, "/admin/rewards/new", {**REWARD, **rows})
    text = " ".join((await response.text()).split())
    assert "newly unlock for 2 of 3 users with facts: 1, 2." in text
    assert (await client.get("/v1/rewards/form-made", headers=ADMIN)).status == 404


async def test_the_preview_respects_the_season(client):
    await _users_with_facts(client)
    await _signed_in(client)
    rows = {
        "condition_rows": "1",
        "c0_condition_type": "first_reaction",
        "action": "preview",
        "available_until": "2020-01-01T00:00",
    }
    text = " ".join((await (await submit(client, "/admin/rewards/new", {**REWARD, **rows})).text()).split())
    assert "newly unlock for 0 of 3 users" in text


async def test_an_edit_keeps_each_conditions_sort_order(client):
    await create_reward(
        client,
        slug="form-made",
        conditions=[
            {"condition_type": "first_reaction", "sort_order": 7},
            {"condition_type": "first_purchase", "sort_order": -2},
        ],
    )
    await _signed_in(client)
    shown = await page_text(client, "/admin/rewards/form-made")
    assert 'name="c0_sort_order" value="7"' in shown
    assert 'name="c1_sort_order" value="-2"' in shown
    rows = {
        "condition_rows": "2",
        "c0_condition_type": "first_reaction",
        "c0_sort_order": "7",
        "c1_condition_type": "first_purchase",
        "c1_sort_order": "-2",
    }
    assert (await submit(client, "/admin/rewards/form-made", {**REWARD, **rows})).status == 303
    assert [c["sort_order"] for c in (await _reward(client, "form-made"))["conditions"]] == [7, -2]
