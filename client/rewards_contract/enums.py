"""Enums stored as lowercase strings, so analysts read them as-is in MongoDB.

Each displayed enum also has an `emoji` and a display name per language of DISPLAY_LANGUAGES:
the answers carry them next to the codes, in the language the caller asked for.
"""

from enum import StrEnum

# The languages display names are written in. English is the one `display_name` answers.
DISPLAY_LANGUAGES = ("en", "es")


class _Displayed(StrEnum):
    """A stored code with an emoji and a display name per language (see `_DISPLAY` below)."""

    @property
    def display_name(self) -> str:
        return self.display_name_in("en")

    def display_name_in(self, language: str) -> str:
        """The display name in `language`, one of DISPLAY_LANGUAGES."""
        return _DISPLAY[self][1][language]

    @property
    def emoji(self) -> str:
        return _DISPLAY[self][0]


class RewardType(_Displayed):
    """What a reward gives the user."""

    BESITOS = "besitos"
    CONTENT = "content"
    BADGE = "badge"
    VIP_EXTENSION = "vip_extension"


class GrantKind(StrEnum):
    """A ledger entry: a grant to apply, or the reversal of a revoked grant to take back."""

    GRANT = "grant"
    REVERSAL = "reversal"


class RewardConditionType(_Displayed):
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
    # Rules admins write at run time: a counter (declared, or a built-in number), over all time or a window.
    COUNTER_AT_LEAST = "counter_at_least"
    COUNTER_IN_WINDOW = "counter_in_window"
    # Chains: another reward claimed at least once.
    REWARD_CLAIMED = "reward_claimed"
    # Given, never earned: a leaderboard's closing unlocks it for the ranks its prize names; no event does.
    AWARDED = "awarded"

    @property
    def is_threshold(self) -> bool:
        """Threshold conditions compare a built-in number in the facts with `value`."""
        return self in THRESHOLD_CONDITIONS


THRESHOLD_CONDITIONS = frozenset(
    {
        RewardConditionType.STREAK_LENGTH,
        RewardConditionType.TOTAL_POINTS,
        RewardConditionType.LEVEL_REACHED,
        RewardConditionType.BESITOS_SPENT,
    }
)


class CounterKind(StrEnum):
    """How a declared counter's events change it."""

    # Each event adds its `amount` (messages sent, polls answered).
    COUNT = "count"
    # Each event sets the user's current value, as a level does (a rank, a reputation).
    VALUE = "value"


class RewardStatus(_Displayed):
    """Where a (user, reward) pair is in the reward state machine."""

    LOCKED = "locked"
    UNLOCKED = "unlocked"
    CLAIMED = "claimed"
    EXPIRED = "expired"


class Availability(_Displayed):
    """Where now falls in a reward's season: before `available_from`, inside the window, or from `available_until` on."""

    UPCOMING = "upcoming"
    OPEN = "open"
    ENDED = "ended"


# Every displayed value: (emoji, {language: display name}). The Spanish names speak of "la
# recompensa" (feminine), as the bot's messages do.
_DISPLAY: dict[_Displayed, tuple[str, dict[str, str]]] = {
    RewardType.BESITOS: ("💋", {"en": "Besitos", "es": "Besitos"}),
    RewardType.CONTENT: ("🔓", {"en": "Content unlock", "es": "Contenido desbloqueado"}),
    RewardType.BADGE: ("🏅", {"en": "Badge", "es": "Insignia"}),
    RewardType.VIP_EXTENSION: ("👑", {"en": "VIP extension", "es": "Extensión VIP"}),
    RewardConditionType.STREAK_LENGTH: ("🔥", {"en": "Streak length", "es": "Racha"}),
    RewardConditionType.TOTAL_POINTS: ("⭐", {"en": "Total points", "es": "Puntos totales"}),
    RewardConditionType.LEVEL_REACHED: ("📈", {"en": "Level reached", "es": "Nivel alcanzado"}),
    RewardConditionType.BESITOS_SPENT: ("🛍️", {"en": "Besitos spent", "es": "Besitos gastados"}),
    RewardConditionType.FIRST_PURCHASE: ("🛒", {"en": "First purchase", "es": "Primera compra"}),
    RewardConditionType.FIRST_DAILY_GIFT: ("🎁", {"en": "First daily gift", "es": "Primer regalo diario"}),
    RewardConditionType.FIRST_REACTION: ("❤️", {"en": "First reaction", "es": "Primera reacción"}),
    RewardConditionType.NOT_VIP: ("🚪", {"en": "Not VIP", "es": "Sin VIP"}),
    RewardConditionType.NOT_CLAIMED_BEFORE: ("🆕", {"en": "Not claimed before", "es": "No reclamada antes"}),
    RewardConditionType.COUNTER_AT_LEAST: ("🔢", {"en": "Counter reached", "es": "Contador alcanzado"}),
    RewardConditionType.COUNTER_IN_WINDOW: ("📆", {"en": "Counted in a window", "es": "Contado en un periodo"}),
    RewardConditionType.REWARD_CLAIMED: ("🔗", {"en": "Reward claimed first", "es": "Recompensa reclamada antes"}),
    RewardConditionType.AWARDED: ("🏆", {"en": "Awarded by a leaderboard", "es": "Otorgada por una clasificación"}),
    RewardStatus.LOCKED: ("🔒", {"en": "Locked", "es": "Bloqueada"}),
    RewardStatus.UNLOCKED: ("🎉", {"en": "Unlocked", "es": "Desbloqueada"}),
    RewardStatus.CLAIMED: ("✅", {"en": "Claimed", "es": "Reclamada"}),
    RewardStatus.EXPIRED: ("⌛", {"en": "Expired", "es": "Caducada"}),
    Availability.UPCOMING: ("📅", {"en": "Coming soon", "es": "Próximamente"}),
    Availability.OPEN: ("🟢", {"en": "Available", "es": "Disponible"}),
    Availability.ENDED: ("🏁", {"en": "Season ended", "es": "Temporada terminada"}),
}
