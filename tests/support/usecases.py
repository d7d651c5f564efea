"""Use cases called straight from a test, without an app: a context on a runtime of its own."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from service.settings import Settings
from service.usecases.context import Context, Role
from service.usecases.runtime import Runtime


def context_at(now: datetime | Callable[[], datetime], role: Role | None = Role.ADMIN, **settings: Any) -> Context:
    """A context asking at `now` (a moment, or a clock read once), in the default language, as `role` (admin)."""
    clock = now if callable(now) else (lambda: now)
    runtime = Runtime.of(Settings.from_env({}) if not settings else Settings(**settings), clock)
    return Context.of(runtime, role)
