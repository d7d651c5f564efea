"""The client's pure parts: progress bars, and one exception class per error code the server declares."""

import pytest
from rewards_client import progress_bar
from rewards_contract import errors
from rewards_contract.errors import (
    ERROR_BY_CODE,
    AlreadyClaimed,
    Conflict,
    DetailType,
    ErrorDetail,
    ErrorResponse,
    NotFound,
    RewardsApiError,
    ServerError,
    ValidationFailed,
    error_for,
)


@pytest.mark.parametrize(
    ("current", "target", "bar"),
    [
        (3, 7, "[###----] 3/7"),
        (0, 7, "[-------] 0/7"),
        (7, 7, "[#######] 7/7"),
        (999, 1000, "[######-] 999/1000"),  # rounded down: full only when met
        (1500, 1000, "[#######] 1500/1000"),
        (0, 0, "[#######] 0/0"),
    ],
)
def test_progress_bar_fills_in_proportion_and_shows_the_numbers(current, target, bar):
    assert progress_bar(current, target) == bar


def test_progress_bar_takes_a_width():
    assert progress_bar(1, 2, width=4) == "[##--] 1/2"


def _every_error() -> list[type[RewardsApiError]]:
    """The contract's error classes (a test may subclass one for its own purpose: not the contract's)."""
    found, todo = [], [RewardsApiError]
    while todo:
        cls = todo.pop()
        if cls.__module__.startswith("rewards_contract"):
            found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_every_code_names_exactly_one_exception():
    # Conflict is the 409 family: its own code is RaceLost's.
    answered = [cls for cls in _every_error() if cls not in (RewardsApiError, Conflict, errors.ServiceUnreachable)]
    assert sorted(ERROR_BY_CODE) == sorted(cls.code for cls in answered)  # no code used twice


@pytest.mark.parametrize("error_class", list(ERROR_BY_CODE.values()), ids=lambda cls: cls.code)
def test_an_error_the_service_raises_comes_back_to_the_client_as_the_same_class(error_class):
    details: list[ErrorDetail] = [{"field": "x", "message": "is wrong", "type": DetailType.INVALID}]
    raised = error_class("why", details)
    body = raised.envelope()["error"]
    received = error_for(raised.status, body["code"], body["message"], body["details"])
    assert type(received) is error_class
    assert (received.status, received.code, received.message, received.details) == (
        raised.status,
        raised.code,
        "why",
        details,
    )


def test_exceptions_keep_their_families():
    assert issubclass(AlreadyClaimed, Conflict)
    assert issubclass(errors.GrantNotFound, NotFound)
    assert issubclass(errors.IdempotencyKeyReused, ValidationFailed)


def test_only_a_lost_race_and_the_service_s_failures_are_worth_retrying():
    retryable = sorted(code for code, cls in ERROR_BY_CODE.items() if issubclass(cls, errors.Retryable))
    assert retryable == ["conflict", "database_unavailable", "internal_error", "service_unavailable"]
    assert isinstance(error_for(409, "conflict", "raced"), errors.RaceLost)
    # A refusal is never retried, nor an unknown 409 code from a newer service: only the family is known.
    assert not isinstance(error_for(409, "already_claimed", "no"), errors.Retryable)
    assert not isinstance(error_for(409, "something_new", "?"), errors.Retryable)
    assert isinstance(error_for(502, "bad_gateway", "proxy"), errors.Retryable)


def test_error_carries_status_code_message_and_details():
    details: list[ErrorDetail] = [{"field": "user_id", "message": "must be at least 1", "type": DetailType.TOO_SMALL}]
    error = error_for(422, "validation_error", "bad", details)
    assert isinstance(error, ValidationFailed)
    assert (error.status, error.code, error.message, error.details) == (422, "validation_error", "bad", details)


@pytest.mark.parametrize(
    ("status", "expected"),
    [(404, NotFound), (409, Conflict), (502, ServerError), (418, RewardsApiError)],
)
def test_unknown_code_falls_back_to_the_family_of_its_status(status, expected):
    error = error_for(status, "something_new", "?")
    assert type(error) is expected
    assert error.code == "something_new"


def test_a_detail_code_this_client_does_not_know_reads_as_invalid():
    """A newer service may add a code: the answer still parses, and its message still says why."""
    details = [
        {"field": "a", "message": "is odd", "type": "from_a_newer_service"},
        {"field": "b", "message": "is required", "type": "missing"},
    ]
    body = {"error": {"code": "validation_error", "message": "a: is odd; b: is required.", "details": details}}
    parsed = ErrorResponse.model_validate(body).error.details
    assert parsed == [{**details[0], "type": DetailType.INVALID}, details[1]]
