"""Counters that admins declare at run time, and the bot reports with `counter` events.

A counter is a number per user that conditions read (`counter_at_least`, `counter_in_window`),
beside the built-in facts. Its name follows the slug rules and is never a built-in fact's or a
condition type's: a condition's `counter` names either without ambiguity.
"""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from rewards_contract.enums import CounterKind, RewardConditionType
from rewards_contract.errors import DetailType
from rewards_contract.facts import NEW_USER_FACTS
from rewards_contract.fields import field_refused
from rewards_contract.languages import TranslationsOf, _not_blank
from rewards_contract.rewards import CounterName

# More would be a schema, not a community's counters; each is a field of every user's facts document.
MAX_COUNTERS = 200
# Names a counter may not take: a condition's `counter` names a built-in fact by these.
RESERVED_NAMES = frozenset(NEW_USER_FACTS) | frozenset(RewardConditionType)

DisplayName = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_not_blank)]
CounterDescription = Annotated[str | None, Field(max_length=500)]


def _not_reserved(name: str) -> str:
    if name in RESERVED_NAMES:
        raise ValueError(f"{name!r} is a built-in fact or condition type; choose another name")
    return name


DeclaredCounterName = Annotated[CounterName, AfterValidator(_not_reserved)]


_DISPLAY_NAME = "The counter's name as people read it (progress lines show it)"
_DESCRIPTION = "What it counts, in a sentence; null when it has none"
_TRANSLATIONS = "The display name and description in other languages, keyed by BCP 47 tag"


class CounterTexts(BaseModel):
    """A counter's display name and description in one language."""

    model_config = ConfigDict(extra="forbid")

    display_name: DisplayName = Field(description=_DISPLAY_NAME)
    description: CounterDescription = Field(default=None, description=_DESCRIPTION)


CounterTranslations = TranslationsOf[CounterTexts]


class CounterDefinition(BaseModel):
    """Body of POST /v1/counters, and a seed file's `counters` entries."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "messages_sent",
                    "kind": "count",
                    "display_name": "Messages sent",
                    "description": "Messages the user sent in the group",
                }
            ],
        },
    )

    name: DeclaredCounterName = Field(description="The slug events and conditions name it by; never changes")
    kind: CounterKind = Field(description="count: each event adds its `amount`; value: each event sets the value")
    display_name: DisplayName = Field(description=_DISPLAY_NAME + ", in the default language")
    description: CounterDescription = Field(default=None, description=_DESCRIPTION)
    translations: CounterTranslations = Field(default_factory=dict, description=_TRANSLATIONS)


class CounterPatch(BaseModel):
    """Body of PATCH /v1/counters/{name}: the texts only (name and kind never change)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    display_name: DisplayName | SkipJsonSchema[None] = Field(default=None, description="The new display name")
    description: CounterDescription = Field(default=None, description="The new description; null removes it")
    translations: CounterTranslations | SkipJsonSchema[None] = Field(
        default=None, description=_TRANSLATIONS + ", all of them (they replace the stored ones)"
    )

    @model_validator(mode="after")
    def _texts_sent(self) -> "CounterPatch":
        if not self.model_fields_set:
            raise field_refused("", DetailType.MISSING, "send at least one of display_name, description, translations")
        for name in ("display_name", "translations"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise field_refused(name, DetailType.NOT_ALLOWED, "cannot be null: leave it out to keep it")
        return self


class CounterView(CounterDefinition):
    """A declared counter as the API answers it."""

    model_config = ConfigDict(extra="ignore")

    used_by: list[str] = Field(description="Slugs of the rewards whose conditions read it")
    created_at: datetime = Field(description="When it was declared (UTC)")
    updated_at: datetime = Field(description="When its texts last changed (UTC)")


class CounterList(BaseModel):
    counters: list[CounterView] = Field(description="Every declared counter")
