"""Trusted answers: serialized without a second validation, but checked against their model in the tests."""

import json
from datetime import UTC, datetime

import pytest
from rewards_contract.api import HealthResponse
from rewards_contract.rarity import RarityView

from service.engine.views import Trusted
from service.http.responses import AnswerDrift, json_trusted

AS_OF = datetime(2026, 11, 25, 12, 0, 0, 250000, tzinfo=UTC)


def written(answer: Trusted, check: bool = False) -> bytes:
    """The body `json_trusted` writes: always bytes, never a stream."""
    body = json_trusted(answer, check=check).body
    assert isinstance(body, bytes)
    return body


def test_a_trusted_answer_is_the_json_its_model_would_answer():
    answer = Trusted(RarityView, {"unlocked_share": 0.5, "claimed_share": 0, "as_of": AS_OF})
    body = written(answer, check=True)
    assert json.loads(body) == json.loads(RarityView.model_validate(answer.payload).model_dump_json())
    assert b'"2026-11-25T12:00:00.250000Z"' in body  # UTC as `Z`, like pydantic


@pytest.mark.parametrize(
    "payload",
    [
        {"unlocked_share": 0.5, "claimed_share": 0},  # a field missing
        {"unlocked_share": 0.5, "claimed_share": 0, "as_of": AS_OF, "secret": "x"},  # a field the model drops
        {"unlocked_share": 2, "claimed_share": 0, "as_of": AS_OF},  # a value the model refuses
    ],
)
def test_checking_catches_an_answer_off_its_model(payload):
    with pytest.raises((AnswerDrift, ValueError)):
        json_trusted(Trusted(RarityView, payload), check=True)


def test_without_checking_the_data_is_written_as_it_is():
    answer = Trusted(HealthResponse, {"status": "ok", "database": "ok"})
    assert json.loads(written(answer)) == {"status": "ok", "database": "ok"}
