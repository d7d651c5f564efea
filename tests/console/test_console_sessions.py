"""Console sessions: stored in MongoDB by their hashes, ended by signing out, timed out in code, CSRF bound to them.

Each finding of the console's security review is a test here: the cookies' key is the console's own
secret, not one derived from the admin token; a form token fetched anonymously does not pass with a
signed-in session; signing out ends the session, wherever its cookie is replayed.
"""

import asyncio
import hashlib
from dataclasses import replace
from typing import Any

from itsdangerous import Signer, TimestampSigner

from service.db import collections
from service.http.app import init_app
from service.http.console.security import PRE_SESSION_COOKIE, SESSION_COOKIE
from service.usecases.console_sessions import LAST_SEEN_STEP, load_console_secret
from service.usecases.runtime import Runtime
from tests.support.api import create_reward
from tests.support.console import csrf_token, form_token, page_text, session_cookie, sign_in, submit
from tests.support.driver_calls import count_driver_calls
from tests.support.environment import ADMIN, ADMIN_TOKEN
from tests.support.outage import database_away
from tests.support.stored import every_collection

SECRET = "a-console-secret-of-at-least-32-characters"
NEW_ADMIN_TOKEN = "a-new-admin-token-of-at-least-32-characters"
WRITES = {"insert_one", "update_one", "update_many", "delete_one", "delete_many", "find_one_and_update"}


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


async def signed_in(client: Any) -> str:
    """Sign the client in; the session cookie's value."""
    response = await sign_in(client)
    assert response.status == 303, await response.text()
    return session_cookie(response).value


async def opens_the_catalogue(client: Any, cookie: str) -> bool:
    """Whether this session cookie, presented by a browser that holds nothing else, opens the catalogue."""
    client.session.cookie_jar.clear()
    response = await client.get(
        "/admin/rewards", headers={"Cookie": f"{SESSION_COOKIE}={cookie}"}, allow_redirects=False
    )
    return response.status == 200


async def stored_sessions() -> list[dict[str, Any]]:
    return await collections.console_sessions().find({}).to_list(None)


async def is_active(client: Any, slug: str) -> bool:
    return (await (await client.get(f"/v1/rewards/{slug}", headers=ADMIN)).json())["is_active"]


# --- the cookies' key (finding 2) -----------------------------------------------------------------


async def test_a_sign_in_form_fetched_before_the_admin_token_changed_still_signs_in_with_the_new_one(
    aiohttp_client, settings
):
    """The cookies' key does not depend on the admin token, so no cookie can check a guess of it offline."""
    before = await aiohttp_client(init_app(replace(settings, console_secret=SECRET)))
    text = await page_text(before, "/admin/login")
    pre_session = before.session.cookie_jar.filter_cookies(before.make_url("/admin/login"))[PRE_SESSION_COOKIE]

    after = await aiohttp_client(init_app(replace(settings, console_secret=SECRET, admin_tokens=(NEW_ADMIN_TOKEN,))))
    response = await after.post(
        "/admin/login",
        data={"token": NEW_ADMIN_TOKEN, "csrf_token": form_token(text)},
        headers={"Cookie": f"{PRE_SESSION_COOKIE}={pre_session.value}"},
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()


async def test_an_anonymous_visitors_cookie_is_signed_with_the_console_secret(aiohttp_client, settings):
    client = await aiohttp_client(init_app(replace(settings, console_secret=SECRET)))
    cookie = (await client.get("/admin/login")).cookies[PRE_SESSION_COOKIE].value
    signer = TimestampSigner(SECRET, salt="rewards-console-pre-session", digest_method=hashlib.sha256)
    assert signer.validate(cookie)


async def test_without_a_console_secret_setting_one_is_generated_once_and_kept_in_the_database(client):
    [stored] = await collections.console_secret().find({}).to_list(None)
    cookie = await signed_in(client)
    assert len(stored["secret"]) >= 32
    assert Signer(stored["secret"], salt="rewards-console-session", digest_method=hashlib.sha256).validate(cookie)


async def test_instances_starting_together_get_one_console_secret(database, settings):
    secrets = await asyncio.gather(*(load_console_secret(Runtime.of(settings)) for _ in range(5)))
    assert len(set(secrets)) == 1
    assert await collections.console_secret().count_documents({}) == 1


async def test_an_upsert_that_answers_no_document_is_tried_again(database, settings, monkeypatch):
    """A server racing a concurrent insert may answer an upsert with no document: the loader asks again."""
    real = collections.console_secret
    answered: list[object] = []

    class MidRace:
        def __getattr__(self, name: str) -> Any:
            return getattr(real(), name)

        async def find_one_and_update(self, *args: Any, **kwargs: Any) -> Any:
            stored = await real().find_one_and_update(*args, **kwargs)
            answered.append(stored)
            return None if len(answered) == 1 else stored

    monkeypatch.setattr(collections, "console_secret", MidRace)
    secret = await load_console_secret(Runtime.of(settings))
    assert len(answered) == 2
    stored = await real().find_one({})
    assert stored is not None
    assert secret == stored["secret"]


async def test_a_console_secret_setting_is_used_and_nothing_is_stored(database, settings):
    assert await load_console_secret(Runtime.of(replace(settings, console_secret=SECRET))) == SECRET
    assert await collections.console_secret().count_documents({}) == 0


async def test_a_session_opened_on_one_instance_opens_pages_on_another(aiohttp_client, settings, clock):
    # Configured alike, as the instances of one deployment are (on mongomock each app has its own database).
    settings = replace(settings, console_secret=SECRET)
    first = await aiohttp_client(init_app(settings, clock=clock))
    second = await aiohttp_client(init_app(settings, clock=clock))
    cookie = await signed_in(first)
    assert await opens_the_catalogue(second, cookie)


# --- what is stored -----------------------------------------------------------------------------


async def test_a_session_is_stored_by_the_hashes_of_its_id_and_csrf_token_only(client, clock):
    cookie = await signed_in(client)
    token = await csrf_token(client, "/admin/rewards")
    session_id = cookie.split(".")[0]  # the cookie holds `<session id>.<csrf token>.<signature>`
    [stored] = await stored_sessions()
    assert (stored["_id"], stored["csrf_hash"]) == (sha256(session_id), sha256(token))
    assert session_id not in str(stored)
    assert token not in str(stored)
    assert (stored["started_at"], stored["last_seen"]) == (clock(), clock())


async def test_every_sign_in_opens_a_new_session_and_ends_the_one_it_replaces(client):
    first = await signed_in(client)
    second = await submit(client, "/admin/rewards", {"token": ADMIN_TOKEN}, action="/admin/login")
    assert second.status == 303
    assert session_cookie(second).value != first
    assert len(await stored_sessions()) == 1
    assert not await opens_the_catalogue(client, first)


async def test_an_anonymous_visit_to_the_sign_in_page_writes_nothing(client, monkeypatch):
    before = await every_collection()
    calls = count_driver_calls(monkeypatch)
    with calls.record() as made:
        await page_text(client, "/admin/login")
        await page_text(client, "/admin/login")  # with the pre-session cookie the first visit set
    assert [call for call in made if call[1] in WRITES] == []
    assert await every_collection() == before


async def test_the_stylesheet_costs_no_database_call_and_sets_no_cookie(client, monkeypatch):
    await signed_in(client)
    calls = count_driver_calls(monkeypatch)
    with calls.record() as made:
        response = await client.get("/admin/static/console.css")
    assert (response.status, made, list(response.cookies)) == (200, [], [])


async def test_sessions_are_cleaned_up_by_a_ttl_index_on_their_end(client):
    indexes = await collections.console_sessions().index_information()
    assert list(indexes["expires_at_ttl"]["key"]) == [("expires_at", 1)]
    assert indexes["expires_at_ttl"]["expireAfterSeconds"] == 0


# --- CSRF bound to the session (finding 3) --------------------------------------------------------


async def test_a_form_token_fetched_anonymously_does_not_pass_with_a_signed_in_session(aiohttp_client, client):
    await create_reward(client, slug="busy-week")
    session = await signed_in(client)
    attacker = await aiohttp_client(client.server)
    anonymous = await attacker.get("/admin/login")
    token = form_token(await anonymous.text())
    pre_session = anonymous.cookies[PRE_SESSION_COOKIE].value

    client.session.cookie_jar.clear()
    response = await client.post(
        "/admin/rewards/busy-week/deactivate",
        data={"csrf_token": token},
        headers={"Cookie": f"{SESSION_COOKIE}={session}; {PRE_SESSION_COOKIE}={pre_session}"},
        allow_redirects=False,
    )
    assert response.status == 403
    assert await is_active(client, "busy-week")


async def test_a_form_token_of_another_session_is_refused_and_nothing_changes(aiohttp_client, client):
    await create_reward(client, slug="busy-week")
    await signed_in(client)
    other = await aiohttp_client(client.server)
    await signed_in(other)
    response = await client.post(
        "/admin/rewards/busy-week/deactivate",
        data={"csrf_token": await csrf_token(other, "/admin/rewards")},
        allow_redirects=False,
    )
    assert response.status == 403
    assert await is_active(client, "busy-week")


async def test_the_form_token_changes_at_every_sign_in(client):
    await signed_in(client)
    first = await csrf_token(client, "/admin/rewards")
    await submit(client, "/admin/rewards", {"token": ADMIN_TOKEN}, action="/admin/login")
    assert await csrf_token(client, "/admin/rewards") != first


async def test_the_sessions_own_form_token_deactivates(client):
    await create_reward(client, slug="busy-week")
    await signed_in(client)
    response = await submit(client, "/admin/rewards/busy-week/deactivate", {})
    assert response.status == 303
    assert not await is_active(client, "busy-week")


# --- signing out (finding 4) ----------------------------------------------------------------------


async def test_after_signing_out_the_old_session_cookie_opens_nothing(client):
    cookie = await signed_in(client)
    response = await submit(client, "/admin/rewards", {}, action="/admin/logout")
    assert (response.status, response.headers["Location"]) == (303, "/admin/login")
    assert session_cookie(response).value == ""
    assert await stored_sessions() == []
    assert not await opens_the_catalogue(client, cookie)


async def test_signing_out_on_one_instance_ends_the_session_on_every_instance(aiohttp_client, settings, clock):
    settings = replace(settings, console_secret=SECRET)
    first = await aiohttp_client(init_app(settings, clock=clock))
    second = await aiohttp_client(init_app(settings, clock=clock))
    cookie = await signed_in(first)
    await submit(first, "/admin/rewards", {}, action="/admin/logout")
    assert not await opens_the_catalogue(second, cookie)


async def test_signing_out_everywhere_ends_every_session(aiohttp_client, client):
    mine = await signed_in(client)
    other = await aiohttp_client(client.server)
    theirs = await signed_in(other)
    response = await submit(client, "/admin/rewards", {}, action="/admin/logout/everywhere")
    assert (response.status, response.headers["Location"]) == (303, "/admin/login")
    assert await stored_sessions() == []
    assert not await opens_the_catalogue(other, theirs)
    assert not await opens_the_catalogue(client, mine)


async def test_signing_out_everywhere_needs_the_sessions_form_token(client):
    await signed_in(client)
    response = await client.post("/admin/logout/everywhere", allow_redirects=False)
    assert response.status == 403
    assert len(await stored_sessions()) == 1


async def test_the_answer_deletes_the_cookie_of_an_ended_session(client):
    cookie = await signed_in(client)
    await submit(client, "/admin/rewards", {}, action="/admin/logout")
    response = await client.get(
        "/admin/rewards", headers={"Cookie": f"{SESSION_COOKIE}={cookie}"}, allow_redirects=False
    )
    assert session_cookie(response).value == ""


async def test_a_database_away_keeps_the_session_and_its_cookie(client, monkeypatch):
    await signed_in(client)
    with database_away(monkeypatch):
        response = await client.get("/admin/rewards", allow_redirects=False)
    assert (response.status, session_cookie(response)) == (503, None)
    assert (await client.get("/admin/rewards", allow_redirects=False)).status == 200


# --- timeouts, on the runtime's clock --------------------------------------------------------------


async def test_a_session_idle_for_thirty_minutes_has_ended(client, clock):
    cookie = await signed_in(client)
    clock.advance(minutes=30)
    assert not await opens_the_catalogue(client, cookie)
    assert await stored_sessions() == []


async def test_a_session_in_use_outlives_its_idle_timeout(client, clock):
    cookie = await signed_in(client)
    for _ in range(15):  # an hour, a page every 4 minutes
        clock.advance(minutes=4)
        assert await opens_the_catalogue(client, cookie)


async def test_a_session_in_use_ends_twelve_hours_after_its_sign_in(client, clock):
    cookie = await signed_in(client)
    for _ in range(12 * 3 - 1):  # a page every 20 minutes, up to 11 h 40
        clock.advance(minutes=20)
        assert await opens_the_catalogue(client, cookie)
    clock.advance(minutes=20)
    assert not await opens_the_catalogue(client, cookie)


async def test_a_shorter_idle_timeout_is_followed(aiohttp_client, settings, clock):
    client = await aiohttp_client(init_app(replace(settings, admin_session_idle_minutes=2), clock=clock))
    cookie = await signed_in(client)
    clock.advance(minutes=1, seconds=59)
    assert await opens_the_catalogue(client, cookie)
    clock.advance(minutes=2)
    assert not await opens_the_catalogue(client, cookie)


async def test_last_seen_is_written_once_in_five_minutes_not_on_every_page(client, clock, monkeypatch):
    cookie = await signed_in(client)
    started = clock()
    calls = count_driver_calls(monkeypatch)
    with calls.record() as made:
        for _ in range(4):
            clock.advance(minutes=1)
            assert await opens_the_catalogue(client, cookie)
    assert [call for call in made if call[0] == "console_sessions" and call[1] in WRITES] == []
    assert LAST_SEEN_STEP.total_seconds() == 300
    with calls.record() as made:
        clock.advance(minutes=1)  # five minutes after the sign-in
        assert await opens_the_catalogue(client, cookie)
    assert [call for call in made if call[0] == "console_sessions" and call[1] in WRITES] == [
        ("console_sessions", "update_one")
    ]
    [stored] = await stored_sessions()
    assert (stored["started_at"], stored["last_seen"]) == (started, clock())
