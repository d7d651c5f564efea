"""The activity feed the bot follows with a cursor."""

from aiohttp import web
from rewards_contract.feed import FeedPage, FeedQuery

from service.engine.feed_entries import cursor_of, seq_of
from service.operations.feed import entry_view, read_feed


async def read_feed_page(request: web.Request, query: FeedQuery) -> FeedPage:
    """Entries after the cursor, oldest first; `next` moves past every entry read, shown or filtered out."""
    run = await read_feed(seq_of(query.after), query.limit)
    wanted = query.type_set()
    return FeedPage.model_validate(
        {
            "entries": [entry_view(entry) for entry in run if wanted is None or entry["type"] in wanted],
            "next": cursor_of(run[-1]["seq"]) if run else query.after,
        }
    )
