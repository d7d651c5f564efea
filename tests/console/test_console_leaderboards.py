"""The leaderboards' pages: the list, declaring a board, changing one, its current run, taking a user out of it."""

import html
import re
from datetime import timedelta
from typing import Any

import pytest

from service.db import collections
from tests.support.api import AWARDED, create_reward, declare_board, declare_counter, send_event
from tests.support.console import page_text, sign_in, submit
from tests.support.environment import ADMIN, BOT, BOT_TOKEN

XSS = "<script>alert(1)</script>"
# A row of the current run's standings: rank, user (linking to the user's page), score.
STANDING = re.compile(r'<tr><td>(\d+)</td><td><a href="/admin/users/(\d+)">\d+</a></td><td>(\d+)</td>')
NEW_BOARD = {
    "slug": "weekly-chatters",
    "name": "Chatters of the week",
    "description": "",
    "ranks": "messages",
    "period": "weekly",
    "starts_at": "",
    "ends_at": "",
    "is_active": "on",
    "prize_rows": "1",
    "p0_from_rank": "1",
    "p0_to_rank": "3",
    "p0_reward": "podium",
    "translation_rows": "1",
    "t0_language": "es",
    "t0_name": "Charlatanes de la semana",
    "t0_description": "",
    "action": "save",
}


async def _signed_in(client: Any) -> Any:
    assert (await sign_in(client)).status == 303
    return client


async def _board(client: Any, slug: str) -> dict[str, Any]:
    response = await client.get(f"/v1/leaderboards/{slug}", headers=ADMIN)
    assert response.status == 200, await response.text()
    return await response.json()


async def _top(client: Any, slug: str = "daily-points") -> list[tuple[int, int]]:
    response = await client.get(f"/v1/leaderboards/{slug}/top", headers=BOT)
    assert response.status == 200, await response.text()
    return [(entry["user_id"], entry["score"]) for entry in (await response.json())["entries"]]


async def _scored(client: Any, *scores: tuple[int, int]) -> dict[str, Any]:
    """A daily board of total_points, and these users' points in its current run."""
    board = await declare_board(client)
    for user_id, amount in scores:
        await send_event(client, user_id, f"points-{user_id}", "points", amount=amount)
    return board


def _edit(**fields: str) -> dict[str, str]:
    """The edit form of the board `declare_board` makes, as sent back with these boxes changed."""
    return {"name": "Daily Points", "description": "", "is_active": "on", "action": "save", **fields}


# --- the list ---


async def test_the_list_shows_each_boards_slug_name_ranks_period_current_run_and_activity(client, clock):
    await declare_board(client)
    await declare_board(client, "old-points", period="monthly", is_active=False)
    await _signed_in(client)
    text = await page_text(client, "/admin/leaderboards")
    daily = text[
        text.index('href="/admin/leaderboards/daily-points"') : text.index("</tr>", text.index("daily-points"))
    ]
    assert all(cell in daily for cell in ("Daily Points", "total_points", "daily", clock().date().isoformat(), "yes"))
    monthly = text[text.index('href="/admin/leaderboards/old-points"') :]
    assert "none open" in monthly[: monthly.index("</tr>")]


async def test_the_list_links_to_a_new_board_and_the_header_to_the_list(client):
    await _signed_in(client)
    text = await page_text(client, "/admin/leaderboards")
    assert 'href="/admin/leaderboards/new"' in text
    assert '<a href="/admin/leaderboards">Leaderboards</a>' in text


# --- declaring ---


async def test_the_new_board_form_offers_every_period_and_carries_its_csrf_token(client):
    await _signed_in(client)
    text = await page_text(client, "/admin/leaderboards/new")
    assert all(f'<option value="{period}"' in text for period in ("all_time", "daily", "weekly", "monthly", "season"))
    assert 'name="csrf_token"' in text
    assert "total_points" in text  # what a board may rank without a counter


async def test_a_board_declared_in_the_form_is_what_the_api_answers(client, clock):
    await declare_counter(client, "messages")
    await create_reward(client, slug="podium", conditions=AWARDED)
    await _signed_in(client)
    response = await submit(client, "/admin/leaderboards/new", NEW_BOARD)
    assert (response.status, response.headers["Location"]) == (303, "/admin/leaderboards/weekly-chatters?saved=1")
    board = await _board(client, "weekly-chatters")
    assert (board["name"], board["description"], board["ranks"], board["period"], board["is_active"]) == (
        "Chatters of the week",
        None,
        "messages",
        "weekly",
        True,
    )
    assert board["prizes"] == [{"from_rank": 1, "to_rank": 3, "reward": "podium"}]
    assert board["translations"] == {"es": {"name": "Charlatanes de la semana", "description": None}}


async def test_a_season_is_declared_with_its_utc_bounds(client, clock):
    await _signed_in(client)
    starts, ends = clock() - timedelta(days=1), clock() + timedelta(days=1)
    season = {
        **NEW_BOARD,
        "slug": "summer",
        "ranks": "total_points",
        "period": "season",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": ends.strftime("%Y-%m-%dT%H:%M"),
        "prize_rows": "0",
    }
    assert (await submit(client, "/admin/leaderboards/new", season)).status == 303
    board = await _board(client, "summer")
    assert (board["starts_at"], board["ends_at"]) == (
        starts.strftime("%Y-%m-%dT%H:%M:00Z"),
        ends.strftime("%Y-%m-%dT%H:%M:00Z"),
    )
    assert board["current_run"]["key"] == "season"


@pytest.mark.parametrize(
    ("fields", "status", "box"),
    [
        ({"ranks": "nothing_declared"}, 422, "ranks"),  # an unknown counter
        ({"ranks": "mood"}, 422, "ranks"),  # a value counter: set, not added
        ({"p0_reward": "earned"}, 422, "p0_reward"),  # a prize that events could unlock
        ({"p0_reward": "nowhere"}, 422, "p0_reward"),
        ({"p0_to_rank": "first"}, 422, "p0_to_rank"),
        ({"period": "season"}, 422, "starts_at"),
        ({"starts_at": "2026-12-01T00:00"}, 422, "starts_at"),  # a weekly board has no season bounds
        ({"period": "all_time"}, 422, "prizes"),
        ({"slug": "Not A Slug"}, 422, "slug"),
        ({"slug": "taken"}, 409, "slug"),
        ({"t0_language": "not a language"}, 422, "t0_language"),
    ],
)
async def test_a_refused_board_is_explained_next_to_its_box_keeps_what_was_typed_and_stores_nothing(
    client, fields, status, box
):
    await declare_counter(client, "messages")
    await declare_counter(client, "mood", kind="value")
    await create_reward(client, slug="podium", conditions=AWARDED)
    await create_reward(client, slug="earned", conditions=[{"condition_type": "total_points", "value": 10}])
    await declare_board(client, "taken")
    await _signed_in(client)
    response = await submit(client, "/admin/leaderboards/new", {**NEW_BOARD, **fields})
    text = html.unescape(await response.text())
    assert response.status == status, text
    assert f'id="error-{box}"' in text
    assert 'value="Chatters of the week"' in text
    assert await collections.leaderboards().count_documents({}) == 1  # `taken` only


async def test_add_a_prize_sends_the_form_back_with_one_more_row_and_stores_nothing(client):
    await _signed_in(client)
    response = await submit(client, "/admin/leaderboards/new", {**NEW_BOARD, "action": "add_prize"})
    text = await response.text()
    assert response.status == 200
    assert 'name="p1_reward"' in text
    assert 'value="podium"' in text
    assert await collections.leaderboards().count_documents({}) == 0


async def test_remove_a_prize_drops_that_row_only(client):
    await _signed_in(client)
    rows = {"prize_rows": "2", "p1_from_rank": "4", "p1_to_rank": "10", "p1_reward": "runner-up"}
    response = await submit(client, "/admin/leaderboards/new", {**NEW_BOARD, **rows, "action": "remove_prize:0"})
    text = await response.text()
    assert 'value="runner-up"' in text
    assert 'value="podium"' not in text


# --- changing ---


async def test_the_edit_form_shows_what_never_changes_read_only(client):
    await declare_board(client)
    await _signed_in(client)
    text = await page_text(client, "/admin/leaderboards/daily-points/edit")
    for name, value in (("slug", "daily-points"), ("ranks", "total_points"), ("period", "daily")):
        assert f'name="{name}" type="text" value="{value}" readonly' in text, name


async def test_an_edit_changes_texts_prizes_and_activity_and_never_what_the_board_ranks(client):
    await create_reward(client, slug="champion", conditions=AWARDED)
    await declare_board(client)
    await _signed_in(client)
    form = _edit(
        name="Points of the day",
        description="Who scored most today",
        is_active="",
        prize_rows="1",
        p0_from_rank="1",
        p0_to_rank="1",
        p0_reward="champion",
        ranks="besitos_spent",  # read-only: the stored board decides
        period="weekly",
    )
    del form["is_active"]  # an unticked box is not sent
    response = await submit(client, "/admin/leaderboards/daily-points/edit", form)
    assert (response.status, response.headers["Location"]) == (303, "/admin/leaderboards/daily-points?saved=1")
    board = await _board(client, "daily-points")
    assert (board["name"], board["description"], board["is_active"], board["ranks"], board["period"]) == (
        "Points of the day",
        "Who scored most today",
        False,
        "total_points",
        "daily",
    )
    assert board["prizes"] == [{"from_rank": 1, "to_rank": 1, "reward": "champion"}]


async def test_a_refused_edit_names_its_box_and_changes_nothing(client):
    await create_reward(client, slug="earned", conditions=[{"condition_type": "total_points", "value": 10}])
    await declare_board(client)
    await _signed_in(client)
    form = _edit(name="Renamed", prize_rows="1", p0_from_rank="1", p0_to_rank="1", p0_reward="earned")
    response = await submit(client, "/admin/leaderboards/daily-points/edit", form)
    text = html.unescape(await response.text())
    assert response.status == 422
    assert 'id="error-p0_reward"' in text
    assert "awarded" in text
    board = await _board(client, "daily-points")
    assert (board["name"], board["prizes"]) == ("Daily Points", [])


async def test_an_all_time_board_is_refused_prizes_next_to_the_prizes(client):
    await create_reward(client, slug="champion", conditions=AWARDED)
    await declare_board(client, "forever", period="all_time")
    await _signed_in(client)
    form = _edit(name="Forever", prize_rows="1", p0_from_rank="1", p0_to_rank="1", p0_reward="champion")
    response = await submit(client, "/admin/leaderboards/forever/edit", form)
    assert response.status == 422
    assert 'id="error-prizes"' in await response.text()
    assert (await _board(client, "forever"))["prizes"] == []


@pytest.mark.parametrize("path", ["/admin/leaderboards/nowhere", "/admin/leaderboards/nowhere/edit"])
async def test_an_unknown_board_is_a_404_page(client, path):
    await _signed_in(client)
    await page_text(client, path, status=404)


# --- the current run ---


async def test_the_board_page_shows_the_current_runs_best_with_links_to_their_users(client, clock):
    await _scored(client, (7, 30), (8, 90), (9, 60))
    await _signed_in(client)
    text = await page_text(client, "/admin/leaderboards/daily-points")
    assert f"Current run {clock().date().isoformat()}" in text
    assert STANDING.findall(text) == [("1", "8", "90"), ("2", "9", "60"), ("3", "7", "30")]
    assert 'action="/admin/leaderboards/daily-points/runs/' in text


async def test_taking_a_user_out_moves_the_others_up_and_lists_them_with_the_reason(client, clock):
    board = await _scored(client, (7, 30), (8, 90))
    await _signed_in(client)
    run = board["current_run"]["key"]
    removals = f"/admin/leaderboards/daily-points/runs/{run}/removals"
    response = await submit(
        client, "/admin/leaderboards/daily-points", {"user_id": "8", "reason": "Scripted points"}, action=removals
    )
    assert (response.status, response.headers["Location"]) == (
        303,
        f"/admin/leaderboards/daily-points?removed=8&run={run}",
    )
    assert await _top(client) == [(7, 30)]
    text = await page_text(client, response.headers["Location"])
    assert f"User 8 taken out of run {run}" in text
    removed = text[text.index('id="removed"') :]
    assert 'href="/admin/users/8"' in removed
    assert "Scripted points" in removed


@pytest.mark.parametrize(
    ("fields", "box"),
    [
        ({"user_id": "8", "reason": "  "}, "reason"),
        ({"user_id": "eight", "reason": "x"}, "user_id"),
        ({"user_id": "", "reason": "x"}, "user_id"),
    ],
)
async def test_a_refused_removal_names_its_box_keeps_what_was_typed_and_changes_nothing(client, fields, box):
    board = await _scored(client, (8, 90))
    await _signed_in(client)
    removals = f"/admin/leaderboards/daily-points/runs/{board['current_run']['key']}/removals"
    response = await submit(client, "/admin/leaderboards/daily-points", fields, action=removals)
    text = await response.text()
    assert response.status == 422
    assert f'id="error-{box}"' in text
    assert f'value="{fields["user_id"]}"' in text
    assert await _top(client) == [(8, 90)]


async def test_an_inactive_board_shows_no_run_and_no_removal_form(client):
    await declare_board(client, is_active=False)
    await _signed_in(client)
    text = await page_text(client, "/admin/leaderboards/daily-points")
    assert 'id="no-run"' in text
    assert 'id="remove"' not in text


# --- who may ---


def _posts(run: str) -> list[tuple[str, dict[str, str]]]:
    return [
        ("/admin/leaderboards/new", {**NEW_BOARD, "slug": "forged", "ranks": "total_points", "prize_rows": "0"}),
        ("/admin/leaderboards/daily-points/edit", _edit(name="Forged")),
        (f"/admin/leaderboards/daily-points/runs/{run}/removals", {"user_id": "8", "reason": "forged"}),
    ]


async def _unchanged(client: Any) -> None:
    assert [
        board["slug"] for board in (await (await client.get("/v1/leaderboards", headers=ADMIN)).json())["leaderboards"]
    ] == ["daily-points"]
    assert (await _board(client, "daily-points"))["name"] == "Daily Points"
    assert await _top(client) == [(8, 90)]


@pytest.mark.parametrize("which", [0, 1, 2])
@pytest.mark.parametrize("token", [None, "forged.token"])
async def test_a_form_without_its_csrf_token_is_refused_and_nothing_changes(client, which, token):
    board = await _scored(client, (8, 90))
    await _signed_in(client)
    await page_text(client, "/admin/leaderboards/daily-points")  # the page was shown: the session's token exists
    path, fields = _posts(board["current_run"]["key"])[which]
    data = fields if token is None else {**fields, "csrf_token": token}
    response = await client.post(path, data=data, allow_redirects=False)
    assert response.status == 403
    await _unchanged(client)


@pytest.mark.parametrize("which", [0, 1, 2])
async def test_the_same_forms_with_their_csrf_token_are_taken(client, which):
    board = await _scored(client, (8, 90))
    await _signed_in(client)
    path, fields = _posts(board["current_run"]["key"])[which]
    response = await submit(client, "/admin/leaderboards/daily-points", fields, action=path)
    assert response.status == 303, await response.text()


async def test_the_bot_token_reaches_none_of_the_pages_or_forms(client):
    board = await _scored(client, (8, 90))
    assert (await sign_in(client, BOT_TOKEN)).status == 401
    for path in ("/admin/leaderboards", "/admin/leaderboards/new", "/admin/leaderboards/daily-points"):
        response = await client.get(path, headers=BOT, allow_redirects=False)
        assert (response.status, response.headers["Location"]) == (303, "/admin/login"), path
    for path, fields in _posts(board["current_run"]["key"]):
        response = await client.post(path, data=fields, headers=BOT, allow_redirects=False)
        assert response.status == 403, path
    await _unchanged(client)


# --- what every page promises ---


async def test_admin_text_is_escaped_on_the_leaderboards_pages(client):
    await declare_board(client, "xss", name=XSS, description=XSS, translations={"es": {"name": XSS}})
    await send_event(client, 8, "points-8", "points", amount=5)
    board = await _board(client, "xss")
    await _signed_in(client)
    removals = f"/admin/leaderboards/xss/runs/{board['current_run']['key']}/removals"
    assert (
        await submit(client, "/admin/leaderboards/xss", {"user_id": "8", "reason": XSS}, action=removals)
    ).status == 303
    for path in ("/admin/leaderboards", "/admin/leaderboards/xss", "/admin/leaderboards/xss/edit"):
        text = await page_text(client, path)
        assert XSS not in text, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, path


@pytest.mark.parametrize(
    "path",
    [
        "/admin/leaderboards",
        "/admin/leaderboards/new",
        "/admin/leaderboards/daily-points",
        "/admin/leaderboards/daily-points/edit",
    ],
)
async def test_the_leaderboards_pages_carry_the_security_headers_and_no_inline_style_or_script(client, path):
    await _scored(client, (8, 90))
    await _signed_in(client)
    response = await client.get(path)
    text = await response.text()
    assert response.status == 200, text
    assert "script-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert "style=" not in text
    assert "<script" not in text
