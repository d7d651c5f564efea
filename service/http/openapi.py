"""The OpenAPI 3.1 document, generated from the route table and the same pydantic models.

Nothing here is written by hand per endpoint: parameters come from the path, query and header
models' fields, bodies and answers from the request and response models, errors from what each
route declares plus what every route of its kind shares. Change a model or a route and the
document follows, so it cannot drift from the code that validates and serializes.
"""

import functools
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import models_json_schema
from rewards_contract import errors
from rewards_contract.errors import ErrorResponse

from service.http.wiring import Role, Route
from service.settings import DEV_ADMIN_TOKEN, DEV_BOT_TOKEN, MIN_TOKEN_CHARS

REF_TEMPLATE = "#/components/schemas/{model}"
SECURITY_SCHEME = "bearer"
_ERROR_REF = {"$ref": REF_TEMPLATE.format(model=ErrorResponse.__name__)}

JsonMode = Literal["validation", "serialization"]

# info.description: what a reader needs before the first call (Swagger UI shows it above the routes).
INTRODUCTION = f"""\
The rewards of a community's Telegram bot: the bot reports what its users do, the service unlocks the
rewards whose conditions hold, and the bot claims them and delivers what they grant.

## Two tokens, two roles
Every `/v1` route needs a bearer token: `Authorization: Bearer <token>` (on this page: **Authorize**).

- **The bot's token** (`REWARDS_BOT_TOKEN`) calls the bot's routes: events, facts, a user's rewards, claims,
  grants and their acknowledgement, the feed, and reading the catalogue and the counters.
- **The admin token** (`REWARDS_ADMIN_TOKEN`) calls every route. The routes that say *Needs the admin token*
  (creating and changing rewards and counters, revoking grants, the webhook status) and the admin-only
  options (`all=true`, `include_secret=true`) take it alone: the bot's token gets `403 forbidden` there.

A missing or unknown token is `401 unauthorized`. `/health`, `/health/live`, `/docs` and this document need
none; `/metrics` takes a token of its own (`REWARDS_METRICS_TOKEN`).

## Development tokens
`make run` starts the service on the embedded in-process database with the demo catalogue, listening on
loopback only. With `REWARDS_BOT_TOKEN` and `REWARDS_ADMIN_TOKEN` unset it accepts the development tokens
`{DEV_BOT_TOKEN}` (the bot) and `{DEV_ADMIN_TOKEN}` (admin), and logs a warning. They exist only on the embedded
database listening on loopback: pointed at a real MongoDB (`MONGODB_URL`), or listening beyond loopback
(`REWARDS_HOST`), the service does not start until both tokens are set, each at least {MIN_TOKEN_CHARS} characters long.
"""


class OpenApiDocument(BaseModel):
    """The document served at /openapi.json (its sections are plain JSON)."""

    model_config = ConfigDict(extra="allow")

    openapi: str = Field(description="The OpenAPI version the document follows (3.1.0)")
    info: dict[str, Any] = Field(description="The API's title, version and introduction")
    paths: dict[str, Any] = Field(description="Every route: its parameters, body, answers and errors")
    components: dict[str, Any] = Field(description="The schemas the paths refer to, and the bearer scheme")


def build_document(routes: Iterable[Route], title: str = "rewards-service", version: str = "1") -> dict[str, Any]:
    """The OpenAPI 3.1 document describing these routes."""
    routes = list(routes)
    # Requests are described as validated, answers as serialized (e.g. computed or aliased fields).
    models: list[tuple[type[BaseModel], JsonMode]] = [(ErrorResponse, "serialization")]
    models += [(route.body, "validation") for route in routes if route.body is not None]
    models += [(route.response, "serialization") for route in routes if route.response is not None]
    refs, definitions = models_json_schema(_unique(models), ref_template=REF_TEMPLATE)
    schemas: dict[str, Any] = dict(definitions.get("$defs", {}))

    paths: dict[str, dict[str, Any]] = defaultdict(dict)
    for route in routes:
        paths[route.path][route.method.lower()] = _operation(route, refs, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": INTRODUCTION},
        "paths": dict(paths),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {SECURITY_SCHEME: {"type": "http", "scheme": "bearer"}},
        },
    }


@functools.lru_cache(maxsize=4)
def served_document(routes: tuple[Route, ...]) -> OpenApiDocument:
    """The document of an app's route table, built on its first request (tables are constants: built once)."""
    return OpenApiDocument.model_validate(build_document(routes))


def _unique(models: list[tuple[type[BaseModel], JsonMode]]) -> list[tuple[type[BaseModel], JsonMode]]:
    return list(dict.fromkeys(models))


def _operation(route: Route, refs: dict[Any, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": route.handler.__name__,
        "summary": route.summary,
        "tags": list(route.tags),
        "security": [{SECURITY_SCHEME: []}] if route.role is not None else [],
    }
    description = [route.description] if route.description else []
    if route.role is Role.ADMIN:
        description.append("Needs the admin token.")
    if description:
        operation["description"] = "\n\n".join(description)
    parameters = [
        *_parameters(route.path_params, "path", schemas),
        *_parameters(route.query, "query", schemas),
        *_parameters(route.headers, "header", schemas),
    ]
    if parameters:
        operation["parameters"] = parameters
    if route.body is not None:
        examples = {example.name: {"summary": example.summary, "value": example.value} for example in route.examples}
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(route.body, "validation")], "examples": examples}},
        }
    operation["responses"] = _responses(route, refs)
    return operation


def _parameters(model: type[BaseModel] | None, location: str, schemas: dict[str, Any]) -> list[dict[str, Any]]:
    """One parameter per field of a path, query or header model (named by its alias)."""
    if model is None:
        return []
    schema = model.model_json_schema(by_alias=True, mode="validation", ref_template=REF_TEMPLATE)
    schemas.update(schema.get("$defs", {}))
    required = set(schema.get("required", ()))
    parameters = []
    for name, field_schema in schema.get("properties", {}).items():
        field_schema = dict(field_schema)
        field_schema.pop("title", None)
        parameter: dict[str, Any] = {
            "name": name,
            "in": location,
            "required": location == "path" or name in required,
            "schema": field_schema,
        }
        if "description" in field_schema:
            parameter["description"] = field_schema["description"]
        if "examples" in field_schema:  # what Swagger UI fills in
            parameter["example"] = field_schema["examples"][0]

        parameters.append(parameter)
    return parameters


def _responses(route: Route, refs: dict[Any, Any]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status in (route.status, *route.other_statuses):
        responses[str(status)] = _success(route, refs)
    for status, codes in sorted(_error_codes(route).items()):
        responses[str(status)] = {
            "description": "Error: " + ", ".join(codes),
            "content": {"application/json": {"schema": _error_schema(codes)}},
        }
    return responses


def _success(route: Route, refs: dict[Any, Any]) -> dict[str, Any]:
    if route.status == 204:  # a deletion: nothing to answer
        return {"description": route.summary}
    if route.response is None:  # not JSON: /metrics' text exposition format, /docs' page and its assets
        return {"description": route.summary, "content": {route.media_type: {"schema": {"type": "string"}}}}
    schema = refs[(route.response, "serialization")]
    return {"description": route.summary, "content": {"application/json": {"schema": schema}}}


def _error_codes(route: Route) -> dict[int, list[str]]:
    """Status -> error codes: the route's own, then the ones every route of its kind shares."""
    codes: dict[int, list[str]] = defaultdict(list)

    def add(error: type[errors.RewardsApiError]) -> None:
        assert error.status is not None, f"{error.__name__} is never answered"
        if error.code not in codes[error.status]:
            codes[error.status].append(error.code)

    for error in route.errors:
        add(error)
    if route.role is not None:
        add(errors.Unauthorized)
        if route.role is Role.ADMIN:
            add(errors.Forbidden)
        add(errors.DatabaseUnavailable)
    if any(model is not None for model in (route.path_params, route.query, route.headers, route.body)):
        add(errors.ValidationFailed)
    if route.body is not None:
        add(errors.InvalidJson)
        add(errors.BodyTooLarge)
    # The edge's refusals, before any route runs: a request that is not text (or a trusted proxy's malformed
    # X-Forwarded-For), a Host the service does not answer to.
    add(errors.BadRequest)
    add(errors.HostNotAllowed)
    add(errors.ServerError)
    return codes


def _error_schema(codes: list[str]) -> dict[str, Any]:
    """The error envelope, narrowed to the codes this status can carry on this route."""
    return {
        "allOf": [
            _ERROR_REF,
            {"properties": {"error": {"properties": {"code": {"enum": codes}}}}},
        ]
    }
