"""The activity feed: the bot follows it with a cursor; the console shows its newest entries."""

from rewards_contract.feed import FeedEntryView, FeedPage, FeedQuery

from service.engine.feed_entries import cursor_of, seq_of
from service.operations import feed
from service.operations.feed import entry_view
from service.usecases.context import Context


async def read_page(ctx: Context, query: FeedQuery) -> FeedPage:
    """Entries after the cursor, oldest first; `next` moves past every entry read, shown or filtered out."""
    run = await feed.read_feed(seq_of(query.after), query.limit)
    wanted = query.type_set()
    return FeedPage.model_validate(
        {
            "entries": [entry_view(entry) for entry in run if wanted is None or entry["type"] in wanted],
            "next": cursor_of(run[-1]["seq"]) if run else query.after,
        }
    )


async def newest_entries(ctx: Context, limit: int) -> list[FeedEntryView]:
    """The feed's newest entries, newest first."""
    return [FeedEntryView.model_validate(entry_view(entry)) for entry in await feed.newest_entries(limit)]


async def user_latest_entries(ctx: Context, user_id: int, limit: int) -> list[FeedEntryView]:
    """One user's newest entries, newest first (the feed keeps its retention only)."""
    return [FeedEntryView.model_validate(entry_view(entry)) for entry in await feed.user_latest_entries(user_id, limit)]
