"""How many grants wait for the bot to deliver them (the pending-grants gauge)."""

from documents import RewardGrant


async def count_pending_grants() -> int:
    """Grants claimed but not yet acknowledged (`delivered_at` unset)."""
    # No index leads with delivered_at (user_delivery starts with user_id), so this scans the
    # collection; fine while grants are few, an index on delivered_at once they are not.
    return await RewardGrant.get_motor_collection().count_documents({"delivered_at": None})
