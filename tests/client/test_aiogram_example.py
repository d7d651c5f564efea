"""The aiogram example (examples/aiogram_bot.py) runs: its handlers answer every button press sensibly.

The example is installed as its docstring says (`pip install ./client "aiogram==3.31.*"`) into an
environment of its own: aiogram pins an older pydantic than the service's. A driver in that
environment imports the file and calls its handlers with stand-in messages and button presses that
record what the bot answers, using a real client against the real service on a loopback socket
(in this process, so the test moves its clock and arranges races the way they happen). And the
file runs as a program: polling a stand-in Bot API server, it answers a /rewards message, a press and /top.
"""

import asyncio
import json
import signal
import textwrap
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from rewards_client import RewardsClient

from service.db import collections
from service.operations import edition_slots as editions
from tests.support.client_server import RunningService
from tests.support.client_venv import bot_process_env, client_venv
from tests.support.environment import BOT_TOKEN, FIRST_PASS_ONLY
from tests.support.factories import reward_payload
from tests.support.service_process import REPO, free_port
from tests.support.stored import stored_one

pytestmark = FIRST_PASS_ONLY

EXAMPLE = REPO / "examples" / "aiogram_bot.py"
AIOGRAM = "aiogram==3.31.*"
# Long enough for a loopback call and a cold import of aiogram on a busy machine.
ANSWER_TIMEOUT_SECONDS = 60
USER = 42
TOP_BOARD = "weekly-points"

# Reads one JSON command a line, calls the example's handler with stand-ins, prints what they answered.
DRIVER = textwrap.dedent(
    """
    import asyncio, importlib.util, json, sys
    from aiogram.types import User
    from rewards_client import RewardsClient

    spec = importlib.util.spec_from_file_location("aiogram_bot", sys.argv[1])
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)


    class Message:
        def __init__(self, user):
            self.from_user, self.answers = user, []

        async def answer(self, text, reply_markup=None, **options):
            rows = reply_markup.inline_keyboard if reply_markup is not None else []
            buttons = [[{"text": b.text, "data": b.callback_data} for b in row] for row in rows]
            self.answers.append({"text": text, "buttons": buttons})


    class CallbackQuery:
        def __init__(self, user, id, data):
            self.from_user, self.id, self.data, self.answers = user, id, data, []
            self.message = Message(user)  # the message whose button was pressed

        async def answer(self, text=None, show_alert=None, **options):
            self.answers.append({"text": text, "show_alert": bool(show_alert)})


    async def call(command):
        user = User(
            id=command["user_id"],
            is_bot=False,
            first_name=command["first_name"],
            language_code=command["language_code"],
        )
        handler = getattr(example, command["handler"])
        async with RewardsClient(command["url"], command["token"], budget=3, backoff=0) as rewards:
            if command["handler"] in ("show_rewards", "show_top"):
                event = Message(user)
            else:
                event = CallbackQuery(user, command["callback_id"], command["data"])
            # As aiogram's dispatcher does: the router's outer middleware, then the handler with the dispatcher's data.
            data = {"rewards": rewards, **command.get("dispatcher_data", {})}
            await example.remember_names(lambda event, data: handler(event, **data), event, data)
        return event.answers + (event.message.answers if isinstance(event, CallbackQuery) else [])


    for line in sys.stdin:
        print(json.dumps(asyncio.run(call(json.loads(line)))), flush=True)
    """
)


@pytest.fixture(scope="module")
def aiogram_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The client and aiogram, installed as the example's docstring says, and nothing of the server."""
    return client_venv(tmp_path_factory.mktemp("aiogram-venv"), AIOGRAM)


@dataclass
class Chat:
    """The example's handlers in their own process, and the user pressing its buttons."""

    process: asyncio.subprocess.Process
    url: str
    log: Path
    token: str = BOT_TOKEN
    user_id: int = USER
    first_name: str = "Ana"
    language_code: str | None = None

    async def _call(self, handler: str, **fields: Any) -> list[dict[str, Any]]:
        command = {
            "handler": handler,
            "url": self.url,
            "token": self.token,
            "user_id": self.user_id,
            "first_name": self.first_name,
            "language_code": self.language_code,
            **fields,
        }
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(json.dumps(command).encode() + b"\n")
        await self.process.stdin.drain()
        line = await asyncio.wait_for(self.process.stdout.readline(), ANSWER_TIMEOUT_SECONDS)
        assert line, f"the driver stopped:\n{self.log.read_text()}"
        return json.loads(line)

    async def rewards_command(self) -> dict[str, Any]:
        """/rewards: the one message the bot answers."""
        [answer] = await self._call("show_rewards")
        return answer

    async def top_command(self, board: str = TOP_BOARD) -> dict[str, Any]:
        """/top, with the bot's leaderboard set to `board`: the one message the bot answers."""
        [answer] = await self._call("show_top", dispatcher_data={"top_board": board})
        return answer

    async def heard_from(self, user_id: int, first_name: str) -> None:
        """Another user sends /rewards: the bot learns their name (and answers them, not read here)."""
        me = (self.user_id, self.first_name)
        self.user_id, self.first_name = user_id, first_name
        try:
            await self._call("show_rewards")
        finally:
            self.user_id, self.first_name = me

    async def press(self, data: str, press_id: str = "press-1") -> dict[str, Any]:
        """A claim button's press (`press_id`: Telegram's callback query id): the one answer the bot gives."""
        [answer] = await self._call("claim", data=data, callback_id=press_id)
        return answer

    async def more(self, data: str) -> dict[str, Any]:
        """A "More" button's press: the press is answered silently, and the next page is a new message."""
        [pressed, page] = await self._call("show_more", data=data, callback_id="press-more")
        assert pressed == {"text": None, "show_alert": False}
        return page


def claim_buttons(answer: dict[str, Any]) -> list[list[dict[str, Any]]]:
    return [row for row in answer["buttons"] if not row[0]["data"].startswith("more:")]


def more_button(answer: dict[str, Any]) -> str | None:
    """The "More" button's callback data, if the message has one."""
    return next((row[0]["data"] for row in answer["buttons"] if row[0]["data"].startswith("more:")), None)


@pytest.fixture
async def chat(aiogram_python: Path, service: RunningService, tmp_path: Path) -> AsyncIterator[Chat]:
    log = tmp_path / "bot.log"
    with log.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            aiogram_python,
            "-c",
            DRIVER,
            str(EXAMPLE),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            env=bot_process_env(),
            cwd=tmp_path,  # not the repository: nothing of it on sys.path
        )
    try:
        yield Chat(process, service.url, log)
    finally:
        assert process.stdin is not None
        process.stdin.close()
        await asyncio.wait_for(process.wait(), ANSWER_TIMEOUT_SECONDS)


async def _reaction_reward(admin: RewardsClient, slug: str = "first-reaction", **more: Any) -> None:
    await admin.create_reward(
        reward_payload(
            slug=slug,
            name="First reaction",
            conditions=[{"condition_type": "first_reaction"}],
            translations={"es": {"name": "Primera reacción"}},
            **more,
        )
    )


async def _react(bot: RewardsClient, user_id: int = USER) -> None:
    await bot.send_event(user_id, "reaction", event_id=f"reaction-{user_id}")


def test_the_examples_install_line_names_aiogram_as_this_test_installs_it():
    assert f'pip install ./client "{AIOGRAM}"' in EXAMPLE.read_text()


async def test_rewards_shows_what_can_be_claimed_first_with_a_button_each_then_more(chat, admin, bot):
    await _reaction_reward(admin)
    await admin.create_reward(
        reward_payload(
            slug="ten-points", name="Ten points", conditions=[{"condition_type": "total_points", "value": 10}]
        )
    )
    await _react(bot)
    await bot.send_event(USER, "points", event_id="points-1", amount=3)
    answer = await chat.rewards_command()
    assert answer["text"].splitlines() == [
        "1 to claim, 0 claimed, 1 to go",
        "🎉 First reaction: Unlocked [#######] 1/1",
    ]
    assert claim_buttons(answer) == [[{"text": "Claim First reaction", "data": "claim:first-reaction"}]]
    more = more_button(answer)
    assert more is not None
    rest = await chat.more(more)
    assert rest["text"].splitlines() == ["🔒 Ten points: Locked [##-----] 3/10"]
    assert rest["buttons"] == []  # nothing follows


async def test_more_pages_through_many_claimable_rewards_a_few_at_a_time(chat, admin, bot):
    for number in range(7):
        await _reaction_reward(admin, slug=f"reaction-{number}", sort_order=number)
    await _react(bot)
    first = await chat.rewards_command()
    assert len(claim_buttons(first)) == 5
    second = await chat.more(more_button(first) or "")
    assert [row[0]["data"] for row in claim_buttons(second)] == ["claim:reaction-5", "claim:reaction-6"]
    others = await chat.more(more_button(second) or "")
    assert others == {"text": "No more rewards.", "buttons": []}


async def test_a_more_button_the_bot_no_longer_knows_starts_again_from_the_first_page(chat, admin, bot):
    await _reaction_reward(admin)
    await _react(bot)
    again = await chat.more("more:forgotten")
    assert again["text"].splitlines()[0] == "1 to claim, 0 claimed, 0 to go"


async def test_rewards_speaks_the_users_telegram_language(chat, admin, bot):
    await _reaction_reward(admin)
    await _react(bot)
    chat.language_code = "es"
    answer = await chat.rewards_command()
    assert answer["text"].splitlines()[1] == "🎉 Primera reacción: Desbloqueada [#######] 1/1"
    assert claim_buttons(answer) == [[{"text": "Claim Primera reacción", "data": "claim:first-reaction"}]]


async def test_a_press_claims_once_and_thanks_by_the_rewards_name_in_the_users_language(chat, admin, bot):
    await _reaction_reward(admin)
    await _react(bot)
    chat.language_code = "es-419"  # Latin American Spanish: the Spanish name
    [[button]] = claim_buttons(await chat.rewards_command())
    thanks = {"text": "Thank you! Primera reacción is yours.", "show_alert": False}
    assert await chat.press(button["data"]) == thanks
    assert await chat.press(button["data"]) == thanks  # Telegram redelivered the same press: no second grant
    assert [g.reward for g in (await bot.pending_grants(USER)).grants] == ["first-reaction"]


async def test_a_users_tag_the_service_does_not_know_gets_the_default_texts(chat, admin, bot):
    await _reaction_reward(admin)
    await _react(bot)
    chat.language_code = "xx"
    assert (await chat.press("claim:first-reaction"))["text"] == "Thank you! First reaction is yours."


async def test_a_second_press_says_it_was_already_claimed(chat, admin, bot):
    await _reaction_reward(admin)
    await _react(bot)
    await chat.press("claim:first-reaction", press_id="press-1")
    answer = await chat.press("claim:first-reaction", press_id="press-2")
    assert answer == {"text": "You already claimed this one.", "show_alert": True}


async def test_a_reward_deactivated_after_the_list_was_drawn_is_no_longer_offered(chat, admin, bot):
    await _reaction_reward(admin)
    await _react(bot)
    [[button]] = claim_buttons(await chat.rewards_command())
    await admin.deactivate_reward("first-reaction")
    assert await chat.press(button["data"]) == {"text": "This reward is no longer offered.", "show_alert": True}


async def test_a_locked_rewards_button_says_to_keep_going(chat, admin):
    await _reaction_reward(admin)
    assert await chat.press("claim:first-reaction") == {"text": "Not unlocked yet: keep going!", "show_alert": True}


async def test_a_press_after_the_claim_window_closed_is_too_late(chat, admin, bot, service):
    await _reaction_reward(admin, claim_window_hours=1)
    await _react(bot)
    [[button]] = claim_buttons(await chat.rewards_command())
    service.clock.advance(hours=2)
    answer = await chat.press(button["data"])
    assert answer == {"text": "Too late: the claim window has closed.", "show_alert": True}


async def test_a_limited_edition_taken_by_others_is_sold_out(chat, admin, bot):
    await _reaction_reward(admin, max_claims=1)
    await _react(bot)
    await _react(bot, USER + 1)
    await bot.claim(USER + 1, "first-reaction")
    answer = await chat.press("claim:first-reaction")
    assert answer == {"text": "Sold out: every one of these has been claimed.", "show_alert": True}


async def test_a_press_racing_another_claim_of_the_reward_asks_to_press_again(chat, admin, bot, service):
    await _reaction_reward(admin, max_claims=10)
    await _react(bot)
    reward = await stored_one(collections.rewards(), {"slug": "first-reaction"}, {"_id": 1})
    assert await editions.hold_unlock(USER, reward["_id"], service.clock(), "another-press") is not None
    answer = await chat.press("claim:first-reaction")
    assert answer == {"text": "Busy right now. Please press the button again.", "show_alert": True}


UNAVAILABLE = "The rewards are unavailable right now. Please try again in a minute."


async def test_with_the_service_down_every_handler_says_to_try_again_later(chat, admin, bot):
    await _reaction_reward(admin)
    await _react(bot)
    chat.url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    assert await chat.rewards_command() == {"text": UNAVAILABLE, "buttons": []}
    assert await chat.press("claim:first-reaction") == {"text": UNAVAILABLE, "show_alert": True}
    assert await chat.top_command() == {"text": UNAVAILABLE, "buttons": []}


async def test_with_the_database_away_a_press_says_to_try_again_later(chat, admin, bot, service):
    await _reaction_reward(admin)
    await _react(bot)
    service.faults.spoil(
        "POST", f"/v1/users/{USER}/rewards/first-reaction/claim", "database_unavailable", times=3, retry_after="0"
    )
    assert await chat.press("claim:first-reaction") == {"text": UNAVAILABLE, "show_alert": True}


async def test_an_error_that_is_not_the_users_doing_is_apologised_for_and_logged(chat, admin, bot):
    await _reaction_reward(admin)
    await _react(bot)
    chat.token = "not-the-bot-token"
    answer = await chat.press("claim:first-reaction")
    assert answer == {"text": "Something went wrong on our side. Please try again later.", "show_alert": True}
    assert "claiming 'first-reaction' failed" in chat.log.read_text()
    assert "401 unauthorized" in chat.log.read_text()


# --- /top ---

WEEKLY_NAME = "Points of the week"
WEEKLY: dict[str, Any] = {
    "slug": TOP_BOARD,
    "name": WEEKLY_NAME,
    "ranks": "total_points",
    "period": "weekly",
    "translations": {"es": {"name": "Puntos de la semana"}},
}


async def _weekly_board(admin: RewardsClient, shown_as: str = WEEKLY_NAME, **fields: Any) -> str:
    """Declare the bot's leaderboard; answer the heading /top starts with: `shown_as`, and when the run ends."""
    board = await admin.declare_leaderboard({**WEEKLY, **fields})
    assert board.current_run is not None
    assert board.current_run.ends_at is not None
    return f"🏆 {shown_as}, until {board.current_run.ends_at:%Y-%m-%d %H:%M} UTC"


async def _points(bot: RewardsClient, user_id: int, amount: int) -> None:
    await bot.send_event(user_id, "points", event_id=f"points-{user_id}", amount=amount)


async def test_top_shows_the_ten_best_by_the_names_the_bot_knows_then_the_users_own_rank(chat, admin, bot):
    heading = await _weekly_board(admin)
    scores = {user_id: 10 * (user_id - 99) for user_id in range(100, 111)}  # eleven users, 10 to 110 points
    for user_id, amount in scores.items():
        await _points(bot, user_id, amount)
    await _points(bot, USER, 5)
    await chat.heard_from(110, "Bea")
    await chat.heard_from(108, "Carlos")
    answer = await chat.top_command()
    names = {110: "Bea", 108: "Carlos"}  # the others never wrote to the bot: their ids, never a mention
    best = sorted(scores, key=lambda user_id: scores[user_id], reverse=True)[:10]
    assert answer["text"].splitlines() == [
        heading,
        *(
            f"{rank}. {names.get(user_id, f'user {user_id}')}: {scores[user_id]}"
            for rank, user_id in enumerate(best, 1)
        ),
        "You: #12 with 5",
    ]
    assert answer["buttons"] == []


async def test_top_marks_the_user_among_the_best_and_reads_no_rank_for_them(chat, admin, bot, service):
    heading = await _weekly_board(admin)
    await _points(bot, USER + 1, 30)
    await _points(bot, USER, 20)
    answer = await chat.top_command()
    assert answer["text"].splitlines() == [heading, f"1. user {USER + 1}: 30", "2. Ana: 20 (you)"]
    assert service.faults.count("GET", f"/v1/leaderboards/{TOP_BOARD}/users/{USER}") == 0


async def test_top_tells_a_user_who_has_not_scored(chat, admin, bot):
    await _weekly_board(admin)
    await _points(bot, USER + 1, 30)
    assert (await chat.top_command())["text"].splitlines()[-1] == "You have not scored yet."


async def test_top_of_a_board_nobody_scored_in_speaks_the_users_language(chat, admin):
    heading = await _weekly_board(admin, shown_as="Puntos de la semana")
    chat.language_code = "es-419"  # no translation of its own: the Spanish one
    answer = await chat.top_command()
    assert answer["text"].splitlines() == [heading, "Nobody has scored yet: be the first!"]


async def test_a_long_name_is_cut_to_keep_a_line_per_user(chat, admin, bot):
    await _weekly_board(admin)
    await _points(bot, USER + 1, 30)
    long_name = "Maximiliana  Alejandra de los Ángeles"
    await chat.heard_from(USER + 1, long_name)
    first = (await chat.top_command())["text"].splitlines()[1]
    assert first == "1. Maximiliana Alejandra d…: 30"  # spaces collapsed, 23 characters kept, then an ellipsis


async def test_top_of_a_season_not_open_says_the_board_is_closed(chat, admin):
    starts = datetime(2999, 1, 1, tzinfo=UTC)
    await admin.declare_leaderboard(
        {**WEEKLY, "period": "season", "starts_at": starts, "ends_at": starts + timedelta(days=7)}
    )
    assert await chat.top_command() == {"text": "The leaderboard is closed right now.", "buttons": []}


async def test_top_of_a_board_that_does_not_exist_is_apologised_for_and_logged(chat):
    answer = await chat.top_command(board="no-such-board")
    assert answer == {"text": "Something went wrong on our side. Please try again later.", "buttons": []}
    assert "reading leaderboard 'no-such-board' failed" in chat.log.read_text()
    assert "404 leaderboard_not_found" in chat.log.read_text()


TELEGRAM_TOKEN = "123456:stand-in-telegram-token"
ANA = {"id": USER, "is_bot": False, "first_name": "Ana", "language_code": "es"}
CHAT = {"id": USER, "type": "private"}


@dataclass
class BotApi:
    """A stand-in Telegram Bot API server: hands out the updates it is given, records the bot's calls."""

    updates: asyncio.Queue[dict[str, Any]]
    calls: asyncio.Queue[tuple[str, dict[str, Any]]]

    async def handle(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        assert token == TELEGRAM_TOKEN, token
        fields = dict(await request.post())
        if method == "getUpdates":
            try:  # a long poll: wait a little for an update, else answer none
                return _ok([await asyncio.wait_for(self.updates.get(), 0.5)])
            except TimeoutError:
                return _ok([])
        await self.calls.put((method, fields))
        if method == "getMe":
            return _ok({"id": 1, "is_bot": True, "first_name": "Rewards", "username": "rewards_bot"})
        if method == "sendMessage":
            return _ok({"message_id": 2, "date": int(time.time()), "chat": CHAT, "text": fields["text"]})
        return _ok(True)

    async def next_call(self, method: str) -> dict[str, Any]:
        """The fields of the bot's next call of `method` (others before it are skipped)."""
        while True:
            called, fields = await asyncio.wait_for(self.calls.get(), ANSWER_TIMEOUT_SECONDS)
            if called == method:
                return fields


def _command(update_id: int, text: str) -> dict[str, Any]:
    """An update: Ana sends a command (`/rewards`) in her private chat with the bot."""
    message = {
        "message_id": update_id,
        "date": int(time.time()),
        "chat": CHAT,
        "from": ANA,
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
    }
    return {"update_id": update_id, "message": message}


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


@pytest.fixture
async def bot_api(aiohttp_server: Any) -> tuple[BotApi, str]:
    api = BotApi(asyncio.Queue(), asyncio.Queue())
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", api.handle)
    server = await aiohttp_server(app)
    return api, str(server.make_url("")).rstrip("/")


async def test_started_as_a_program_the_bot_answers_rewards_a_press_and_top(
    aiogram_python,
    bot_api,
    service,
    admin,
    bot,
    tmp_path,
):
    api, api_url = bot_api
    await _reaction_reward(admin)
    await _react(bot)
    heading = await _weekly_board(admin, shown_as="Puntos de la semana", slug="chat-week")
    await _points(bot, USER, 5)
    env = {
        **bot_process_env(),
        "REWARDS_URL": service.url,
        "REWARDS_BOT_TOKEN": BOT_TOKEN,
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_API_URL": api_url,
        "REWARDS_TOP_BOARD": "chat-week",
    }
    with (tmp_path / "bot.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            aiogram_python, EXAMPLE, env=env, cwd=tmp_path, stdout=log, stderr=log
        )
    try:
        await api.updates.put(_command(1, "/rewards"))
        listed = await api.next_call("sendMessage")
        await api.updates.put(
            {
                "update_id": 2,
                "callback_query": {"id": "press-1", "from": ANA, "chat_instance": "1", "data": "claim:first-reaction"},
            }
        )
        answered = await api.next_call("answerCallbackQuery")
        await api.updates.put(_command(3, "/top"))
        top = await api.next_call("sendMessage")
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)  # Ctrl-C: aiogram stops polling and main() returns
        exit_code = await asyncio.wait_for(process.wait(), ANSWER_TIMEOUT_SECONDS)
    assert listed["text"].splitlines() == [
        "1 to claim, 0 claimed, 0 to go",
        "🎉 Primera reacción: Desbloqueada [#######] 1/1",
    ]
    claim_row, more_row = json.loads(listed["reply_markup"])["inline_keyboard"]
    assert claim_row == [{"text": "Claim Primera reacción", "callback_data": "claim:first-reaction"}]
    assert more_row[0]["text"] == "More"
    assert (answered["callback_query_id"], answered["text"]) == ("press-1", "Thank you! Primera reacción is yours.")
    # The board REWARDS_TOP_BOARD names, in Ana's language; her name learnt from her updates by the bot.
    assert top["text"].splitlines() == [heading, "1. Ana: 5 (you)"]
    assert exit_code == 0, (tmp_path / "bot.log").read_text()
