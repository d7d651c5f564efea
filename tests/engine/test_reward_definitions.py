"""Reward definitions: what the model accepts and refuses, and that its JSON Schema says the same."""

import jsonschema_rs
import pytest
from pydantic import ValidationError
from rewards_contract.enums import RewardConditionType, RewardType
from rewards_contract.rewards import RewardDefinition

from service.plain_errors import plain_errors, summary
from tests.support.factories import reward_payload


def rejected_fields(payload: dict) -> str:
    """The refusal as the API words it: `field: what is allowed; ...`."""
    with pytest.raises(ValidationError) as caught:
        RewardDefinition.model_validate(payload)
    return summary(plain_errors(caught.value.errors(), RewardDefinition))


def test_valid_definition_normalizes_the_payload():
    reward = RewardDefinition.model_validate(reward_payload())
    assert reward.reward_type is RewardType.BESITOS
    assert reward.reward_value == {"amount": 50}
    assert (reward.is_repeatable, reward.is_secret, reward.claim_window_hours, reward.is_active) == (
        False,
        False,
        168,
        True,
    )


def test_unknown_condition_type_is_rejected():
    message = rejected_fields(reward_payload(conditions=[{"condition_type": "moon_phase"}]))
    assert "conditions[0].condition_type: unknown value 'moon_phase'" in message


def test_threshold_without_value_is_rejected():
    message = rejected_fields(reward_payload(conditions=[{"condition_type": "streak_length"}]))
    assert "conditions[0].value: is required" in message


@pytest.mark.parametrize("value", [0, -3])
def test_threshold_not_above_zero_is_rejected(value):
    message = rejected_fields(reward_payload(conditions=[{"condition_type": "total_points", "value": value}]))
    assert "conditions[0].value: must be greater than 0" in message


def test_value_on_an_event_condition_is_rejected():
    message = rejected_fields(reward_payload(conditions=[{"condition_type": "first_purchase", "value": 1}]))
    assert "conditions[0].value: must be absent" in message


def test_value_on_an_exclusion_condition_is_rejected():
    message = rejected_fields(reward_payload(conditions=[{"condition_type": "not_vip", "value": 1}]))
    assert "conditions[0].value: must be absent" in message


def test_negative_group_is_rejected():
    message = rejected_fields(reward_payload(conditions=[{"condition_type": "not_vip", "group": -1}]))
    assert "conditions[0].group: must be at least 0" in message


def test_payload_of_another_reward_type_is_rejected():
    message = rejected_fields(reward_payload(reward_type="badge", reward_value={"amount": 5}))
    assert "reward_value.badge_name: is required" in message


def test_negative_amount_is_rejected():
    message = rejected_fields(reward_payload(reward_value={"amount": -10}))
    assert "reward_value.amount: must be greater than 0" in message


@pytest.mark.parametrize(
    ("reward_type", "value"),
    [("content", {"content_set_id": 0}), ("vip_extension", {"days": 0}), ("badge", {"badge_name": "x"})],
)
def test_incomplete_or_non_positive_payloads_are_rejected(reward_type, value):
    assert "reward_value" in rejected_fields(reward_payload(reward_type=reward_type, reward_value=value))


def test_empty_name_is_rejected():
    assert rejected_fields(reward_payload(name="")).startswith("name")


def test_blank_name_is_rejected():
    assert rejected_fields(reward_payload(name="   ")).startswith("name")


def test_claim_window_must_be_positive():
    assert rejected_fields(reward_payload(claim_window_hours=0)).startswith("claim_window_hours")


def test_unknown_field_is_rejected():
    assert rejected_fields(reward_payload(colour="red")).startswith("colour")


# --- the JSON Schema (OpenAPI) of a definition says what the model accepts ------------------------

PAYLOADS = {
    "besitos": {"amount": 5},
    "content": {"content_set_id": 7},
    "badge": {"badge_name": "Fan", "emoji": "*"},
    "vip_extension": {"days": 3},
}


def _accepted(payload: dict) -> bool:
    try:
        RewardDefinition.model_validate(payload)
    except ValidationError:
        return False
    return True


def _schema_accepts(payload: dict) -> bool:
    # jsonschema_rs comes with schemathesis, which fuzzes the API with the same schemas.
    return jsonschema_rs.validator_for(RewardDefinition.model_json_schema()).is_valid(payload)


@pytest.mark.parametrize("reward_type", PAYLOADS)
@pytest.mark.parametrize("payload_of", PAYLOADS)
def test_schema_ties_the_payload_to_the_reward_type_as_the_model_does(reward_type, payload_of):
    definition = reward_payload(reward_type=reward_type, reward_value=PAYLOADS[payload_of])
    assert _schema_accepts(definition) is (reward_type == payload_of)
    assert _accepted(definition) is _schema_accepts(definition)


@pytest.mark.parametrize("condition_type", [str(t) for t in RewardConditionType])
@pytest.mark.parametrize("value", [None, 0, 3])
def test_schema_says_which_conditions_take_a_value_as_the_model_does(condition_type, value):
    definition = reward_payload(conditions=[{"condition_type": condition_type, "value": value}])
    assert _accepted(definition) is _schema_accepts(definition)
