"""A Telegram bot on aiogram 3: /rewards lists the user's rewards with progress, a button claims one.

Install and run it, from a checkout of the rewards-service repository, with the service running:

    pip install ./client "aiogram==3.31.*"
    export REWARDS_URL=http://127.0.0.1:8080 REWARDS_BOT_TOKEN=... TELEGRAM_BOT_TOKEN=...
    python examples/aiogram_bot.py

`TELEGRAM_API_URL` (optional) names a Bot API server of your own instead of Telegram's.

The handlers are plain functions of the message (or the button press) and the rewards client, so
they can be called without Telegram: tests/client/test_aiogram_example.py runs them against the
real service. Every error a button can meet gets a reply the user understands.
"""

import asyncio
import logging
import os

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, User
from rewards_client import (
    AlreadyClaimed,
    ClaimExpired,
    RaceLost,
    RewardLocked,
    RewardNotFound,
    RewardsApiError,
    RewardsClient,
    RewardSoldOut,
    ServiceUnavailable,
    progress_bar,
)
from rewards_contract.languages import canonical_language_tag

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


@router.message(Command("rewards"))
async def show_rewards(message: Message, rewards: RewardsClient) -> None:
    """The user's rewards, with a progress bar per condition and a button for each one to claim."""
    if message.from_user is None:  # a channel post: nobody to show rewards to
        return
    try:
        listed = await rewards.list_rewards(message.from_user.id, lang=language_of(message.from_user))
    except ServiceUnavailable:
        await message.answer(UNAVAILABLE)
        return
    except RewardsApiError:
        log.exception("listing rewards failed")
        await message.answer(BROKEN)
        return
    lines, buttons = [], []
    for reward in listed.rewards:
        bars = " ".join(progress_bar(p.current, p.target) for p in reward.progress)  # [###----] 3/7
        status = reward.status_display  # the status in the user's language, with its emoji
        lines.append(f"{status.emoji} {reward.name}: {status.display_name} {bars}".rstrip())
        if reward.status == "unlocked":
            buttons.append([InlineKeyboardButton(text=f"Claim {reward.name}", callback_data=f"{CLAIM}{reward.slug}")])
    await message.answer(
        "\n".join(lines) or "No rewards yet.", reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons)
    )


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


def telegram_session() -> AiohttpSession | None:
    """A session with the Bot API server TELEGRAM_API_URL names; None (Telegram's own) without it."""
    api = os.environ.get("TELEGRAM_API_URL")
    return AiohttpSession(api=TelegramAPIServer.from_base(api)) if api else None


async def main() -> None:
    """Poll Telegram until stopped (Ctrl-C); every handler gets the one rewards client as `rewards`."""
    logging.basicConfig(level=logging.INFO)
    async with (
        RewardsClient(os.environ["REWARDS_URL"], os.environ["REWARDS_BOT_TOKEN"], budget=10) as rewards,
        Bot(os.environ["TELEGRAM_BOT_TOKEN"], session=telegram_session()) as bot,
    ):
        dispatcher = Dispatcher(rewards=rewards)  # passed to every handler that takes `rewards`
        dispatcher.include_router(router)
        await dispatcher.start_polling(bot)


if __name__ == "__main__":
    asyncio.run(main())
