"""A leaderboard's form: what the browser sends (strings) to what the contract validates, and back.

Like the reward editor's form (`forms.py`): a blank box means "not set"; prize and translation rows
are added and removed by submit buttons that send the form back; a text that is no number is passed
on as typed, so the contract refuses it in its words; and each refusal, named as the API names its
field (`prizes[1].reward`, `ranks`), is shown next to the box it came from.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rewards_contract.errors import LeaderboardTaken, RewardsApiError
from rewards_contract.leaderboards import LeaderboardView

from service.http.console.forms import (
    MAX_ROWS,
    box_text,
    boxes_of,
    posted_rows,
    row_box,
    translation_box,
    translations_input,
    utc_moment,
    whole_number,
)

TEXT_FIELDS = ("slug", "name", "description", "ranks", "period", "starts_at", "ends_at")
# What never changes once a board is declared: its edit form shows them read-only, from the stored board.
FIXED_FIELDS = ("slug", "ranks", "period", "starts_at", "ends_at")
PRIZE_FIELDS = ("from_rank", "to_rank", "reward")
TRANSLATION_FIELDS = ("language", "name", "description")
# The rows' add and remove buttons (`add_prize`, `remove_translation:2`), by the word they carry.
_ROW_KINDS = {"prize": PRIZE_FIELDS, "translation": TRANSLATION_FIELDS}


def _filled(row: Mapping[str, str]) -> bool:
    return any(value.strip() for value in row.values())


@dataclass
class BoardForm:
    """What the form holds, as typed: simple boxes, the active flag, prize rows and translation rows."""

    values: dict[str, str] = field(default_factory=dict)
    is_active: bool = True
    prizes: list[dict[str, str]] = field(default_factory=list)
    translations: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def posted(cls, form: Mapping[str, Any]) -> "BoardForm":
        text = {name: str(value) for name, value in form.items() if isinstance(value, str)}
        return cls(
            {name: text.get(name, "") for name in TEXT_FIELDS},
            "is_active" in text,
            posted_rows(text, "p", PRIZE_FIELDS, "prize_rows"),
            posted_rows(text, "t", TRANSLATION_FIELDS, "translation_rows"),
        )

    @classmethod
    def of(cls, board: LeaderboardView) -> "BoardForm":
        """A stored board as the form shows it."""
        return cls(
            {name: box_text(getattr(board, name)) for name in TEXT_FIELDS},
            board.is_active,
            [{name: box_text(getattr(prize, name)) for name in PRIZE_FIELDS} for prize in board.prizes],
            [
                {"language": tag, "name": texts.name, "description": box_text(texts.description)}
                for tag, texts in board.translations.items()
            ],
        )

    def fixed_as(self, stored: "BoardForm") -> "BoardForm":
        """This form with the stored board's fixed boxes: an edit never changes them, whatever was sent."""
        self.values |= {name: stored.values[name] for name in FIXED_FIELDS}
        return self

    def rows(self, kind: str) -> list[dict[str, str]]:
        return self.prizes if kind == "prize" else self.translations

    def with_rows(self, action: str) -> "BoardForm":
        """The form after an add-row or remove-row button (no JavaScript: the page is sent again)."""
        verb, _, named = action.partition("_")
        kind, _, index = named.partition(":")
        if kind not in _ROW_KINDS:
            return self
        rows = self.rows(kind)
        if verb == "add" and len(rows) < MAX_ROWS:
            rows.append(dict.fromkeys(_ROW_KINDS[kind], ""))
        elif verb == "remove" and index.isdigit() and int(index) < len(rows):
            del rows[int(index)]
        return self

    def kept_prizes(self) -> list[int]:
        """The form indexes of the prize rows that are not blank (blank rows are ignored)."""
        return [i for i, row in enumerate(self.prizes) if _filled(row)]

    def _prizes_input(self) -> list[dict[str, Any]]:
        prizes = []
        for i in self.kept_prizes():
            row = {name: value.strip() for name, value in self.prizes[i].items() if value.strip()}
            prizes.append({name: whole_number(value) if name != "reward" else value for name, value in row.items()})
        return prizes

    def definition_input(self) -> dict[str, Any]:
        """The form as LeaderboardDefinition's input: blank boxes left out, so the contract's defaults apply."""
        data: dict[str, Any] = {name: value.strip() for name, value in self.values.items() if value.strip()}
        for name in ("starts_at", "ends_at"):
            if name in data:
                data[name] = utc_moment(data[name])
        return data | {
            "prizes": self._prizes_input(),
            "translations": translations_input(self.translations),
            "is_active": self.is_active,
        }

    def patch_input(self) -> dict[str, Any]:
        """The form as LeaderboardPatch's input: every changeable field; a blank description clears it (null)."""
        return {
            "name": self.values["name"].strip(),
            "description": self.values["description"].strip() or None,
            "translations": translations_input(self.translations),
            "prizes": self._prizes_input(),
            "is_active": self.is_active,
        }

    def _box(self, location: tuple[Any, ...], message: str) -> str:
        """The name of the box a refusal at this location (in the contract's input) belongs to."""
        if not location or location == ("",):
            return "form"
        head = location[0]
        if head == "prizes" and len(location) > 1 and isinstance(location[1], int):
            return row_box(location, self.kept_prizes(), "p")
        if head == "translations" and len(location) > 1:
            return translation_box(self.translations, location, TRANSLATION_FIELDS)
        return str(head)

    def refused(self, error: RewardsApiError) -> dict[str, str]:
        """Each refused box's message, by the box's name ("form" for what belongs to no single box)."""
        if isinstance(error, LeaderboardTaken):
            return {"slug": error.message}
        return boxes_of(error, self._box)
