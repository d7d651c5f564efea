"""The client's pure parts: progress bars, and one exception class per error code the server declares."""

import pytest

from service import errors as server
from service import client_errors
from service.client import progress_bar
from service.client_errors import (
    AlreadyClaimed,
    Conflict,
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


def _server_errors(cls: type[server.ServiceError] = server.ServiceError) -> list[type[server.ServiceError]]:
    return [sub for direct in cls.__subclasses__() for sub in [direct, *_server_errors(direct)]]


@pytest.mark.parametrize("server_error", _server_errors(), ids=lambda cls: cls.__name__)
def test_every_server_error_code_has_a_client_exception(server_error):
    client_class = client_errors.ERROR_BY_CODE[server_error.code]
    # Named alike, except the server's generic InvalidRequest, which the bot sees as ValidationFailed.
    expected = "ValidationFailed" if server_error is server.InvalidRequest else server_error.__name__
    assert client_class.__name__ == expected


def test_client_exceptions_keep_the_servers_families():
    assert issubclass(AlreadyClaimed, Conflict) and issubclass(client_errors.GrantNotFound, NotFound)
    assert issubclass(client_errors.IdempotencyKeyReused, ValidationFailed)


def test_error_carries_status_code_message_and_details():
    details = [{"field": "user_id"}]
    error = error_for(422, "validation_error", "bad", details)
    assert isinstance(error, ValidationFailed)
    assert (error.status, error.code, error.message, error.details) == (422, "validation_error", "bad", details)


@pytest.mark.parametrize(
    ("status", "expected"),
    [(404, NotFound), (409, Conflict), (502, ServerError), (418, RewardsApiError)],
)
def test_unknown_code_falls_back_to_the_family_of_its_status(status, expected):
    error = error_for(status, "something_new", "?")
    assert type(error) is expected and error.code == "something_new"
