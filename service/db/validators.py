"""MongoDB `$jsonSchema` validators generated from the document models, so other writers store what we read.

Generated, never hand-written: a field added to a model is validated the moment it exists. Only what
every writer of the service certainly writes is required (the model's fields without a default);
fields with a default are typed but may be missing, because some documents are created by upserts
that write part of them. Applied on a real MongoDB only: mongomock ignores validators.
"""

import logging
import types
import typing
from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import Any

import annotated_types
from beanie import Document
from bson import ObjectId
from motor.motor_asyncio import AsyncIOMotorDatabase
from pydantic import BaseModel
from pymongo.errors import CollectionInvalid, OperationFailure

log = logging.getLogger(__name__)

# Beanie's own fields: `_id` is the server's, `revision_id` is stored only with use_revision (never here).
_SKIPPED_FIELDS = {"id", "revision_id"}
_UNAUTHORIZED = 13
_SCALARS: list[tuple[type, str | list[str]]] = [
    # bool before int: bool is a subclass of int.
    (bool, "bool"),
    (int, ["int", "long"]),
    (float, ["double", "int", "long"]),
    (str, "string"),
    (datetime, "date"),
    (ObjectId, "objectId"),
]


def collection_validator(model: type[Document]) -> dict[str, Any]:
    """The `validator` document for a model's collection."""
    return {"$jsonSchema": object_schema(model, skip=_SKIPPED_FIELDS)}


def object_schema(model: type[BaseModel], skip: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    """A model as a BSON object: typed properties, and its fields without a default as required."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, info in model.model_fields.items():
        if name in skip:
            continue
        stored = info.alias or name
        properties[stored] = value_schema(info.annotation, info.metadata)
        if info.is_required():
            required.append(stored)
    schema: dict[str, Any] = {"bsonType": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def value_schema(annotation: Any, metadata: Sequence[Any] = ()) -> dict[str, Any]:
    """The schema of one value of this Python type, with the field's constraints (ge, max_length...)."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return value_schema(args[0], [*metadata, *args[1:]])
    if origin in (typing.Union, types.UnionType):
        present = [arg for arg in args if arg is not type(None)]
        if len(present) != 1:
            return {}  # not used by the models; no constraint rather than a wrong one
        schema = value_schema(present[0], metadata)
        return _nullable(schema) if type(None) in args else schema
    if origin is list:
        return {"bsonType": "array", "items": value_schema(args[0]) if args else {}, **_constraints(metadata, "Items")}
    if origin is dict or annotation is dict:
        return {"bsonType": "object"}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return object_schema(annotation)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return {"bsonType": "string", "enum": [member.value for member in annotation]}
    for python_type, bson_type in _SCALARS:
        if isinstance(annotation, type) and issubclass(annotation, python_type):
            return {"bsonType": bson_type, **_constraints(metadata, "Length")}
    return {}  # Any: no constraint


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if not schema:
        return schema
    types_ = schema["bsonType"] if isinstance(schema["bsonType"], list) else [schema["bsonType"]]
    nullable = {**schema, "bsonType": [*types_, "null"]}
    if "enum" in schema:
        nullable["enum"] = [*schema["enum"], None]
    return nullable


def _constraints(metadata: Sequence[Any], size_word: str) -> dict[str, Any]:
    """Pydantic's constraints in MongoDB's dialect (draft 4: exclusiveMinimum is a boolean)."""
    out: dict[str, Any] = {}
    for item in metadata:
        if isinstance(item, annotated_types.Ge):
            out["minimum"] = item.ge
        elif isinstance(item, annotated_types.Gt):
            out |= {"minimum": item.gt, "exclusiveMinimum": True}
        elif isinstance(item, annotated_types.Le):
            out["maximum"] = item.le
        elif isinstance(item, annotated_types.Lt):
            out |= {"maximum": item.lt, "exclusiveMaximum": True}
        elif isinstance(item, annotated_types.MinLen):
            out[f"min{size_word}"] = item.min_length
        elif isinstance(item, annotated_types.MaxLen):
            out[f"max{size_word}"] = item.max_length
        elif getattr(item, "pattern", None):
            out["pattern"] = item.pattern
    return out


async def apply_validators(db: AsyncIOMotorDatabase, models: Sequence[type[Document]]) -> None:
    """Install each collection's validator (idempotent; every instance may run it at start-up)."""
    for model in models:
        name = model.get_collection_name()
        validator = collection_validator(model)
        try:
            try:
                # "moderate": documents already stored by an older version stay updatable.
                await db.command({"collMod": name, "validator": validator, "validationLevel": "moderate"})
            except OperationFailure as error:
                if error.code != 26:  # NamespaceNotFound: create it with the validator instead
                    raise
                await db.create_collection(name, validator=validator, validationLevel="moderate")
        except NotImplementedError:
            # A stand-in database (mongomock behind a real-looking URL, in tests) keeps no validators.
            log.warning("This database cannot hold validators (mongomock?): none applied")
            return
        except CollectionInvalid:
            # Created by another instance meanwhile: theirs carries the same validator.
            pass
        except OperationFailure as error:
            if error.code != _UNAUTHORIZED:
                raise
            log.warning("Not allowed to set the validator of %s (needs dbAdmin): left as it is", name)
