"""A Telegram bot on aiogram 3: /rewards shows what the user can claim first, a button claims one, "More" pages on;
/top shows a leaderboard's ten best and the user's own rank.

Install and run it, from a checkout of the rewards-service repository, with the service running:

    pip install ./client "aiogram==3.31.*"
    export REWARDS_URL=http://127.0.0.1:8080 REWARDS_BOT_TOKEN=... TELEGRAM_BOT_TOKEN=...
    python examples/aiogram_bot.py

`TELEGRAM_API_URL` (optional) names a Bot API server of your own instead of Telegram's, and
`REWARDS_TOP_BOARD` (optional) the leaderboard /top shows, by slug (`weekly-points` by default).

The handlers are plain functions of the message (or the button press) and the rewards client, so
they can be called without Telegram: tests/client/test_aiogram_example.py runs them against the
real service. Every error a button can meet gets a reply the user understands.
"""

import asyncio
import logging
import os
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import Command
from aiogram.types import (
    CallbackQuery,
    InaccessibleMessage,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    User,
)
from rewards_client import (
    AlreadyClaimed,
    ClaimExpired,
    RaceLost,
    RewardLocked,
    RewardNotFound,
    RewardsApiError,
    RewardsClient,
    RewardSoldOut,
    RunNotFound,
    ServiceUnavailable,
    progress_bar,
)
from rewards_contract.languages import canonical_language_tag
from rewards_contract.leaderboards import LeaderboardView, RunView

log = logging.getLogger("rewards_bot")
router = Router()

CLAIM = "claim:"  # callback data holds 64 bytes: slugs up to 58 characters fit after this prefix
UNAVAILABLE = "The rewards are unavailable right now. Please try again in a minute."
BROKEN = "Something went wrong on our side. Please try again later."
# What a press answers for each refusal the claim can meet: the first entry the error is an instance of.
CLAIM_REFUSALS: tuple[tuple[type[RewardsApiError], str], ...] = (
    (RewardNotFound, "This reward is no longer offered."),
    (RewardLocked, "Not unlocked yet: keep going!"),
    (AlreadyClaimed, "You already claimed this one."),
    (ClaimExpired, "Too late: the claim window has closed."),
    (RewardSoldOut, "Sold out: every one of these has been claimed."),
    (RaceLost, "Busy right now. Please press the button again."),
)


def language_of(user: User) -> str | None:
    """Telegram's `language_code` if it is a tag the service reads; otherwise the service's default texts."""
    if user.language_code is None:
        return None
    try:
        return canonical_language_tag(user.language_code)
    except ValueError:
        return None


# A page is a few rewards: a message stays short, and the service answers it at the same cost
# whatever the size of the catalogue.
PAGE_SIZE = 5
CLAIMABLE = ("unlocked",)
THE_OTHERS = ("locked", "claimed", "expired")
MORE = "more:"
# Where each "More" button goes on: a page cursor is too long for a button's 64 bytes of callback data,
# so the button holds a short token for it. Kept in memory, the latest ones only: a press after a
# restart, or on a very old message, starts again from the first page.
MORE_PAGES: OrderedDict[str, tuple[tuple[str, ...], str | None]] = OrderedDict()
KEPT = 10_000

Key = TypeVar("Key")
Value = TypeVar("Value")


def keep_latest(memory: OrderedDict[Key, Value], key: Key, value: Value) -> None:
    """Remember `value` under `key` as the latest, forgetting the oldest beyond KEPT: the bot's memory stays bounded."""
    memory[key] = value
    memory.move_to_end(key)
    while len(memory) > KEPT:
        memory.popitem(last=False)


def remember_next_page(statuses: tuple[str, ...], cursor: str | None) -> str:
    token = secrets.token_urlsafe(8)
    keep_latest(MORE_PAGES, token, (statuses, cursor))
    return token


async def rewards_page(
    rewards: RewardsClient, user: User, statuses: tuple[str, ...], cursor: str | None
) -> tuple[str, InlineKeyboardMarkup]:
    """One page of the user's rewards in these statuses: a line each with its progress bars, a button for
    each one to claim, and "More" while rewards follow (after the claimable ones, the others)."""
    page = await rewards.list_rewards(user.id, lang=language_of(user), status=statuses, limit=PAGE_SIZE, cursor=cursor)
    lines, buttons = [], []
    if statuses == CLAIMABLE and cursor is None:  # the first message: the whole list at a glance
        counts = page.counts
        lines.append(f"{counts.unlocked} to claim, {counts.claimed} claimed, {counts.locked} to go")
    for reward in page.rewards:
        bars = " ".join(progress_bar(p.current, p.target) for p in reward.progress)  # [###----] 3/7
        status = reward.status_display  # the status in the user's language, with its emoji
        lines.append(f"{status.emoji} {reward.name}: {status.display_name} {bars}".rstrip())
        if reward.status == "unlocked":
            buttons.append([InlineKeyboardButton(text=f"Claim {reward.name}", callback_data=f"{CLAIM}{reward.slug}")])
    following = (statuses, page.next_cursor) if page.next_cursor else (THE_OTHERS, None)
    if page.next_cursor or statuses == CLAIMABLE:
        token = remember_next_page(*following)
        buttons.append([InlineKeyboardButton(text="More", callback_data=f"{MORE}{token}")])
    return "\n".join(lines) or "No more rewards.", InlineKeyboardMarkup(inline_keyboard=buttons)


@router.message(Command("rewards"))
async def show_rewards(message: Message, rewards: RewardsClient) -> None:
    """What the user can claim now, with a button for each, and "More" for the rest."""
    if message.from_user is None:  # a channel post: nobody to show rewards to
        return
    try:
        text, buttons = await rewards_page(rewards, message.from_user, CLAIMABLE, None)
    except ServiceUnavailable:
        await message.answer(UNAVAILABLE)
        return
    except RewardsApiError:
        log.exception("listing rewards failed")
        await message.answer(BROKEN)
        return
    await message.answer(text, reply_markup=buttons)


@router.callback_query(F.data.startswith(MORE))
async def show_more(callback: CallbackQuery, rewards: RewardsClient) -> None:
    """The next page, as a new message under the one whose button was pressed."""
    statuses, cursor = MORE_PAGES.get((callback.data or "").removeprefix(MORE), (CLAIMABLE, None))
    if callback.message is None or isinstance(callback.message, InaccessibleMessage):  # too old to hand back
        await callback.answer("Send /rewards again.", show_alert=True)
        return
    try:
        text, buttons = await rewards_page(rewards, callback.from_user, statuses, cursor)
    except ServiceUnavailable:
        await callback.answer(UNAVAILABLE, show_alert=True)
        return
    except RewardsApiError:
        log.exception("listing more rewards failed")
        await callback.answer(BROKEN, show_alert=True)
        return
    await callback.answer()
    await callback.message.answer(text, reply_markup=buttons)


@router.callback_query(F.data.startswith(CLAIM))
async def claim(callback: CallbackQuery, rewards: RewardsClient) -> None:
    """Claim the pressed reward and thank the user by the reward's name, or say why it cannot be had."""
    slug = (callback.data or "").removeprefix(CLAIM)
    try:
        # The key comes from the button press, so a redelivered update cannot claim twice either.
        grant = await rewards.claim(
            callback.from_user.id, slug, idempotency_key=f"tg-{callback.id}", lang=language_of(callback.from_user)
        )
    except ServiceUnavailable:  # no answer in time, or the database is away; the press can be repeated
        await callback.answer(UNAVAILABLE, show_alert=True)
    except RewardsApiError as error:
        refusal = next((text for cls, text in CLAIM_REFUSALS if isinstance(error, cls)), None)
        if refusal is None:  # not the user's doing (a wrong token, a server error): the bot's operator must look
            log.exception("claiming %r failed", slug)
        await callback.answer(refusal or BROKEN, show_alert=True)
    else:
        # Deliver grant.reward_value in the bot (credit the besitos, open the content), then:
        # await rewards.ack_grant(grant.grant_id)
        await callback.answer(f"Thank you! {grant.name} is yours.")


# --- /top: a leaderboard ---------------------------------------------------------------------------

# The board /top shows, unless REWARDS_TOP_BOARD names another: a weekly board of total_points, say.
TOP_BOARD = "weekly-points"
# A heading, ten lines of at most about sixty characters and the user's rank: far below Telegram's 4096 a message.
TOP_SIZE = 10
# Telegram's first and last names hold up to 64 characters each: a longer name is cut, a line per user on a phone.
NAME_WIDTH = 24
# The service knows users by id only: names are the bot's. This one learns them from the updates it
# handles (every message and button press carries its sender), the latest ones, in memory; a real bot
# keeps them in its own users table. A user it has not heard from since it started shows as their id,
# in plain text: a mention link in a group would notify all ten users every time someone sends /top.
NAMES: OrderedDict[int, str] = OrderedDict()


async def remember_names(
    handler: Callable[[Any, dict[str, Any]], Awaitable[Any]], event: Message | CallbackQuery, data: dict[str, Any]
) -> Any:
    """Outer middleware: remember the name of who sent the message or pressed the button, then handle it."""
    if event.from_user is not None:
        keep_latest(NAMES, event.from_user.id, event.from_user.full_name)
    return await handler(event, data)


router.message.outer_middleware(remember_names)
router.callback_query.outer_middleware(remember_names)


def shown_name(user_id: int) -> str:
    """The user's name as the bot last saw it, on one line and cut to NAME_WIDTH; their id if the bot never saw it."""
    name = " ".join(NAMES.get(user_id, "").split())
    if not name:
        return f"user {user_id}"
    return name if len(name) <= NAME_WIDTH else name[: NAME_WIDTH - 1] + "…"


def board_name(board: LeaderboardView, lang: str | None) -> str:
    """The board's name in the user's language (`es-419`, else `es`) when it has a translation, else its own."""
    tags = [lang, lang.split("-")[0]] if lang else []
    return next((board.translations[tag].name for tag in tags if tag in board.translations), board.name)


def heading(board: LeaderboardView, run: RunView, lang: str | None) -> str:
    until = "" if run.ends_at is None else f", until {run.ends_at:%Y-%m-%d %H:%M} UTC"
    return f"🏆 {board_name(board, lang)}{until}"


async def top_text(rewards: RewardsClient, user: User, slug: str) -> str:
    """The board's current top ten with names, then the user's own rank when they are not among them."""
    board, top = await asyncio.gather(rewards.leaderboard(slug), rewards.top(slug, limit=TOP_SIZE))
    lines = [heading(board, top.run, language_of(user))]
    lines += [
        f"{entry.rank}. {shown_name(entry.user_id)}: {entry.score}" + (" (you)" if entry.user_id == user.id else "")
        for entry in top.entries
    ]
    if not top.entries:
        lines.append("Nobody has scored yet: be the first!")
    elif user.id not in {entry.user_id for entry in top.entries}:
        mine = await rewards.rank(slug, user.id, around=0)  # the user's own line, nobody around
        lines.append("You have not scored yet." if mine.rank is None else f"You: #{mine.rank} with {mine.score}")
    return "\n".join(lines)


@router.message(Command("top"))
async def show_top(message: Message, rewards: RewardsClient, top_board: str) -> None:
    """The current top ten of the bot's leaderboard, and where the user stands."""
    if message.from_user is None:
        return
    try:
        text = await top_text(rewards, message.from_user, top_board)
    except ServiceUnavailable:
        await message.answer(UNAVAILABLE)
        return
    except RunNotFound:  # a season not started yet, or over
        await message.answer("The leaderboard is closed right now.")
        return
    except RewardsApiError:  # LeaderboardNotFound: REWARDS_TOP_BOARD names no board; the operator must look
        log.exception("reading leaderboard %r failed", top_board)
        await message.answer(BROKEN)
        return
    await message.answer(text)


def telegram_session() -> AiohttpSession | None:
    """A session with the Bot API server TELEGRAM_API_URL names; None (Telegram's own) without it."""
    api = os.environ.get("TELEGRAM_API_URL")
    return AiohttpSession(api=TelegramAPIServer.from_base(api)) if api else None


async def main() -> None:
    """Poll Telegram until stopped (Ctrl-C); every handler gets the one rewards client as `rewards`, /top its board."""
    logging.basicConfig(level=logging.INFO)
    async with (
        RewardsClient(os.environ["REWARDS_URL"], os.environ["REWARDS_BOT_TOKEN"], budget=10) as rewards,
        Bot(os.environ["TELEGRAM_BOT_TOKEN"], session=telegram_session()) as bot,
    ):
        # Passed to every handler that takes them by name.
        dispatcher = Dispatcher(rewards=rewards, top_board=os.environ.get("REWARDS_TOP_BOARD", TOP_BOARD))
        dispatcher.include_router(router)
        await dispatcher.start_polling(bot)


if __name__ == "__main__":
    asyncio.run(main())
