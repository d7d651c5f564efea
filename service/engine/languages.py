"""Which language an answer's texts are in: the caller's preferences matched against what exists.

Pure functions. The preferences come from `?lang=` (one tag, it wins) or the `Accept-Language`
header (RFC 9110: ranges with q-values); each text is then looked up as RFC 4647 describes
(`es-MX` falls back to `es`), and a range also takes a more specific tag when nothing else
matches (`es` takes `es-MX`). Nothing matching falls back to the default texts.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property, lru_cache
from typing import Any

from rewards_contract.enums import (
    DISPLAY_LANGUAGES,
    Availability,
    RewardConditionType,
    RewardStatus,
    RewardType,
)

# RFC 9110 §12.5.4: language-range [ weight ]; ranges are `*` or alphanumeric subtags of 1..8.
_RANGE = re.compile(r"\*|[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
_WEIGHT = re.compile(r"q=(0(\.\d{0,3})?|1(\.0{0,3})?)", re.IGNORECASE)
# Headers longer than this are not a browser's or a bot's: only their start is read.
_MAX_HEADER = 1000
_MAX_RANGES = 20


def accepted_ranges(header: str) -> tuple[str, ...]:
    """The header's language ranges, most wanted first (ties keep their order), q=0 ones left out.

    Malformed entries are skipped, not refused: a header is the caller's environment speaking (a
    browser, a proxy), and a wrong language is better than no answer.
    """
    weighted: list[tuple[float, int, str]] = []
    for position, entry in enumerate(header[:_MAX_HEADER].split(",")):
        language_range, *parameters = (part.strip() for part in entry.split(";"))
        if not _RANGE.fullmatch(language_range):
            continue
        quality = 1.0
        if parameters:
            weight = _WEIGHT.fullmatch(parameters[0].replace(" ", ""))
            if weight is None or len(parameters) > 1:
                continue
            quality = float(weight.group(1))
        if quality > 0:
            weighted.append((-quality, position, language_range.lower()))
    return tuple(language_range for _, _, language_range in sorted(weighted)[:_MAX_RANGES])


def best_match(ranges: tuple[str, ...], available: frozenset[str], default: str) -> str:
    """The first range's best tag among `available` and `default` (canonical tags), else `default`.

    The default competes like any tag: `en, es;q=0.5` with English defaults answers them, not a
    Spanish translation.
    """
    by_lower = {tag.lower(): tag for tag in available} | {default.lower(): default}
    for language_range in ranges:
        if language_range == "*":
            return default
        truncated = language_range
        while truncated:  # RFC 4647 lookup: es-MX, then es
            if truncated in by_lower:
                return by_lower[truncated]
            truncated = truncated.rpartition("-")[0]
        more_specific = sorted(tag for lower, tag in by_lower.items() if lower.startswith(f"{language_range}-"))
        if more_specific:
            return more_specific[0]
    return default


@dataclass(frozen=True)
class LanguageChoice:
    """One request's language preferences, and the deployment's default language."""

    ranges: tuple[str, ...]
    default: str

    def for_texts(self, available: frozenset[str]) -> str:
        """The language to answer a reward's texts in: one of its translations' tags, or the default."""
        return _cached_best_match(self.ranges, available, self.default)

    @cached_property
    def for_display(self) -> str:
        """The language of the enums' display names: the best shipped one, else the default's or English.

        Cached on the instance, which `language_choice` itself caches: a request pays a lookup.
        """
        fallback = self.default.split("-")[0] if self.default.split("-")[0] in DISPLAY_LANGUAGES else "en"
        return _cached_best_match(self.ranges, _DISPLAY_LANGUAGES, fallback)


_DISPLAY_LANGUAGES = frozenset(DISPLAY_LANGUAGES)
# What a reward without translations has: one object shared by all of them.
_NO_LANGUAGES: frozenset[str] = frozenset()


@lru_cache(maxsize=4096)
def _cached_best_match(ranges: tuple[str, ...], available: frozenset[str], default: str) -> str:
    # Few distinct inputs (a bot's users speak a handful of languages): matched once, then looked up.
    return best_match(ranges, available, default)


@lru_cache(maxsize=1024)
def language_choice(lang: str | None, accept_language: str | None, default: str) -> LanguageChoice:
    """`?lang=` (already a canonical tag) wins; without it the header's ranges; without both, the default."""
    if lang is not None:
        return LanguageChoice((lang.lower(),), default)
    return LanguageChoice(accepted_ranges(accept_language) if accept_language else (), default)


@dataclass(frozen=True, slots=True)
class LocalizedTexts:
    """A reward's texts in every language it has, ready to answer in the best one.

    `default` holds the reward's own `name` and `description`; `translations` the same per tag,
    each with its `lang`. Built once per reward read (the catalogue cache keeps one per active
    reward, hence slots); never mutated.
    """

    default: dict[str, str | None]
    translations: dict[str, dict[str, str | None]]
    languages: frozenset[str]
    # A secret reward's hint: the default one, and per translation (kept apart: answers spread the texts).
    default_hint: str | None = None
    hints: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def of(
        cls, name: str, description: str | None, translations: Mapping[str, Any], hint: str | None = None
    ) -> "LocalizedTexts":
        by_tag = {
            tag: {"name": _field(texts, "name"), "description": _field(texts, "description"), "lang": tag}
            for tag, texts in translations.items()
        }
        hints = {tag: _field(texts, "hint") for tag, texts in translations.items()}
        languages = frozenset(by_tag) if by_tag else _NO_LANGUAGES  # an empty frozenset is 216 bytes each
        return cls({"name": name, "description": description}, by_tag, languages, hint, hints)

    def in_language(self, choice: LanguageChoice) -> dict[str, str | None]:
        """`name`, `description` and `lang`: the best translation, else the defaults (in the default language)."""
        language = choice.for_texts(self.languages)
        texts = self.translations.get(language)
        return texts if texts is not None else {**self.default, "lang": language}

    def hint_in(self, choice: LanguageChoice) -> tuple[str | None, str]:
        """The hint and its language: the chosen translation's, else the default hint (in the default language)."""
        language = choice.for_texts(self.languages)
        translated = self.hints.get(language)
        if translated is not None:
            return translated, language
        return self.default_hint, choice.default


def _field(texts: Any, name: str) -> Any:
    # Stored translations are dicts; validated ones (RewardTexts) are models.
    return texts.get(name) if isinstance(texts, Mapping) else getattr(texts, name, None)


# The enums' display per language: {language: {value: {"display_name", "emoji"}}}, built once.
_DISPLAYS: dict[str, dict[StrEnum, dict[str, str]]] = {
    language: {
        value: {"display_name": value.display_name_in(language), "emoji": value.emoji}
        for displayed in (RewardType, RewardStatus, RewardConditionType, Availability)
        for value in displayed
    }
    for language in DISPLAY_LANGUAGES
}


def displayed(value: StrEnum, choice: LanguageChoice) -> dict[str, str]:
    """An enum value's display name and emoji in the request's display language (shared: never mutate)."""
    return _DISPLAYS[choice.for_display][value]
