"""A community goal's form: what the browser sends (strings) to what the contract validates, and back.

Like the leaderboards' form (`board_form.py`): a blank box means "not set"; translation rows are
added and removed by submit buttons that send the form back; a text that is no number is passed on
as typed, so the contract refuses it in its words; and each refusal, named as the API names its
field (`ends_at`, `translations.es.name`), is shown next to the box it came from.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rewards_contract.errors import GoalTaken, RewardsApiError
from rewards_contract.goals import GoalView

from service.http.console.forms import (
    MAX_ROWS,
    box_text,
    boxes_of,
    posted_rows,
    translation_box,
    translations_input,
    utc_moment,
    whole_number,
)

TEXT_FIELDS = ("slug", "name", "description", "counts", "target", "starts_at", "ends_at", "reward", "min_contribution")
# What never changes once a goal is declared: its edit form shows them read-only, from the stored goal.
FIXED_FIELDS = ("slug", "counts", "target", "starts_at", "ends_at", "reward", "min_contribution")
TRANSLATION_FIELDS = ("language", "name", "description")
_NUMBERS = ("target", "min_contribution")
_MOMENTS = ("starts_at", "ends_at")


@dataclass
class GoalForm:
    """What the form holds, as typed: simple boxes, the active flag and translation rows."""

    values: dict[str, str] = field(default_factory=dict)
    is_active: bool = True
    translations: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def posted(cls, form: Mapping[str, Any]) -> "GoalForm":
        text = {name: str(value) for name, value in form.items() if isinstance(value, str)}
        return cls(
            {name: text.get(name, "") for name in TEXT_FIELDS},
            "is_active" in text,
            posted_rows(text, "t", TRANSLATION_FIELDS, "translation_rows"),
        )

    @classmethod
    def of(cls, goal: GoalView) -> "GoalForm":
        """A stored goal as the form shows it."""
        return cls(
            {name: box_text(getattr(goal, name)) for name in TEXT_FIELDS},
            goal.is_active,
            [
                {"language": tag, "name": texts.name, "description": box_text(texts.description)}
                for tag, texts in goal.translations.items()
            ],
        )

    def fixed_as(self, stored: "GoalForm") -> "GoalForm":
        """This form with the stored goal's fixed boxes: an edit never changes them, whatever was sent."""
        self.values |= {name: stored.values[name] for name in FIXED_FIELDS}
        return self

    def with_rows(self, action: str) -> "GoalForm":
        """The form after the add-translation or a remove-translation button (no JavaScript: the page is sent again)."""
        verb, _, index = action.partition(":")
        if verb == "add_translation" and len(self.translations) < MAX_ROWS:
            self.translations.append(dict.fromkeys(TRANSLATION_FIELDS, ""))
        elif verb == "remove_translation" and index.isdigit() and int(index) < len(self.translations):
            del self.translations[int(index)]
        return self

    def definition_input(self) -> dict[str, Any]:
        """The form as GoalDefinition's input: blank boxes left out, so the contract's defaults apply."""
        data: dict[str, Any] = {name: value.strip() for name, value in self.values.items() if value.strip()}
        data |= {name: whole_number(data[name]) for name in _NUMBERS if name in data}
        data |= {name: utc_moment(data[name]) for name in _MOMENTS if name in data}
        return data | {"translations": translations_input(self.translations), "is_active": self.is_active}

    def patch_input(self) -> dict[str, Any]:
        """The form as GoalPatch's input: every changeable field; a blank description clears it (null)."""
        return {
            "name": self.values["name"].strip(),
            "description": self.values["description"].strip() or None,
            "translations": translations_input(self.translations),
            "is_active": self.is_active,
        }

    def _box(self, location: tuple[Any, ...], message: str) -> str:
        """The name of the box a refusal at this location (in the contract's input) belongs to."""
        if not location or location == ("",):
            return "form"
        if location[0] == "translations" and len(location) > 1:
            return translation_box(self.translations, location, TRANSLATION_FIELDS)
        return str(location[0])

    def refused(self, error: RewardsApiError) -> dict[str, str]:
        """Each refused box's message, by the box's name ("form" for what belongs to no single box)."""
        if isinstance(error, GoalTaken):
            return {"slug": error.message}
        return boxes_of(error, self._box)
