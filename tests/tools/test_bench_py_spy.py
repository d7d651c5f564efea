"""rewards-bench's py-spy samples: each stack is the driver's or the service's own, and a py-spy that cannot run says why."""

from pathlib import Path

import pytest

from bench.py_spy import Sampler, in_driver, is_driver_frame, parse_raw, shares

LOOP = (
    "_run_module_as_main (<frozen runpy>:198)",
    "main (service/main.py:27)",
    "BaseEventLoop._run_once (asyncio/base_events.py:1907)",
    "Handle._run (asyncio/events.py:80)",
)
WORKER = (
    "Thread._bootstrap (threading.py:1002)",
    "_worker (concurrent/futures/thread.py:83)",
    "_WorkItem.run (concurrent/futures/thread.py:58)",
)

# py-spy's raw output: root frame first, the sample count last.
RAW = (
    "\n".join(
        [
            ";".join(
                [
                    *LOOP,
                    "list_rewards (service/http/handlers/user_rewards.py:40)",
                    "BaseModel.model_validate (pydantic/main.py:792)",
                ]
            )
            + " 50",
            ";".join(
                [
                    *WORKER,
                    "Collection.find_one (pymongo/synchronous/collection.py:1755)",
                    "SocketChecker.select (pymongo/socket_checker.py:66)",
                ]
            )
            + " 30",
            ";".join([*LOOP, "AgnosticCollection.find_one (motor/metaprogramming.py:71)"]) + " 12",
            ";".join([*LOOP, "decode_all (bson/__init__.py:1173)"]) + " 8",
            ";".join([*LOOP, "RequestHandler.data_received (aiohttp/web_protocol.py:446)"]) + " 20",
        ]
    )
    + "\n"
)


def test_raw_output_gives_each_stack_root_first_with_its_count() -> None:
    stacks = parse_raw(RAW)

    assert [count for _, count in stacks] == [50, 30, 12, 8, 20]
    assert stacks[0][0][0] == "_run_module_as_main (<frozen runpy>:198)"
    assert stacks[0][0][-1] == "BaseModel.model_validate (pydantic/main.py:792)"


@pytest.mark.parametrize(
    "frame",
    [
        "Collection.find_one (pymongo/synchronous/collection.py:1755)",
        "AgnosticCollection.find_one (motor/metaprogramming.py:71)",
        "decode_all (bson/__init__.py:1173)",
        "Collection.find_one (/work/main/.venv/lib/python3.11/site-packages/pymongo/synchronous/collection.py:1755)",
        "_find_one (mongomock/collection.py:1220)",
    ],
)
def test_frames_of_the_driver_s_packages_are_the_driver_s(frame: str) -> None:
    assert is_driver_frame(frame)


@pytest.mark.parametrize(
    "frame",
    [
        "list_rewards (service/http/handlers/user_rewards.py:40)",
        "connect (service/db/connection.py:30)",  # the service's own database layer calls the driver; it is not it
        "BaseModel.model_validate (pydantic/main.py:792)",
        "Handle._run (asyncio/events.py:80)",
        "pymongo_errors (service/db/availability.py:12)",  # a name that mentions the driver is not a frame of it
    ],
)
def test_other_frames_are_not_the_driver_s(frame: str) -> None:
    assert not is_driver_frame(frame)


def test_a_stack_is_the_driver_s_when_any_frame_is_whoever_called_it() -> None:
    assert in_driver([*LOOP, "find_many (service/operations/user_rewards.py:10)", "Cursor.next (motor/core.py:1)"])
    assert not in_driver([*LOOP, "find_many (service/operations/user_rewards.py:10)"])


def test_shares_count_samples_not_stacks() -> None:
    figures = shares(parse_raw(RAW))

    assert (figures.samples, figures.driver) == (120, 50)  # 30 + 12 + 8 of the 120
    assert figures.outside_driver == pytest.approx(70 / 120)
    assert figures.driver_share == pytest.approx(50 / 120)


def test_no_samples_have_no_shares() -> None:
    figures = shares([])

    assert (figures.samples, figures.outside_driver, figures.driver_share) == (0, 0.0, 0.0)


def test_a_py_spy_that_cannot_sample_answers_why_instead_of_stacks(tmp_path: Path) -> None:
    failing = tmp_path / "py-spy"
    failing.write_text(
        "#!/bin/sh\necho 'Error: Permission Denied: Try running again with elevated permissions' >&2\nexit 1\n"
    )
    failing.chmod(0o755)

    outcome = Sampler(str(failing), 1, tmp_path / "stacks.txt").stop()

    assert outcome == "py-spy failed (1): Error: Permission Denied: Try running again with elevated permissions"
