"""Languages: the BCP 47 tags translations are keyed by, and a reward's texts in one language.

Tags are checked against the IANA language subtag registry (through `langcodes`, which ships
it) and stored in their canonical form, so `ES-mx` and `es-MX` are one key and analysts see one
spelling.
"""

from typing import Annotated, TypeVar

import langcodes
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from rewards_contract.errors import DetailType
from rewards_contract.fields import refused

# A tag's length as the registry allows it in practice: language-extlang-script-region-variants.
MAX_TAG_LENGTH = 35


def canonical_language_tag(tag: str) -> str:
    """The registry's canonical spelling of a well-formed, known tag; ValueError otherwise.

    Refused too: `und` (undetermined), `mul`, `zxx` and private-use tags, which name no language
    a text can be written in.
    """
    try:
        language = langcodes.Language.get(tag, normalize=True)
    except (langcodes.tag_parser.LanguageTagError, ValueError):
        raise ValueError(f"{tag!r} is not a BCP 47 language tag (such as es, en or es-MX)") from None
    if not language.is_valid() or language.language in (None, "und", "mul", "zxx"):
        raise ValueError(f"{tag!r} is not a known BCP 47 language tag (such as es, en or es-MX)")
    return language.to_tag()


def _a_known_tag(tag: str) -> str:
    try:
        return canonical_language_tag(tag)
    except ValueError as error:  # well-formed (the pattern below), but not a language of the registry
        raise refused(DetailType.UNKNOWN_VALUE, str(error)) from None


TAG_PATTERN = r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$"

LanguageTag = Annotated[
    str,
    Field(
        min_length=2,
        max_length=MAX_TAG_LENGTH,
        # Well-formed as BCP 47 writes tags; the tag must also be in the IANA registry (checked below).
        pattern=TAG_PATTERN,
        description="A BCP 47 language tag registered with IANA (es, en, es-MX, ...), answered in its "
        "canonical spelling",
        examples=["es", "en", "es-MX"],
    ),
    AfterValidator(_a_known_tag),
]


def _not_blank(name: str) -> str:
    if not name.strip():
        raise ValueError("must not be blank")
    return name


# A reward's name and description, in its default texts and in every translation.
RewardName = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_not_blank)]
RewardDescription = Annotated[str | None, Field(max_length=1000)]


RewardHint = Annotated[str | None, Field(max_length=300)]


class RewardTexts(BaseModel):
    """A reward's name and description in one language (limits as for the default texts), and a secret reward's hint."""

    model_config = ConfigDict(extra="forbid")

    name: RewardName = Field(description="The reward's name in this language")
    description: RewardDescription = Field(default=None, description="Its description in this language")
    hint: RewardHint = Field(  # stored and answered only when given
        default=None, exclude_if=lambda hint: hint is None, description="A secret reward's hint in this language"
    )


# Translations per reward: more would be a catalogue, not a reward.
MAX_TRANSLATIONS = 50


def _one_key_per_language(translations: object) -> object:
    """Refuse two keys naming one language (`es` and `ES`): canonicalised, one text would be lost."""
    if isinstance(translations, dict):
        seen: dict[str, object] = {}
        for key in translations:
            try:
                canonical = canonical_language_tag(key) if isinstance(key, str) else key
            except ValueError:
                continue  # the key's own validation reports it
            if canonical in seen:
                raise ValueError(f"{seen[canonical]!r} and {key!r} name the same language ({canonical})")
            seen[canonical] = key
    return translations


class _KeysDescribedByPropertyNames:
    """Describe a dict's key rules as `propertyNames` and its values as `additionalProperties`.

    Pydantic describes a constrained key as `patternProperties`, which leaves keys off the pattern
    unconstrained (so the document would accept them) and trips request generators.
    """

    def __get_pydantic_json_schema__(self, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core_schema)
        by_pattern = schema.pop("patternProperties", None)
        if by_pattern:
            [(pattern, values)] = by_pattern.items()
            schema["additionalProperties"] = values
            schema["propertyNames"] = {**schema.get("propertyNames", {}), "pattern": pattern}
        return schema


_Texts = TypeVar("_Texts", bound=BaseModel)

# Texts per language, whatever they translate: `TranslationsOf[RewardTexts]`, `TranslationsOf[CounterTexts]`.
TranslationsOf = Annotated[
    dict[LanguageTag, _Texts],
    Field(max_length=MAX_TRANSLATIONS),
    BeforeValidator(_one_key_per_language),
    _KeysDescribedByPropertyNames(),
]
Translations = TranslationsOf[RewardTexts]


class EnumDisplay(BaseModel):
    """An enum value as a person reads it, in the answer's display language."""

    display_name: str = Field(description="The value's name in the answer's language")
    emoji: str = Field(description="An emoji for it, the same in every language")
