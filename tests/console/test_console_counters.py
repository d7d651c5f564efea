"""The counters page: the declared counters and who reads them, declaring one, changing a counter's texts."""

import html

from tests.support.api import create_reward, declare_counter
from tests.support.console import page_text, sign_in, submit
from tests.support.environment import ADMIN

DECLARED = {"name": "messages", "kind": "count", "display_name": "Messages sent", "description": ""}


async def _counter(client, name: str) -> dict:
    response = await client.get(f"/v1/counters/{name}", headers=ADMIN)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_the_page_lists_each_counter_with_the_rewards_that_read_it(client):
    await declare_counter(client, "messages")
    await declare_counter(client, "polls")
    await create_reward(
        client, slug="chatty", conditions=[{"condition_type": "counter_at_least", "counter": "messages", "value": 3}]
    )
    assert (await sign_in(client)).status == 303
    text = await page_text(client, "/admin/counters")
    messages_row = text[text.index('href="/admin/counters/messages"') : text.index('href="/admin/counters/polls"')]
    assert 'href="/admin/rewards/chatty"' in messages_row
    assert "no reward" in text[text.index('href="/admin/counters/polls"') :]


async def test_a_counter_declared_in_the_form_is_what_the_api_answers(client):
    assert (await sign_in(client)).status == 303
    response = await submit(client, "/admin/counters", DECLARED)
    assert (response.status, response.headers["Location"]) == (303, "/admin/counters?saved=messages")
    counter = await _counter(client, "messages")
    assert (counter["kind"], counter["display_name"], counter["description"]) == ("count", "Messages sent", None)


async def test_a_refused_declaration_is_explained_next_to_its_box_and_keeps_what_was_typed(client):
    await declare_counter(client, "messages")
    assert (await sign_in(client)).status == 303
    taken = await submit(client, "/admin/counters", DECLARED)
    assert taken.status == 409
    assert 'id="error-name"' in await taken.text()
    reserved = await submit(client, "/admin/counters", {**DECLARED, "name": "level", "kind": ""})
    text = html.unescape(await reserved.text())
    assert reserved.status == 422
    assert "built-in fact" in text
    assert 'id="error-kind"' in text
    assert 'value="Messages sent"' in text


async def test_renaming_changes_the_texts_and_translations_only(client):
    await declare_counter(client, "messages", display_name="Messages")
    assert (await sign_in(client)).status == 303
    form = {
        "display_name": "Messages sent",
        "description": "In the group",
        "translation_rows": "1",
        "t0_language": "es",
        "t0_display_name": "Mensajes",
        "t0_description": "",
        "action": "save",
    }
    response = await submit(client, "/admin/counters/messages", form)
    assert response.headers["Location"] == "/admin/counters/messages?saved=1"
    counter = await _counter(client, "messages")
    assert (counter["name"], counter["kind"], counter["display_name"], counter["description"]) == (
        "messages",
        "count",
        "Messages sent",
        "In the group",
    )
    assert counter["translations"] == {"es": {"display_name": "Mensajes", "description": None}}


async def test_a_blank_display_name_is_refused_next_to_its_box_and_nothing_changes(client):
    await declare_counter(client, "messages", display_name="Messages")
    assert (await sign_in(client)).status == 303
    response = await submit(client, "/admin/counters/messages", {"display_name": " ", "action": "save"})
    assert response.status == 422
    assert 'id="error-display_name"' in await response.text()
    assert (await _counter(client, "messages"))["display_name"] == "Messages"


async def test_add_a_translation_sends_the_form_back_with_a_row_more(client):
    await declare_counter(client, "messages")
    assert (await sign_in(client)).status == 303
    response = await submit(client, "/admin/counters/messages", {"display_name": "M", "action": "add_translation"})
    assert 'name="t0_language"' in await response.text()


async def test_an_unknown_counter_is_a_404_page(client):
    assert (await sign_in(client)).status == 303
    await page_text(client, "/admin/counters/nothing", status=404)
