"""The request's language choice, from `?lang=`, `Accept-Language` and the deployment's default."""

from aiohttp import web
from rewards_contract.api import LanguageHeaders, LanguageQuery

from service.engine.languages import LanguageChoice, language_choice
from service.http.keys import SETTINGS


def language_of(request: web.Request, query: LanguageQuery, headers: LanguageHeaders) -> LanguageChoice:
    """What the caller reads: `?lang=` wins over the header; neither means the default texts."""
    return language_choice(query.lang, headers.accept_language, request.app[SETTINGS].default_language)
