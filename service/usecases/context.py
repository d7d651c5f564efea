"""What every use case receives: who asks, in which language, at what moment, of which running service."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from rewards_contract.errors import Forbidden

from service.engine.languages import LanguageChoice, language_choice
from service.usecases.runtime import Runtime


class Role(StrEnum):
    """Who may call what. Admins may do everything the bot may."""

    BOT = "bot"
    ADMIN = "admin"


@dataclass(frozen=True)
class Context:
    """One request as its use case sees it, resolved once by the edge that received it.

    `role` is None on public routes; `now` is read once per request, so every step of it agrees.
    """

    runtime: Runtime
    role: Role | None
    language: LanguageChoice
    now: datetime

    @classmethod
    def of(
        cls, runtime: Runtime, role: Role | None, lang: str | None = None, accept_language: str | None = None
    ) -> "Context":
        """The context of a request asking in `lang` (wins) or by its Accept-Language header, at the clock's now."""
        language = language_choice(lang, accept_language, runtime.settings.default_language)
        return cls(runtime, role, language, runtime.clock())

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def require_admin_for(self, what: str) -> None:
        """Refuse an admin-only option to the bot (403)."""
        if not self.is_admin:
            raise Forbidden(f"{what} needs the admin token.")
