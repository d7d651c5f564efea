"""The activity feed the bot follows with a cursor."""

from rewards_contract.feed import FeedPage, FeedQuery

from service.usecases import feed
from service.usecases.context import Context


async def read_feed_page(ctx: Context, query: FeedQuery) -> FeedPage:
    """Entries after the cursor, oldest first; `next` moves past every entry read, shown or filtered out."""
    return await feed.read_page(ctx, query)
