"""Logging to stdout as text or JSON lines, with the current request id on every record.

Containers and log shippers read stdout; JSON lines let them index the request fields (route,
status, duration, request id) without parsing free text.

A record is one line whatever a caller wrote: a message may quote a path, a method or a header, and a
newline in one would otherwise start a line of its own that reads as another record (a forged
`... INFO ...`). `OneLineFilter` writes every control character and line separator in a message as a
repr writes it (`\\n`, `\\x1b`, `\\udcff` for a byte that was not UTF-8), in both formats; in text, a
traceback's lines follow its record indented, so nothing but a record starts at the left margin.
"""

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from service.settings import Settings

# Set by the access-log middleware for the duration of one request (each request is its own task,
# so the value never leaks into another request's records).
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

# Attributes every LogRecord has; anything else on a record came from `extra=` and is a field.
_STANDARD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


# C0 and C1 control characters (newline, carriage return, escape...), Unicode's line and paragraph
# separators, and lone surrogates: how aiohttp keeps a byte that was not UTF-8.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
TRACEBACK_INDENT = "    "


def escaped(text: str) -> str:
    """The text with every unsafe character written as a repr writes it (`\\n`, `\\x1b`, `\\u2028`, `\\udcff`)."""
    return _UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


class OneLineFilter(logging.Filter):
    """Formats each record's message once, escaped (`escaped`), so that it prints as one line in either format."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the message: the handler reports it as logging does
            return True
        record.msg, record.args = escaped(message), None
        return True


class TextFormatter(logging.Formatter):
    """The text format: a traceback or a stack follows its record indented, never at the left margin."""

    def formatException(self, ei: Any) -> str:
        return _indented(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return _indented(super().formatStack(stack_info))


def _indented(text: str) -> str:
    return "\n".join(TRACEBACK_INDENT + line for line in text.splitlines())


class RequestIdFilter(logging.Filter):
    """Stamps each record with the request id of the request being handled ("-" outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, plus every `extra=` field."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS:
                entry[key] = value
        if entry.get("request_id") == "-":
            del entry["request_id"]
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(settings: Settings) -> None:
    """Logs go to stdout, one line per record, as text or JSON (REWARDS_LOG_FORMAT).

    Records leave out what no line shows (thread, process, the caller's source line), as the
    logging documentation's "Optimization" section describes: every request logs a line, and
    collecting those showed in its profile.
    """
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging._srcfile = None  # no frame walk to find the caller
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(RequestIdFilter())
    handler.addFilter(OneLineFilter())
    formatter = JsonFormatter() if settings.log_format == "json" else TextFormatter(TEXT_FORMAT)
    handler.setFormatter(formatter)
    logging.basicConfig(level=settings.log_level, handlers=[handler], force=True)
