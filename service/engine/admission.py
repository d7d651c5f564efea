"""Admission of a reward definition: the one check every way in uses (the API, the console, seed files).

A definition is admitted when it meets the intake rules (`intake.py`) and agrees with the rest of
the catalogue (`catalog_rules.py`): the counters it reads are declared and of the right kind, the
rewards it needs claimed first exist and need it in no circle, its tier of its series is free, and
a limited edition's cap is not below the slots already taken. The catalogue comes in as plain values,
`CatalogueSnapshot`: what the API reads for one definition, or what seeding reads once for a batch
of files (`seed_plan.admission_problems`).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rewards_contract.enums import CounterKind
from rewards_contract.errors import MaxClaimsBelowTaken, TierTaken
from rewards_contract.rewards import RewardDefinition

from service.engine.catalog_rules import check_counters, check_no_cycle, check_prerequisites_exist, prerequisites
from service.engine.intake import check_incoming


@dataclass(frozen=True)
class CatalogueSnapshot:
    """What admission reads of the stored catalogue; it may hold only what concerns the definitions checked."""

    # Declared counters' kinds, by name.
    counters: Mapping[str, CounterKind] = field(default_factory=dict)
    # Slugs of existing rewards (active or not): at least those the definitions need claimed first.
    slugs: frozenset[str] = frozenset()
    # Each reward with prerequisites, and the slugs it needs claimed first.
    prerequisites: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # Which reward holds each (series, tier).
    tiers: Mapping[tuple[str, int], str] = field(default_factory=dict)
    # A limited edition's slots taken so far, by slug.
    taken: Mapping[str, int] = field(default_factory=dict)


def admit(definition: RewardDefinition, catalogue: CatalogueSnapshot, changed: Iterable[str] | None = None) -> None:
    """Raise the first refusal of the definition, or return: it may be stored.

    `changed`: for a PATCH, the fields it changes; the intake rules check only those (a reward stored
    before a rule can still be patched elsewhere). The catalogue's rules always check the whole definition.
    """
    check_incoming(definition, changed)
    check_counters(definition.conditions, catalogue.counters)
    needed = prerequisites(definition.conditions)
    if needed:
        check_prerequisites_exist(definition.conditions, set(catalogue.slugs))
        check_no_cycle(definition.slug, {**catalogue.prerequisites, definition.slug: needed})
    if definition.series is not None and definition.tier is not None:
        holder = catalogue.tiers.get((definition.series, definition.tier), definition.slug)
        if holder != definition.slug:
            raise TierTaken(
                f"Tier {definition.tier} of series {definition.series!r} is already {holder!r}; choose another tier."
            )
    taken = catalogue.taken.get(definition.slug, 0)
    if definition.max_claims is not None and taken > definition.max_claims:
        raise MaxClaimsBelowTaken(f"max_claims {definition.max_claims} is below the {taken} slots already taken.")
