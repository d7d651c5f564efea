"""Nothing a caller wrote can start a log line of its own: a record is one line, in the text and JSON formats.

The finding: `GET /v1/rewards/x%0A2031-01-01 00:00:00,000 INFO ...` with a header that broke the
token check wrote a forged line through "Unhandled error on GET ..." in the error middleware.
"""

import json
import logging

import pytest
from aiohttp import web

from service.http.app import init_app
from service.observability import logs
from service.observability.logs import configure_logging, escaped
from service.settings import Settings
from tests.support.connections import raw_request
from tests.support.environment import make_settings

# The log line the finding forged, after the newline in its path.
FORGED_LINE = "2031-01-01 00:00:00,000 INFO service.access [-] GET /v1/rewards 200 0.1ms"


def test_escaping_writes_control_characters_and_line_separators_as_a_repr_does():
    assert escaped("a\nb\r\x1b[31m\u2028\udcff\x85 café") == "a\\nb\\r\\x1b[31m\\u2028\\udcff\\x85 café"


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_message_quoting_a_callers_newline_stays_one_line(capsys, restore_root_logging, log_format):
    configure_logging(Settings(log_format=log_format))
    path = f"/v1/rewards/x\n{FORGED_LINE}\r\u2028"
    logging.getLogger("service.http.middleware").error("Unhandled error on %s %s", "GET", path)
    [line] = capsys.readouterr().out.splitlines()
    message = json.loads(line)["message"] if log_format == "json" else line.split("] ", 1)[1]
    assert message == f"Unhandled error on GET /v1/rewards/x\\n{FORGED_LINE}\\r\\u2028"


def test_a_traceback_follows_its_text_record_indented(capsys, restore_root_logging):
    configure_logging(Settings(log_format="text"))
    try:
        raise ValueError(f"bad input:\n{FORGED_LINE}")
    except ValueError:
        logging.getLogger("service.http.middleware").exception("Unhandled error on %s %s", "GET", "/x")
    first, *rest = capsys.readouterr().out.splitlines()
    assert first.endswith("Unhandled error on GET /x")
    assert rest
    assert all(line.startswith(logs.TRACEBACK_INDENT) for line in rest)


async def test_an_unhandled_error_logs_the_callers_path_escaped(aiohttp_client, capsys, restore_root_logging):
    """The finding's line, end to end: a path that passes the check (U+2028 is text) is still logged on one line."""

    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("boom")

    app = init_app(make_settings())
    app.router.add_get("/test/broken/{tail}", broken)
    client = await aiohttp_client(app)
    configure_logging(Settings(log_format="text"))
    head = b"GET /test/broken/x%E2%80%A82031-01-01 HTTP/1.1\r\nHost: localhost"
    assert (await raw_request(client, head)).status == 500
    [error_line] = [line for line in capsys.readouterr().out.splitlines() if "Unhandled error" in line]
    assert error_line.endswith("Unhandled error on GET /test/broken/x\\u20282031-01-01")
