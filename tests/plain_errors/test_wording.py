"""`plain_errors`: pydantic's refusals named as the caller wrote the field, in one plain sentence each."""

from typing import Any, get_args

import pytest
from pydantic import BaseModel, ValidationError, model_validator
from pydantic_core import ErrorDetails, PydanticCustomError
from pydantic_core.core_schema import ErrorType
from rewards_contract.api import ClaimHeaders, RewardPatch
from rewards_contract.errors import DetailType, ErrorDetail
from rewards_contract.events import EventRequest
from rewards_contract.facts import FactsUpdate
from rewards_contract.fields import field_refused
from rewards_contract.rewards import RewardDefinition

from service.plain_errors import ON_OR_OFF, detail_type, plain_errors, plain_message, summary, written
from tests.support.factories import reward_payload


def refused(model: type[BaseModel], data: Any) -> list[ErrorDetail]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return plain_errors(caught.value.errors(include_url=False), model)


def test_an_optional_fields_union_is_one_error_named_by_the_field():
    assert refused(FactsUpdate, {"level": -1}) == [
        {"field": "level", "message": "must be at least 1", "type": DetailType.TOO_SMALL}
    ]


def test_every_null_fact_is_its_own_error():
    assert [(e["field"], e["type"]) for e in refused(FactsUpdate, {"level": None, "is_vip": None})] == [
        ("is_vip", DetailType.NOT_ALLOWED),
        ("level", DetailType.NOT_ALLOWED),
    ]


def test_an_events_type_is_no_part_of_the_field_even_when_a_field_has_its_name():
    # A counter event has a field named `counter`, as its type is: the tag is still not a field.
    errors = refused(EventRequest, {"event_id": "e", "type": "counter", "counter": "stars", "value": -1})
    assert errors == [{"field": "value", "message": "must be at least 0", "type": DetailType.TOO_SMALL}]


def test_an_unknown_event_type_names_the_discriminator_and_what_is_allowed():
    [error] = refused(EventRequest, {"event_id": "e", "type": "teleport"})
    assert error["field"] == "type"
    assert error["message"].startswith("unknown type 'teleport'; allowed: daily_gift, reaction, purchase")


def test_a_conditions_rule_names_the_list_item_and_the_field():
    conditions = [
        {"condition_type": "first_reaction"},
        {"condition_type": "level_reached", "value": 2},
        {"condition_type": "total_points"},
    ]
    assert refused(RewardDefinition, reward_payload(conditions=conditions)) == [
        {
            "field": "conditions[2].value",
            "message": "is required for a total_points condition",
            "type": DetailType.MISSING,
        }
    ]


def test_a_payloads_fields_are_named_below_reward_value():
    errors = refused(RewardDefinition, reward_payload(reward_value={"days": 3}))
    assert [(e["field"], e["message"]) for e in errors] == [
        ("reward_value.amount", "is required"),
        ("reward_value.days", "unknown parameter; remove it"),
    ]


def test_a_bad_translation_key_is_named_with_the_key_and_said_to_be_the_key():
    [error] = refused(RewardDefinition, reward_payload(translations={"zz!": {"name": "x"}}))
    assert (error["field"], error["message"]) == (
        "translations.zz!",
        "the key must be a BCP 47 language tag such as es, en or es-MX",
    )


def test_a_header_is_named_by_its_header_name():
    [error] = refused(ClaimHeaders, {"idempotency-key": "k" * 256})
    assert (error["field"], error["message"]) == ("idempotency-key", "must be at most 255 characters")


def test_a_null_branch_above_the_refused_item_is_no_second_error():
    conditions = [{"condition_type": "total_points", "value": 0}]
    assert [e["field"] for e in refused(RewardPatch, {"conditions": conditions})] == ["conditions[0].value"]


def test_a_pattern_is_said_in_words_never_shown():
    [error] = refused(RewardDefinition, reward_payload(slug="Not A Slug"))
    assert error["message"] == "must be lowercase letters, digits, '-' and '_', starting with a letter or a digit"


def test_an_enum_says_the_value_sent_and_the_values_allowed():
    [error] = refused(RewardDefinition, reward_payload(reward_type="gold"))
    assert error["message"] == "unknown value 'gold'; allowed: besitos, content, badge, vip_extension"


def test_without_a_model_branch_labels_are_still_dropped():
    errors: list[ErrorDetails] = [
        {
            "type": "int_type",
            "loc": ("level", "function-before[_whole_float_as_int(), constrained-int]"),
            "msg": "Input should be a valid integer",
            "input": "x",
        },
        {"type": "none_required", "loc": ("level", "none"), "msg": "Input should be None", "input": "x"},
        {"type": "string_type", "loc": ("items", "list[str]", 3), "msg": "Input should be a valid string", "input": 1},
    ]
    assert plain_errors(errors) == [
        {"field": "level", "message": "must be a whole number", "type": DetailType.WRONG_TYPE},
        {"field": "items[3]", "message": "must be text", "type": DetailType.WRONG_TYPE},
    ]


def test_a_location_is_written_with_dots_into_objects_and_brackets_into_lists():
    assert written(["conditions", 2, "value"]) == "conditions[2].value"
    assert written(["reward_value", "amount"]) == "reward_value.amount"
    assert written([]) == ""


def test_the_summary_names_every_field_and_capitalises_only_sentences():
    assert summary(
        [
            {"field": "level", "message": "must be at least 1", "type": DetailType.INVALID},
            {"field": "is_vip", "message": "must be true or false", "type": DetailType.INVALID},
        ]
    ) == ("level: must be at least 1; is_vip: must be true or false.")
    assert (
        summary([{"field": "", "message": "send at least one fact", "type": DetailType.INVALID}])
        == "Send at least one fact."
    )


class Switch(BaseModel):
    on: bool


def pydantic_error(model: type[BaseModel], data: Any) -> ErrorDetails:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    [error] = caught.value.errors(include_url=False)
    return error


def test_a_yes_or_no_is_worded_as_it_is_written_where_it_was_read():
    assert plain_message(pydantic_error(Switch, {"on": "maybe"})) == "must be true or false"
    assert plain_message(pydantic_error(Switch, {"on": "maybe"}), switch=ON_OR_OFF) == "must be on or off"


def test_echo_names_the_value_sent_once_and_never_when_it_must_stay_hidden():
    assert plain_message(pydantic_error(Switch, {"on": "maybe"}), echo=True) == "must be true or false, got 'maybe'"
    assert plain_message(pydantic_error(Switch, {"on": "s3cret"}), echo=False) == "must be true or false"
    unknown = pydantic_error(RewardDefinition, reward_payload(reward_type="gold"))
    allowed = "allowed: besitos, content, badge, vip_extension"
    assert plain_message(unknown, echo=True) == f"unknown value 'gold'; {allowed}"  # in the words: not again
    assert plain_message(unknown, echo=False) == f"unknown value; {allowed}"


def test_no_pydantic_error_type_reaches_the_caller():
    """Every type pydantic may raise, today's and those no input of ours produces yet, answers one of our codes."""
    for kind in get_args(ErrorType):
        error: ErrorDetails = {"type": kind, "loc": ("x",), "msg": "Input should be valid", "input": 1}
        assert detail_type(error) in set(DetailType), kind


def test_a_validators_own_refusal_keeps_its_code_and_its_sentence():
    class Pair(BaseModel):
        a: int | None = None

        @model_validator(mode="after")
        def _a_given(self) -> "Pair":
            raise field_refused("a", DetailType.MISSING, "is required with b")

    [error] = refused(Pair, {})
    assert error == {"field": "a", "message": "is required with b", "type": DetailType.MISSING}


def test_a_code_of_our_own_that_the_contract_does_not_list_is_invalid():
    class Odd(BaseModel):
        @model_validator(mode="after")
        def _never(self) -> "Odd":
            raise PydanticCustomError("not_a_contract_code", "is odd")

    assert refused(Odd, {}) == [{"field": "", "message": "is odd", "type": DetailType.INVALID}]


def test_a_refusal_of_the_whole_input_names_no_field():
    [error] = refused(FactsUpdate, {})
    assert (error["field"], error["type"]) == ("", DetailType.MISSING)
    assert error["message"].startswith("send at least one fact: ")


def test_a_field_validators_coded_refusal_keeps_its_code_and_its_sentence():
    [error] = refused(RewardDefinition, reward_payload(available_from="tomorrow"))
    assert error == {
        "field": "available_from",
        "message": "must be a date-time such as 2026-12-01T00:00:00Z",
        "type": DetailType.BAD_FORMAT,
    }
