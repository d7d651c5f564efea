"""Enums stored as lowercase strings, so analysts read them as-is in MongoDB."""

from enum import StrEnum


class RewardType(StrEnum):
    """What a reward gives the user."""

    BESITOS = "besitos"
    CONTENT = "content"
    BADGE = "badge"
    VIP_EXTENSION = "vip_extension"

    def __str__(self) -> str:
        return self.value

    @property
    def display_name(self) -> str:
        return _REWARD_TYPE_DISPLAY[self][0]

    @property
    def emoji(self) -> str:
        return _REWARD_TYPE_DISPLAY[self][1]


_REWARD_TYPE_DISPLAY = {
    RewardType.BESITOS: ("Besitos", "💋"),
    RewardType.CONTENT: ("Content unlock", "🔓"),
    RewardType.BADGE: ("Badge", "🏅"),
    RewardType.VIP_EXTENSION: ("VIP extension", "👑"),
}


class GrantKind(StrEnum):
    """A ledger entry: a grant to apply, or the reversal of a revoked grant to take back."""

    GRANT = "grant"
    REVERSAL = "reversal"

    def __str__(self) -> str:
        return self.value


class RewardConditionType(StrEnum):
    """What a condition checks in the user's facts."""

    STREAK_LENGTH = "streak_length"
    TOTAL_POINTS = "total_points"
    LEVEL_REACHED = "level_reached"
    BESITOS_SPENT = "besitos_spent"
    FIRST_PURCHASE = "first_purchase"
    FIRST_DAILY_GIFT = "first_daily_gift"
    FIRST_REACTION = "first_reaction"
    NOT_VIP = "not_vip"
    NOT_CLAIMED_BEFORE = "not_claimed_before"

    def __str__(self) -> str:
        return self.value

    @property
    def is_threshold(self) -> bool:
        """Threshold conditions compare a number in the facts with `value`."""
        return self in THRESHOLD_CONDITIONS

    @property
    def display_name(self) -> str:
        return _CONDITION_DISPLAY[self][0]

    @property
    def emoji(self) -> str:
        return _CONDITION_DISPLAY[self][1]


THRESHOLD_CONDITIONS = frozenset(
    {
        RewardConditionType.STREAK_LENGTH,
        RewardConditionType.TOTAL_POINTS,
        RewardConditionType.LEVEL_REACHED,
        RewardConditionType.BESITOS_SPENT,
    }
)

_CONDITION_DISPLAY = {
    RewardConditionType.STREAK_LENGTH: ("Streak length", "🔥"),
    RewardConditionType.TOTAL_POINTS: ("Total points", "⭐"),
    RewardConditionType.LEVEL_REACHED: ("Level reached", "📈"),
    RewardConditionType.BESITOS_SPENT: ("Besitos spent", "🛍️"),
    RewardConditionType.FIRST_PURCHASE: ("First purchase", "🛒"),
    RewardConditionType.FIRST_DAILY_GIFT: ("First daily gift", "🎁"),
    RewardConditionType.FIRST_REACTION: ("First reaction", "❤️"),
    RewardConditionType.NOT_VIP: ("Not VIP", "🚪"),
    RewardConditionType.NOT_CLAIMED_BEFORE: ("Not claimed before", "🆕"),
}


class RewardStatus(StrEnum):
    """Where a (user, reward) pair is in the reward state machine."""

    LOCKED = "locked"
    UNLOCKED = "unlocked"
    CLAIMED = "claimed"
    EXPIRED = "expired"

    def __str__(self) -> str:
        return self.value

    @property
    def display_name(self) -> str:
        return _STATUS_DISPLAY[self][0]

    @property
    def emoji(self) -> str:
        return _STATUS_DISPLAY[self][1]


_STATUS_DISPLAY = {
    RewardStatus.LOCKED: ("Locked", "🔒"),
    RewardStatus.UNLOCKED: ("Unlocked", "🎉"),
    RewardStatus.CLAIMED: ("Claimed", "✅"),
    RewardStatus.EXPIRED: ("Expired", "⌛"),
}


class Availability(StrEnum):
    """Where now falls in a reward's season: before `available_from`, inside the window, or from `available_until` on."""

    UPCOMING = "upcoming"
    OPEN = "open"
    ENDED = "ended"

    def __str__(self) -> str:
        return self.value

    @property
    def display_name(self) -> str:
        return _AVAILABILITY_DISPLAY[self][0]

    @property
    def emoji(self) -> str:
        return _AVAILABILITY_DISPLAY[self][1]


_AVAILABILITY_DISPLAY = {
    Availability.UPCOMING: ("Coming soon", "📅"),
    Availability.OPEN: ("Available", "🟢"),
    Availability.ENDED: ("Season ended", "🏁"),
}
