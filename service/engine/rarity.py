"""Reward rarity as every answer reads it: the stored figures as one immutable board (pure)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class RarityBoard:
    """The stored figures as one immutable snapshot; a slug it does not know (nobody unlocked it) has shares 0."""

    as_of: datetime
    shares: Mapping[str, tuple[float, float]] = field(default_factory=lambda: MappingProxyType({}))

    def for_slug(self, slug: str) -> dict[str, Any]:
        """The reward's rarity as plain values: `unlocked_share`, `claimed_share`, `as_of`."""
        unlocked, claimed = self.shares.get(slug, (0.0, 0.0))
        return {"unlocked_share": unlocked, "claimed_share": claimed, "as_of": self.as_of}
