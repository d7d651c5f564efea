"""The health page: webhook delivery as GET /v1/webhooks/status tells it, and the feed's newest entries."""

import re

from service.jobs.webhook_sender import Attempt, WebhookSender
from tests.support.api import create_reward, send_event
from tests.support.console import page_text, sign_in
from tests.support.environment import ADMIN
from tests.support.feed import relay_all
from tests.support.webhooks import SECRET


async def _failing_delivery(clock, error: str) -> None:
    async def refused(body: bytes, headers: dict[str, str]) -> Attempt:
        return Attempt(delivered=False, error=error)

    await WebhookSender(secret=SECRET, transport=refused, clock=clock, jitter=lambda: 0.5).step()


async def test_the_health_page_shows_the_backlog_the_last_error_and_the_next_attempt_as_the_api(client, clock):
    await create_reward(client, slug="hello", conditions=[{"condition_type": "first_reaction"}])
    await send_event(client, 5, "r-5", "reaction")
    await relay_all(clock)
    await _failing_delivery(clock, "HTTP 503 Service Unavailable")
    api = await (await client.get("/v1/webhooks/status", headers=ADMIN)).json()
    assert (await sign_in(client)).status == 303
    text = await page_text(client, "/admin/health")
    assert re.search(rf'id="webhook-backlog">{api["backlog"]} entries waiting', text)
    assert api["backlog"] >= 1
    assert "HTTP 503 Service Unavailable" in text
    next_attempt = re.search(r'id="webhook-next">([^<]*)<', text)
    assert api["next_attempt_at"] is not None
    assert next_attempt
    assert next_attempt[1].startswith(api["next_attempt_at"][:19].replace("T", " "))


async def test_the_health_page_lists_the_newest_feed_entries_first(client, clock):
    await create_reward(client, slug="hello", conditions=[{"condition_type": "first_reaction"}])
    for user_id in (5, 6):
        await send_event(client, user_id, f"r-{user_id}", "reaction")
    await relay_all(clock)
    assert (await sign_in(client)).status == 303
    text = await page_text(client, "/admin/health")
    assert text.index('href="/admin/users/6"') < text.index('href="/admin/users/5"')
    assert 'href="/admin/rewards/hello/funnel"' in text


async def test_an_empty_feed_and_no_webhook_are_said_in_words(client):
    assert (await sign_in(client)).status == 303
    text = await page_text(client, "/admin/health")
    assert "Webhooks are not configured on this instance" in text
    assert "The feed holds no entry" in text
