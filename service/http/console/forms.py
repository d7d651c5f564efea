"""The reward editor's form: what the browser sends (strings) to what the contract validates, and back.

HTML forms send only strings, and a blank box means "not set". `definition_input` turns the form
into the plain values `RewardDefinition` reads (numbers where the text is one, UTC date-times,
the payload of the chosen type, condition and translation rows); a text that is no number is
passed on as typed, so the contract refuses it with its own message. `refused_boxes` maps each
refusal back to the box it came from, so the page shows it next to that box.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rewards_contract.enums import RewardType
from rewards_contract.errors import RewardsApiError, ValidationFailed

from documents import Reward

TEXT_FIELDS = (
    "slug",
    "name",
    "description",
    "reward_type",
    "claim_window_hours",
    "sort_order",
    "series",
    "tier",
    "max_claims",
    "hint",
    "available_from",
    "available_until",
)
FLAGS = ("is_active", "is_repeatable", "is_secret")
# Each reward type's payload fields, as the form names its boxes.
PAYLOAD_FIELDS: dict[RewardType, tuple[str, ...]] = {
    RewardType.BESITOS: ("amount",),
    RewardType.CONTENT: ("content_set_id",),
    RewardType.BADGE: ("badge_name", "emoji"),
    RewardType.VIP_EXTENSION: ("days",),
}
NUMBERS = frozenset(
    {
        "claim_window_hours",
        "sort_order",
        "tier",
        "max_claims",
        "amount",
        "content_set_id",
        "days",
        "value",
        "window_days",
        "group",
    }
)
CONDITION_FIELDS = ("condition_type", "counter", "value", "window_days", "reward", "group", "sort_order")
TRANSLATION_FIELDS = ("language", "name", "description", "hint")
MAX_ROWS = 50
_LOCAL_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?")
# A message that begins with a field's name belongs next to that field (the contract's model-wide checks).
_MESSAGE_SUBJECTS = {
    "available_from": "available_from",
    "available_until": "available_until",
    "series": "series",
    "a hint": "hint",
    "max_claims": "max_claims",
}


@dataclass
class RewardForm:
    """What the form holds, as typed: simple boxes, condition rows and translation rows."""

    values: dict[str, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=lambda: {"is_active"})
    conditions: list[dict[str, str]] = field(default_factory=list)
    translations: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def posted(cls, form: Mapping[str, Any]) -> "RewardForm":
        text = {name: str(value) for name, value in form.items() if isinstance(value, str)}
        values = {name: text.get(name, "") for name in TEXT_FIELDS}
        values |= {name: text.get(name, "") for names in PAYLOAD_FIELDS.values() for name in names}
        return cls(
            values,
            {name for name in FLAGS if name in text},
            posted_rows(text, "c", CONDITION_FIELDS, "condition_rows"),
            posted_rows(text, "t", TRANSLATION_FIELDS, "translation_rows"),
        )

    @classmethod
    def of(cls, reward: Reward) -> "RewardForm":
        """A stored reward as the form shows it."""
        values = {name: box_text(getattr(reward, name)) for name in TEXT_FIELDS}
        values |= {name: box_text(reward.reward_value.get(name)) for names in PAYLOAD_FIELDS.values() for name in names}
        conditions = [{name: box_text(getattr(c, name)) for name in CONDITION_FIELDS} for c in reward.conditions]
        translations = [
            {
                "language": tag,
                "name": texts.name,
                "description": box_text(texts.description),
                "hint": box_text(texts.hint),
            }
            for tag, texts in reward.translations.items()
        ]
        return cls(values, {name for name in FLAGS if getattr(reward, name)}, conditions, translations)

    def with_rows(self, action: str) -> "RewardForm":
        """The form after an add-row or remove-row button (no JavaScript: the page is sent again)."""
        kind, _, index = action.partition(":")
        if kind == "add_condition" and len(self.conditions) < MAX_ROWS:
            self.conditions.append(dict.fromkeys(CONDITION_FIELDS, ""))
        elif kind == "add_translation" and len(self.translations) < MAX_ROWS:
            self.translations.append(dict.fromkeys(TRANSLATION_FIELDS, ""))
        elif kind in ("remove_condition", "remove_translation") and index.isdigit():
            rows = self.conditions if kind == "remove_condition" else self.translations
            if int(index) < len(rows):
                del rows[int(index)]
        return self

    def kept_conditions(self) -> list[int]:
        """The form indexes of the condition rows that are not blank (blank rows are ignored)."""
        return [i for i, row in enumerate(self.conditions) if any(v.strip() for v in row.values())]

    def kept_translations(self) -> list[int]:
        return [i for i, row in enumerate(self.translations) if any(v.strip() for v in row.values())]


def posted_rows(text: Mapping[str, str], prefix: str, names: tuple[str, ...], count_field: str) -> list[dict[str, str]]:
    count = int(text[count_field]) if text.get(count_field, "").isdigit() else 0
    return [{name: text.get(f"{prefix}{i}_{name}", "") for name in names} for i in range(min(count, MAX_ROWS))]


def box_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    return str(value)


def whole_number(text: str) -> int | str:
    """A box's text as a whole number; as typed when it is none, so the contract refuses it in its words."""
    try:
        return int(text)
    except ValueError:
        return text


def utc_moment(text: str) -> str:
    """A date-time box's text (`2026-12-01T00:00`, the form's date-times are UTC) as the contract reads it."""
    if _LOCAL_DATE_TIME.fullmatch(text):
        return (text if text.count(":") == 2 else f"{text}:00") + "Z"
    return text


def _value(name: str, raw: str) -> Any:
    """One box's text as the contract reads it (None: left blank)."""
    text = raw.strip()
    if not text:
        return None
    if name in NUMBERS:
        return whole_number(text)
    if name in ("available_from", "available_until"):
        return utc_moment(text)
    return text


def _present(pairs: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in pairs.items() if value is not None}


def definition_input(form: RewardForm) -> dict[str, Any]:
    """The form as RewardDefinition's input: blank boxes left out, so the contract's defaults apply."""
    values = form.values
    data = _present({name: _value(name, values.get(name, "")) for name in TEXT_FIELDS})
    data |= {name: name in form.flags for name in FLAGS}
    try:
        payload_fields = PAYLOAD_FIELDS[RewardType(values.get("reward_type", ""))]
    except ValueError:
        payload_fields = ()
    data["reward_value"] = _present({name: _value(name, values.get(name, "")) for name in payload_fields})
    data["conditions"] = [
        _present({name: _value(name, form.conditions[i][name]) for name in CONDITION_FIELDS})
        for i in form.kept_conditions()
    ]
    data["translations"] = {
        form.translations[i]["language"].strip(): _present(
            {name: _value(name, form.translations[i][name]) for name in TRANSLATION_FIELDS if name != "language"}
        )
        for i in form.kept_translations()
    }
    return data


def _box(location: tuple[Any, ...], form: RewardForm, message: str) -> str:
    """The name of the form box a refusal at this location (in the contract's input) belongs to."""
    if not location:
        return next((box for start, box in _MESSAGE_SUBJECTS.items() if message.startswith(start)), "form")
    head = location[0]
    if head == "conditions" and len(location) > 1 and isinstance(location[1], int):
        return row_box(location, form.kept_conditions(), "c")
    if head == "translations" and len(location) > 1:
        return translation_box(form.translations, location, TRANSLATION_FIELDS)
    if head == "reward_value" and len(location) > 1:
        return str(location[1])  # the payload's boxes are named by its fields
    return str(head)


def row_box(location: tuple[Any, ...], kept: list[int], prefix: str) -> str:
    """The box of a refusal at `<rows>[i][.<field>]` (`c<row>_<field>`): the i-th row sent is the form's row
    `kept[i]`, blank rows being left out of what is sent."""
    row = kept[location[1]] if location[1] < len(kept) else 0
    return f"{prefix}{row}_{location[2]}" if len(location) > 2 else f"{prefix}{row}"


def translation_box(rows: list[dict[str, str]], location: tuple[Any, ...], fields: tuple[str, ...]) -> str:
    """The box of a refusal at `translations.<tag>[.<field>]`: in the row of that language (`t<row>_<field>`).

    Blank rows are left out of what is sent, so a refusal is never theirs.
    """
    sent = (
        i for i, r in enumerate(rows) if any(v.strip() for v in r.values()) and r["language"].strip() == location[1]
    )
    row = next(sent, 0)
    inner = location[2] if len(location) > 2 and location[2] in fields else "language"
    return f"t{row}_{inner}"


# One step of a field as the API names it: `conditions[2].value` is conditions, 2, value.
_STEP = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def location_of(field: str) -> tuple[Any, ...]:
    """A field as the API names it (`conditions[2].value`) as the steps into the input (conditions, 2, value)."""
    return tuple(int(index) if index else name for index, name in _STEP.findall(field))


def boxes_of(refused: RewardsApiError, box: Callable[[tuple[Any, ...], str], str]) -> dict[str, str]:
    """Each refused box's message, by the box's name that `box` gives a location and its message ("form" for
    what belongs to no single box).

    The contract's and the use cases' refusals both name fields as the API does (`conditions[2].value`,
    `prizes[0].reward`), in plain words: each goes next to its box.
    """
    found: dict[str, str] = {}
    for detail in refused.details if isinstance(refused.details, list) else []:
        message = str(detail.get("message") or refused.message)
        found.setdefault(box(location_of(str(detail.get("field", ""))), message), message)
    return found or {"form": refused.message}


def refused_boxes(refused: ValidationFailed | RewardsApiError, form: RewardForm) -> dict[str, str]:
    """Each refused box of the reward editor's form, with its message."""
    return boxes_of(refused, lambda location, message: _box(location, form, message))


def translations_input(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    """Translation rows as the contract reads them: by language, the boxes filled; blank rows left out."""
    return {
        row["language"].strip(): {
            name: value.strip() for name, value in row.items() if name != "language" and value.strip()
        }
        for row in rows
        if any(value.strip() for value in row.values())
    }


@dataclass(frozen=True)
class RuleGroup:
    """One group of the rule as the editor spells it out: group 0 needs all of its conditions, others any one."""

    group: str
    needs: str  # "all of" or "any of"
    conditions: list[str]


def rule_summary(form: RewardForm) -> list[RuleGroup]:
    """The condition rows as words, group by group (groups are joined by AND)."""
    groups: dict[str, list[str]] = {}
    for i in form.kept_conditions():
        row = form.conditions[i]
        words = " ".join(
            part
            for part in (
                row["condition_type"],
                row["counter"],
                f"≥ {row['value']}" if row["value"].strip() else "",
                f"in {row['window_days']} days" if row["window_days"].strip() else "",
                row["reward"],
            )
            if part.strip()
        )
        groups.setdefault(row["group"].strip() or "0", []).append(words)
    return [
        RuleGroup(group, "all of" if group == "0" else "any of", conditions)
        for group, conditions in sorted(groups.items(), key=lambda item: (item[0] != "0", item[0]))
    ]
