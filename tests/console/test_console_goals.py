"""The community goals' pages: the list, declaring a goal, changing one, and a goal's progress drawn as an SVG bar."""

import html
import xml.etree.ElementTree as ElementTree
from datetime import timedelta
from typing import Any

import pytest

from service.db import collections
from service.http.console.chart import progress_bar, share_percent
from service.http.keys import RUNTIME
from service.usecases.goals import relay_goals
from tests.support.api import AWARDED, create_reward, declare_counter, goal_with_a_reward, send_event
from tests.support.console import page_text, sign_in, signed_in, submit
from tests.support.environment import ADMIN, BOT, BOT_TOKEN

XSS = "<script>alert(1)</script>"
MINUTE = "%Y-%m-%dT%H:%M"


def _new_goal(clock: Any) -> dict[str, str]:
    """The new goal form, filled: messages sent over the coming week, 500 of them, rewarding `team-spirit`."""
    return {
        "slug": "chatty-week",
        "name": "A chatty week",
        "description": "",
        "counts": "messages",
        "target": "500",
        "starts_at": clock().strftime(MINUTE),
        "ends_at": (clock() + timedelta(days=7)).strftime(MINUTE),
        "reward": "team-spirit",
        "min_contribution": "5",
        "is_active": "on",
        "translation_rows": "1",
        "t0_language": "es",
        "t0_name": "Una semana charlatana",
        "t0_description": "",
        "action": "save",
    }


def _edit(**fields: str) -> dict[str, str]:
    """The edit form of the goal `goal_with_a_reward` makes (`together`), as sent back with these boxes changed."""
    return {
        "name": "Together",
        "description": "",
        "is_active": "on",
        "translation_rows": "0",
        "action": "save",
        **fields,
    }


async def _goal(client: Any, slug: str = "together") -> dict[str, Any]:
    response = await client.get(f"/v1/goals/{slug}", headers=ADMIN)
    assert response.status == 200, await response.text()
    return await response.json()


async def _progressed(client: Any, clock: Any, *points: tuple[int, int]) -> dict[str, Any]:
    """The goal `together` (target 100, 10 to qualify), these users' points, and one pass of the goal relay."""
    await goal_with_a_reward(client, clock(), "together", "hero")
    for user_id, amount in points:
        await send_event(client, user_id, f"points-{user_id}", "points", amount=amount)
    await relay_goals(client.app[RUNTIME])
    return await _goal(client)


def _svg(text: str) -> ElementTree.Element:
    """The page's progress bar, parsed (it must be well-formed XML)."""
    return ElementTree.fromstring(text[text.index("<svg") : text.index("</svg>") + len("</svg>")])


def _by_id(svg: ElementTree.Element, element_id: str) -> ElementTree.Element:
    found = svg.find(f".//*[@id='{element_id}']")
    assert found is not None, element_id
    return found


def _rect(svg: ElementTree.Element, css_class: str) -> ElementTree.Element:
    [found] = [rect for rect in svg.iter("rect") if rect.get("class") == css_class]
    return found


# --- the bar's geometry ---


@pytest.mark.parametrize(
    ("total", "target", "shown"),
    [(45, 100, "45"), (0, 100, "0"), (2, 3, "66.6"), (999, 1000, "99.9"), (100, 100, "100"), (250, 100, "100")],
)
def test_the_share_is_rounded_down_to_a_tenth_so_100_means_reached(total, target, shown):
    assert share_percent(total, target) == shown


def test_the_filled_part_is_the_total_against_the_target_and_full_beyond_it():
    assert progress_bar(45, 100).filled == progress_bar(45, 100).width * 45 / 100
    assert progress_bar(0, 100).filled == 0
    assert progress_bar(250, 100).filled == progress_bar(250, 100).width


# --- the list ---


async def test_the_list_shows_each_goals_figures_window_reached_and_activity(client, clock):
    await _progressed(client, clock, (7, 30), (8, 15))
    await goal_with_a_reward(client, clock(), "asleep", "nap", target=40, is_active=False)
    await signed_in(client)
    text = await page_text(client, "/admin/goals")
    together = text[text.index('href="/admin/goals/together"') : text.index("</tr>", text.index("together"))]
    starts, ends = clock() - timedelta(days=1), clock() + timedelta(days=7)
    cells = ("Together", "total_points", "<td>100</td>", "45 (45%)", starts.strftime("%Y-%m-%d %H:%M"))
    assert all(cell in together for cell in cells), together
    assert ends.strftime("%Y-%m-%d %H:%M") in together
    assert "not yet" in together
    assert "<td>yes</td>" in together
    asleep = text[text.index('href="/admin/goals/asleep"') :]
    asleep = asleep[: asleep.index("</tr>")]
    assert all(cell in asleep for cell in ("<td>40</td>", "0 (0%)", "<td>no</td>")), asleep


async def test_the_list_links_to_a_new_goal_and_the_header_to_the_list(client):
    await signed_in(client)
    text = await page_text(client, "/admin/goals")
    assert 'href="/admin/goals/new"' in text
    assert '<a href="/admin/goals">Goals</a>' in text
    assert "No community goal is declared yet." in text


# --- declaring ---


async def test_the_new_goal_form_carries_its_csrf_token_and_names_what_a_goal_may_count(client):
    await signed_in(client)
    text = await page_text(client, "/admin/goals/new")
    assert 'name="csrf_token"' in text
    assert "total_points" in text
    for name in ("slug", "name", "description", "counts", "target", "starts_at", "ends_at", "reward"):
        assert f'name="{name}"' in text, name
    assert 'name="min_contribution"' in text
    assert 'name="is_active" value="on" checked' in text


async def test_a_goal_declared_in_the_form_is_what_the_api_answers(client, clock):
    await declare_counter(client, "messages")
    await create_reward(client, slug="team-spirit", conditions=AWARDED)
    await signed_in(client)
    form = _new_goal(clock)
    response = await submit(client, "/admin/goals/new", form)
    assert (response.status, response.headers["Location"]) == (303, "/admin/goals/chatty-week?saved=1")
    goal = await _goal(client, "chatty-week")
    fields = ("name", "description", "counts", "target", "reward", "min_contribution", "is_active")
    assert [goal[name] for name in fields] == ["A chatty week", None, "messages", 500, "team-spirit", 5, True]
    assert (goal["starts_at"], goal["ends_at"]) == (f"{form['starts_at']}:00Z", f"{form['ends_at']}:00Z")
    assert goal["translations"] == {"es": {"name": "Una semana charlatana", "description": None}}
    assert "Saved." in await page_text(client, response.headers["Location"])


async def test_a_blank_minimum_contribution_is_the_contracts_default_and_an_unticked_box_inactive(client, clock):
    await declare_counter(client, "messages")
    await create_reward(client, slug="team-spirit", conditions=AWARDED)
    await signed_in(client)
    form = {**_new_goal(clock), "min_contribution": "  "}
    del form["is_active"]  # an unticked box is not sent
    assert (await submit(client, "/admin/goals/new", form)).status == 303
    goal = await _goal(client, "chatty-week")
    assert (goal["min_contribution"], goal["is_active"]) == (1, False)


@pytest.mark.parametrize(
    ("fields", "status", "box"),
    [
        ({"counts": "nothing_declared"}, 422, "counts"),
        ({"counts": "mood"}, 422, "counts"),  # a value counter: set, not added
        ({"reward": "earned"}, 422, "reward"),  # a reward events could unlock
        ({"reward": "nowhere"}, 422, "reward"),
        ({"target": "0"}, 422, "target"),
        ({"target": "lots"}, 422, "target"),
        ({"min_contribution": "0"}, 422, "min_contribution"),
        ({"starts_at": ""}, 422, "starts_at"),
        ({"starts_at": "2026-12-08T00:00", "ends_at": "2026-12-01T00:00"}, 422, "ends_at"),
        ({"name": "  "}, 422, "name"),
        ({"slug": "Not A Slug"}, 422, "slug"),
        ({"slug": "taken"}, 409, "slug"),
        ({"t0_language": "not a language"}, 422, "t0_language"),
    ],
)
async def test_a_refused_goal_is_explained_next_to_its_box_keeps_what_was_typed_and_stores_nothing(
    client, clock, fields, status, box
):
    await declare_counter(client, "messages")
    await declare_counter(client, "mood", kind="value")
    await create_reward(client, slug="earned", conditions=[{"condition_type": "total_points", "value": 10}])
    await goal_with_a_reward(client, clock(), "taken", "team-spirit")
    await signed_in(client)
    response = await submit(client, "/admin/goals/new", {**_new_goal(clock), **fields})
    text = html.unescape(await response.text())
    assert response.status == status, text
    assert f'id="error-{box}"' in text
    assert 'value="Una semana charlatana"' in text
    assert await collections.goals().count_documents({}) == 1  # `taken` only


async def test_add_a_translation_sends_the_form_back_with_one_more_row_and_stores_nothing(client, clock):
    await signed_in(client)
    response = await submit(client, "/admin/goals/new", {**_new_goal(clock), "action": "add_translation"})
    text = await response.text()
    assert response.status == 200
    assert 'name="t1_language"' in text
    assert 'value="A chatty week"' in text
    assert await collections.goals().count_documents({}) == 0


async def test_remove_a_translation_drops_that_row_only(client, clock):
    await signed_in(client)
    rows = {"translation_rows": "2", "t1_language": "fr", "t1_name": "Une semaine bavarde", "t1_description": ""}
    response = await submit(client, "/admin/goals/new", {**_new_goal(clock), **rows, "action": "remove_translation:0"})
    text = await response.text()
    assert 'value="Une semaine bavarde"' in text
    assert 'value="Una semana charlatana"' not in text


# --- changing ---


async def test_the_edit_form_shows_what_never_changes_read_only(client, clock):
    goal = await goal_with_a_reward(client, clock(), "together", "hero")
    await signed_in(client)
    text = await page_text(client, "/admin/goals/together/edit")
    for name in ("slug", "counts", "target", "reward", "min_contribution"):
        assert f'name="{name}" type="text" value="{goal[name]}" readonly' in text, name
    for name in ("starts_at", "ends_at"):
        assert f'name="{name}" type="datetime-local" value="{goal[name][:19]}" readonly' in text, name


async def test_an_edit_changes_texts_translations_and_activity_and_nothing_else(client, clock):
    before = await goal_with_a_reward(client, clock(), "together", "hero")
    await signed_in(client)
    form = _edit(
        name="All together",
        description="Everyone's points count",
        translation_rows="1",
        t0_language="es",
        t0_name="Todos juntos",
        t0_description="",
        counts="besitos_spent",  # read-only: the stored goal decides
        target="1",
        reward="other",
        starts_at="2020-01-01T00:00",
    )
    del form["is_active"]  # an unticked box is not sent
    response = await submit(client, "/admin/goals/together/edit", form)
    assert (response.status, response.headers["Location"]) == (303, "/admin/goals/together?saved=1")
    goal = await _goal(client)
    assert (goal["name"], goal["description"], goal["is_active"]) == ("All together", "Everyone's points count", False)
    assert goal["translations"] == {"es": {"name": "Todos juntos", "description": None}}
    fixed = ("counts", "target", "reward", "min_contribution", "starts_at", "ends_at")
    assert [goal[name] for name in fixed] == [before[name] for name in fixed]


async def test_a_blank_description_clears_it(client, clock):
    await goal_with_a_reward(client, clock(), "together", "hero", description="Old words")
    await signed_in(client)
    assert (await submit(client, "/admin/goals/together/edit", _edit())).status == 303
    assert (await _goal(client))["description"] is None


@pytest.mark.parametrize(
    ("fields", "box"),
    [
        ({"name": ""}, "name"),
        (
            {"translation_rows": "1", "t0_language": "not a language", "t0_name": "x", "t0_description": ""},
            "t0_language",
        ),
        ({"translation_rows": "1", "t0_language": "es", "t0_name": "", "t0_description": "algo"}, "t0_name"),
    ],
)
async def test_a_refused_edit_names_its_box_and_changes_nothing(client, clock, fields, box):
    await goal_with_a_reward(client, clock(), "together", "hero")
    await signed_in(client)
    form = _edit(description="New words", counts="besitos_spent", **fields)
    response = await submit(client, "/admin/goals/together/edit", form)
    text = html.unescape(await response.text())
    assert response.status == 422, text
    assert f'id="error-{box}"' in text
    assert 'value="New words"' in text
    assert 'name="counts" type="text" value="total_points" readonly' in text  # the stored goal's, not the sent
    goal = await _goal(client)
    assert (goal["name"], goal["description"], goal["translations"]) == ("Together", None, {})


@pytest.mark.parametrize("path", ["/admin/goals/nowhere", "/admin/goals/nowhere/edit"])
async def test_an_unknown_goal_is_a_404_page(client, path):
    await signed_in(client)
    await page_text(client, path, status=404)


async def test_an_edit_of_an_unknown_goal_is_a_404_page_and_declares_nothing(client, clock):
    await goal_with_a_reward(client, clock(), "together", "hero")
    await signed_in(client)
    response = await submit(client, "/admin/goals/together/edit", _edit(), action="/admin/goals/nowhere/edit")
    assert response.status == 404
    assert await collections.goals().count_documents({}) == 1


# --- a goal's progress ---


async def test_the_goal_page_draws_the_total_against_the_target_with_its_figures(client, clock):
    await _progressed(client, clock, (7, 30), (8, 15))
    await signed_in(client)
    text = await page_text(client, "/admin/goals/together")
    svg = _svg(text)
    assert svg.get("role") == "img"
    title = _by_id(svg, "goal-progress-title").text or ""
    assert "45 of 100 (45%) from 2 contributors" in title
    assert "not reached yet" in title
    assert (_by_id(svg, "goal-total").text, _by_id(svg, "goal-share").text) == ("45 of 100", "45%")
    track, bar = _rect(svg, "track"), _rect(svg, "bar")
    assert float(bar.get("width", "")) / float(track.get("width", "")) == pytest.approx(0.45)
    assert "45 of 100 (45%) from 2 contributors; not reached yet." in text
    assert 'href="/admin/rewards/hero"' in text
    assert 'href="/admin/goals/together/edit"' in text


async def test_a_reached_goal_is_drawn_full_with_when_it_was_reached(client, clock):
    goal = await _progressed(client, clock, (7, 80), (8, 50), (9, 1))
    reached = goal["reached_at"]
    assert reached is not None
    await signed_in(client)
    svg = _svg(await page_text(client, "/admin/goals/together"))
    title = _by_id(svg, "goal-progress-title").text or ""
    assert "131 of 100 (100%) from 3 contributors" in title
    assert f"reached on {reached[:10]} {reached[11:16]} UTC" in title
    track, bar = _rect(svg, "track"), _rect(svg, "bar reached")
    assert float(bar.get("width", "")) == float(track.get("width", ""))


async def test_a_goal_nobody_added_to_is_an_empty_bar(client, clock):
    await goal_with_a_reward(client, clock(), "together", "hero")
    await signed_in(client)
    svg = _svg(await page_text(client, "/admin/goals/together"))
    assert "0 of 100 (0%) from 0 contributors" in (_by_id(svg, "goal-progress-title").text or "")
    assert float(_rect(svg, "bar").get("width", "")) == 0


# --- who may ---


def _posts(clock: Any) -> list[tuple[str, dict[str, str]]]:
    new = {**_new_goal(clock), "slug": "forged", "counts": "total_points", "reward": "hero"}
    return [("/admin/goals/new", new), ("/admin/goals/together/edit", _edit(name="Forged"))]


async def _unchanged(client: Any) -> None:
    listed = await (await client.get("/v1/goals", headers=ADMIN)).json()
    assert [goal["slug"] for goal in listed["goals"]] == ["together"]
    assert (await _goal(client))["name"] == "Together"


@pytest.mark.parametrize("which", [0, 1])
@pytest.mark.parametrize("token", [None, "forged.token"])
async def test_a_form_without_its_csrf_token_is_refused_and_nothing_changes(client, clock, which, token):
    await goal_with_a_reward(client, clock(), "together", "hero")
    await signed_in(client)
    await page_text(client, "/admin/goals/together/edit")  # the form was shown: the session's token exists
    path, fields = _posts(clock)[which]
    data = fields if token is None else {**fields, "csrf_token": token}
    response = await client.post(path, data=data, allow_redirects=False)
    assert response.status == 403
    await _unchanged(client)


@pytest.mark.parametrize("which", [0, 1])
async def test_the_same_forms_with_their_csrf_token_are_taken(client, clock, which):
    await goal_with_a_reward(client, clock(), "together", "hero")
    await signed_in(client)
    path, fields = _posts(clock)[which]
    response = await submit(client, path, fields)
    assert response.status == 303, await response.text()


async def test_the_bot_token_reaches_none_of_the_pages_or_forms(client, clock):
    await goal_with_a_reward(client, clock(), "together", "hero")
    assert (await sign_in(client, BOT_TOKEN)).status == 401
    for path in ("/admin/goals", "/admin/goals/new", "/admin/goals/together", "/admin/goals/together/edit"):
        response = await client.get(path, headers=BOT, allow_redirects=False)
        assert (response.status, response.headers["Location"]) == (303, "/admin/login"), path
    for path, fields in _posts(clock):
        response = await client.post(path, data=fields, headers=BOT, allow_redirects=False)
        assert response.status == 403, path
    await _unchanged(client)


# --- what every page promises ---


async def test_admin_text_is_escaped_on_the_goals_pages(client, clock):
    await goal_with_a_reward(
        client, clock(), "xss", "hero", name=XSS, description=XSS, translations={"es": {"name": XSS}}
    )
    await signed_in(client)
    for path in ("/admin/goals", "/admin/goals/xss", "/admin/goals/xss/edit"):
        text = await page_text(client, path)
        assert XSS not in text, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, path


@pytest.mark.parametrize(
    "path", ["/admin/goals", "/admin/goals/new", "/admin/goals/together", "/admin/goals/together/edit"]
)
async def test_the_goals_pages_carry_the_security_headers_and_no_inline_style_or_script(client, clock, path):
    await _progressed(client, clock, (8, 20))
    await signed_in(client)
    response = await client.get(path)
    text = await response.text()
    assert response.status == 200, text
    assert "script-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert "style=" not in text
    assert "<script" not in text
