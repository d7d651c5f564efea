"""The embedded database's faster document copies give exactly what mongomock's own give."""

import copy
import functools
from collections import OrderedDict
from datetime import UTC, datetime, timedelta, timezone

import mongomock
import pytest
from beanie import PydanticObjectId
from bson import Decimal128, ObjectId, Timestamp
from mongomock import collection as mongomock_collection
from mongomock import helpers
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from service.db.embedded_copies import ORIGINALS, deep_copy, install
from service.db.embedded_indexes import install as install_embedded_indexes

AWARE = datetime(2026, 11, 25, 18, 30, 1, 123456, tzinfo=timezone(timedelta(hours=2)))
NAIVE = datetime(2026, 11, 25, 16, 30, 1, 123000)

# Every kind of value a stored document or a query holds, nested as documents nest them.
SAMPLES = [
    # (A set Timestamp: an empty one becomes "now" when stored, so two conversions would differ.)
    "text", 7, 2**40, 1.5, True, None, b"bytes", ObjectId(), AWARE, NAIVE, Decimal128("1.1"), Timestamp(5, 1),
    [1, "a", [NAIVE, {"at": AWARE}]],
    ("tuple", NAIVE),
    {"user_id": 1, "at": AWARE, "ids": ["e-1", "e-2"], "inner": {"when": NAIVE, "list": [{"x": None}]}},
    OrderedDict([("b", 1), ("a", {"at": NAIVE}), ("ids", [OrderedDict([("c", [1])])])]),
    {"reward_id": PydanticObjectId(), "inputs": {"total_points": 10}},
    {"$set": {"updated_at": AWARE}, "$push": {"feed_outbox": {"at": AWARE, "data": {"n": [1, 2]}}}},
]


@pytest.fixture(autouse=True)
def installed() -> None:
    install()
    install_embedded_indexes()  # as the embedded database runs: both patches together


def _same(left: object, right: object) -> bool:
    """Equal, and of the same types all the way down (a list is no tuple, an OrderedDict no dict)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return list(left) == list(right) and all(_same(left[k], right[k]) for k in left)  # type: ignore[index]
    if isinstance(left, (list, tuple)):
        return len(left) == len(right) and all(_same(a, b) for a, b in zip(left, right, strict=True))  # type: ignore[arg-type]
    return left == right


@pytest.mark.parametrize("value", SAMPLES, ids=repr)
def test_stored_and_answered_copies_match_mongomocks(value):
    for name in ("patch_datetime_awareness_in_document", "make_datetime_timezone_aware_in_document"):
        assert _same(getattr(helpers, name)(value), ORIGINALS[name](value)), name


@pytest.mark.parametrize("value", SAMPLES, ids=repr)
@pytest.mark.parametrize("container", [dict, OrderedDict])
def test_projection_copies_match_mongomocks(value, container):
    assert _same(mongomock_collection._copy_field(value, container), ORIGINALS["_copy_field"](value, container))


@pytest.mark.parametrize("value", SAMPLES, ids=repr)
def test_deep_copies_match_copy_deepcopy(value):
    assert _same(deep_copy(value), copy.deepcopy(value))


def test_copies_share_no_list_or_document_with_the_original():
    original = {"ids": ["a"], "inner": {"list": [{"n": 1}]}}
    for copied in (deep_copy(original), helpers.make_datetime_timezone_aware_in_document(original),
                   helpers.patch_datetime_awareness_in_document(original),
                   mongomock_collection._copy_field(original, dict)):
        copied["ids"].append("b")
        copied["inner"]["list"][0]["n"] = 2
    assert original == {"ids": ["a"], "inner": {"list": [{"n": 1}]}}


def test_a_document_reads_back_as_mongodb_answers_it_and_the_reader_cannot_change_the_store():
    things = mongomock.MongoClient(tz_aware=True).db.things
    things.insert_one({"_id": 1, "at": AWARE, "ids": ["a"]})
    read = things.find_one({"_id": 1}, {"at": 1, "ids": 1})
    assert read == {"_id": 1, "at": datetime(2026, 11, 25, 16, 30, 1, 123000, tzinfo=UTC), "ids": ["a"]}
    read["ids"].append("b")
    assert things.find_one({"_id": 1})["ids"] == ["a"]


def test_an_update_that_breaks_a_unique_index_is_rolled_back_whole():
    things = mongomock.MongoClient().db.things
    things.create_index("code", unique=True)
    things.insert_many([{"_id": 1, "code": "a", "tags": ["x"]}, {"_id": 2, "code": "b", "tags": ["y"]}])
    with pytest.raises(DuplicateKeyError):
        things.update_one({"_id": 2}, {"$set": {"code": "a"}, "$push": {"tags": "z"}})
    assert things.find_one({"_id": 2}) == {"_id": 2, "code": "b", "tags": ["y"]}


DOCUMENT = {"_id": 7, "user_id": 1, "status": "unlocked", "at": NAIVE, "inputs": {"points": 1}, "outbox": [{"n": 1}]}


@pytest.mark.parametrize("projection", [
    {"status": 1, "at": 1, "inputs": 1}, {"status": 1, "_id": 0}, {"_id": 1, "status": True}, {"missing": 1},
    {"_id": 1}, {"_id": 0}, {"status": 0}, {"status": 0, "outbox": False}, {"status": 0, "_id": 0},
    {"status": 0, "_id": 1}, {"missing": 0}, {"status": 1, "at": 0}, {"status": 2}, {"status": "yes"},
    {"inputs.points": 1}, {"inputs.points": 0}, {"outbox": {"$slice": 1}}, None, {},
    # Read once, then remembered by their items: equal items of other types (1.0 == 1 == True) mean the same.
    {"status": 1.0, "_id": 0}, {"status": 0.0}, {"status": 2.0}, {"_id": 1, "status": 1},
])
def test_projections_give_what_mongomock_gives(projection):
    things = mongomock.MongoClient().db.things
    answers = []
    for project in (things._copy_only_fields, functools.partial(ORIGINALS["_copy_only_fields"], things)):
        try:
            answers.append(project(DOCUMENT, copy.deepcopy(projection), dict))
        except ValueError as refused:  # mixing inclusions and exclusions
            answers.append(str(refused))
    assert _same(*answers)


def _without_generated_id(doc: dict | None) -> dict | None:
    """An upsert's `_id` is a fresh ObjectId in each collection: compare the rest."""
    return doc if doc is None else {k: v for k, v in doc.items() if not (k == "_id" and isinstance(v, ObjectId))}


@pytest.mark.parametrize("upsert", [False, True])
@pytest.mark.parametrize("query", [{"user_id": 1}, {"user_id": 9}, {"user_id": 1, "ids": {"$ne": "e-1"}},
                                   {"user_id": 1, "ids": {"$ne": "e-9"}}, {"at": AWARE}])
@pytest.mark.parametrize("projection", [None, {"ids": 0}, {"points": 1, "_id": 0}])
def test_find_one_and_update_answers_and_stores_what_mongomocks_own_does(query, projection, upsert):
    """The same call on two fresh collections, one through mongomock's original code: same answer, same data."""
    answers, stored = [], []
    for find_and_modify in (mongomock_collection.Collection._find_and_modify, ORIGINALS["_find_and_modify"]):
        things = mongomock.MongoClient(tz_aware=True).db.things
        things.insert_many([{"_id": 1, "user_id": 1, "points": 1, "ids": ["e-1"], "at": NAIVE},
                            {"_id": 2, "user_id": 1, "points": 5, "ids": [], "at": NAIVE}])
        update = {"$inc": {"points": 1}, "$push": {"ids": "e-2"}, "$setOnInsert": {"created": True}}
        answer = find_and_modify(things, dict(query), projection, update, upsert, None, ReturnDocument.AFTER)
        answers.append(_without_generated_id(answer))
        stored.append([_without_generated_id(doc) for doc in things.find()])
    assert _same(answers[0], answers[1])
    assert stored[0] == stored[1]
