"""The request bodies the OpenAPI document shows with each route (`Route.examples`).

They tell one story, so that each can be sent as written, in this order: declare the counter
`messages_sent`, create the rewards (one reads that counter), then report events, set facts and
change what was created. The path parameters' own examples (user 123456789, the reward
`first-reaction`, the counter `messages_sent`) name the same things. A test sends every one.
"""

from service.http.wiring import Example

COUNTER = (
    Example(
        "count-counter",
        "A count counter: each event adds its amount",
        {
            "name": "messages_sent",
            "kind": "count",
            "display_name": "Messages sent",
            "description": "Messages the user sent in the group",
            "translations": {"es": {"display_name": "Mensajes enviados"}},
        },
    ),
)

COUNTER_PATCH = (
    Example(
        "rename",
        "New texts; the name and kind stay",
        {"display_name": "Messages in the group", "translations": {"es": {"display_name": "Mensajes en el grupo"}}},
    ),
)

_FIRST_REACTION = {
    "slug": "first-reaction",
    "name": "First reaction",
    "description": "React to any post in the channel",
    "translations": {"es": {"name": "Primera reacción", "description": "Reacciona a cualquier publicación del canal"}},
    "reward_type": "badge",
    "reward_value": {"badge_name": "Reactor", "emoji": "❤️"},
    "conditions": [{"condition_type": "first_reaction"}],
}

REWARD = (
    Example("badge", "A badge for the user's first reaction", _FIRST_REACTION),
    Example(
        "either-condition",
        "Repeatable besitos for a 7-day streak or 100 messages in 7 days (group 1: either one holds)",
        {
            "slug": "weekly-regular",
            "name": "Weekly regular",
            "reward_type": "besitos",
            "reward_value": {"amount": 50},
            "is_repeatable": True,
            "claim_window_hours": 48,
            "conditions": [
                {"condition_type": "streak_length", "value": 7, "group": 1},
                {
                    "condition_type": "counter_in_window",
                    "counter": "messages_sent",
                    "value": 100,
                    "window_days": 7,
                    "group": 1,
                },
            ],
        },
    ),
    Example(
        "limited-season",
        "A limited edition in a season: the first 100 users at level 10 get a VIP week",
        {
            "slug": "founders-vip-week",
            "name": "Founders' VIP week",
            "reward_type": "vip_extension",
            "reward_value": {"days": 7},
            "max_claims": 100,
            "available_from": "2026-06-01T00:00:00Z",
            "available_until": "2026-09-01T00:00:00Z",
            "conditions": [{"condition_type": "level_reached", "value": 10}],
        },
    ),
    Example(
        "awarded",
        "A prize: only a leaderboard's closing or a community goal gives it (its one condition is `awarded`)",
        {
            "slug": "community-hero",
            "name": "Community hero",
            "reward_type": "badge",
            "reward_value": {"badge_name": "Community hero", "emoji": "🦸"},
            "conditions": [{"condition_type": "awarded"}],
        },
    ),
)

REWARD_REPLACEMENT = (
    Example(
        "replace",
        "The whole definition again: a shorter claim window and another emoji (the slug is the path's)",
        {**_FIRST_REACTION, "reward_value": {"badge_name": "Reactor", "emoji": "🔥"}, "claim_window_hours": 72},
    ),
)

REWARD_PATCH = (
    Example("window", "Only the claim window and the display order", {"claim_window_hours": 24, "sort_order": 10}),
)

EVENT = (
    Example("reaction", "The user reacted to a post", {"event_id": "tg-update-80211", "type": "reaction"}),
    Example(
        "purchase",
        "The user spent 250 besitos in the shop",
        {"event_id": "order-5531", "type": "purchase", "amount": 250},
    ),
    Example("level", "The user reached level 7", {"event_id": "level-up-7", "type": "level", "value": 7}),
    Example(
        "counter",
        "One more message on the declared counter messages_sent",
        {"event_id": "msg-991204", "type": "counter", "counter": "messages_sent", "amount": 1},
    ),
)

FACTS = (
    Example(
        "import",
        "Bring a user's facts in line with the bot's own records (e.g. after importing users)",
        {"level": 12, "current_streak": 5, "total_points": 3400, "is_vip": True},
    ),
)

REVOKE = (
    Example(
        "refund", "Take back a grant whose purchase was refunded", {"reason": "Refunded: the purchase was charged back"}
    ),
)


LEADERBOARD = (
    Example(
        "weekly-points",
        "A weekly board of points earned, without prizes",
        {
            "slug": "weekly-points",
            "name": "Points of the week",
            "description": "Who earned the most points this week",
            "ranks": "total_points",
            "period": "weekly",
            "translations": {"es": {"name": "Puntos de la semana"}},
        },
    ),
    Example(
        "season",
        "One season of purchases, between two instants",
        {
            "slug": "summer-shoppers",
            "name": "Summer shoppers",
            "ranks": "purchases_count",
            "period": "season",
            "starts_at": "2026-06-21T00:00:00Z",
            "ends_at": "2026-09-23T00:00:00Z",
        },
    ),
)

LEADERBOARD_PATCH = (Example("rename", "A new name", {"name": "Top earners of the week"}),)

REMOVAL = (Example("cheater", "Take a user out of a run", {"user_id": 123456789, "reason": "scripted reactions"}),)


GOAL = (
    Example(
        "points-together",
        "Ten thousand points together in December; who added 10 gets the community-hero badge",
        {
            "slug": "ten-thousand-points",
            "name": "Ten thousand points together",
            "counts": "total_points",
            "target": 10000,
            "starts_at": "2026-12-01T00:00:00Z",
            "ends_at": "2027-01-01T00:00:00Z",
            "reward": "community-hero",
            "min_contribution": 10,
        },
    ),
)

GOAL_PATCH = (Example("rename", "A new name", {"name": "10 000 points before the new year"}),)
