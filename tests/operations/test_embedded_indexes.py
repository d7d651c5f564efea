"""The embedded database's equality indexes answer exactly what a full scan answers, only faster."""

import itertools
from datetime import UTC, datetime

import mongomock
import pytest
from beanie import PydanticObjectId
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from service.db.embedded_indexes import candidate_ids, install, matches


@pytest.fixture
def collection() -> mongomock.Collection:
    install()
    return mongomock.MongoClient().db.things


def _scan(collection: mongomock.Collection, query: dict) -> list[dict]:
    """What mongomock answers without an index: every document through its filter."""
    return [doc for doc in collection.find({}) if mongomock.filtering.filter_applies(query, doc)]


def test_a_lookup_by_user_id_considers_only_that_users_documents(collection):
    collection.insert_many([{"user_id": n % 10, "n": n} for n in range(100)])
    assert len(list(candidate_ids(collection._store, {"user_id": 3}))) == 10


def test_lookups_match_a_scan_after_inserts_updates_upserts_and_deletes(collection):
    collection.insert_many([{"user_id": n % 7, "n": n} for n in range(70)])
    collection.update_many({"user_id": 2}, {"$set": {"seen": True}})
    collection.update_one({"user_id": 99, "n": 1}, {"$set": {"seen": False}}, upsert=True)
    collection.delete_many({"user_id": 3})
    collection.delete_one({"n": 5})
    for query in ({"user_id": 2}, {"user_id": 99}, {"user_id": 3}, {"user_id": 5, "n": {"$gt": 30}},
                  {"user_id": {"$in": [1, 99, 3]}}, {"_id": collection.find_one({"n": 8})["_id"]}):
        assert list(collection.find(query)) == _scan(collection, query), query


def test_lookups_after_a_drop_see_only_the_new_documents(collection):
    collection.insert_one({"user_id": 1, "generation": 1})
    collection.find_one({"user_id": 1})
    collection.drop()
    collection.insert_one({"user_id": 1, "generation": 2})
    assert [doc["generation"] for doc in collection.find({"user_id": 1})] == [2]


def test_a_field_holding_an_array_falls_back_to_scanning(collection):
    collection.insert_many([{"user_id": [1, 2]}, {"user_id": 1}])
    assert candidate_ids(collection._store, {"user_id": 1}) is None
    assert len(list(collection.find({"user_id": 1}))) == 2


def test_unique_indexes_still_refuse_duplicates(collection):
    collection.create_index([("user_id", 1), ("reward_id", 1)], unique=True)
    collection.insert_one({"user_id": 1, "reward_id": "a"})
    collection.insert_one({"user_id": 1, "reward_id": "b"})
    with pytest.raises(DuplicateKeyError):
        collection.insert_one({"user_id": 1, "reward_id": "a"})


def test_a_lookup_of_a_missing_value_finds_nothing(collection):
    collection.insert_one({"user_id": 1})
    assert list(collection.find({"user_id": 2})) == []


OID = ObjectId()
STORED = [
    {"_id": OID, "user_id": 1, "slug": "a", "n": 1.0, "flag": True, "tags": ["a", "b"], "none": None,
     "at": datetime(2026, 1, 1), "inner": {"slug": "a"}},
    {"_id": PydanticObjectId(OID), "user_id": 2, "slug": "b", "n": 2, "flag": False, "tags": [], "inner": {}},
    {"_id": 3, "user_id": "1", "slug": ["a"], "n": True},
    {"_id": 4, "outbox": [], "inner": None},
    {"_id": 5, "outbox": [{"at": datetime(2026, 1, 1, tzinfo=UTC)}, {"at": 7}], "inner": [{"slug": "a"}]},
    {"_id": 6, "outbox": None, "inner": [{}]},
]
CONDITIONS = [
    ("_id", OID), ("_id", PydanticObjectId(OID)), ("_id", 3), ("user_id", 1), ("user_id", "1"), ("user_id", 1.0),
    ("user_id", True), ("slug", "a"), ("n", 1), ("n", 2), ("flag", 1), ("flag", True), ("tags", "a"), ("tags", []),
    ("none", None), ("absent", None), ("absent", 1), ("at", datetime(2026, 1, 1)),
    ("at", datetime(2026, 1, 1, tzinfo=UTC)), ("inner.slug", "a"), ("inner", {"slug": "a"}),
    ("user_id", {"$in": [1, 2]}), ("user_id", {"$in": [2, 3]}), ("user_id", {"$in": [True, 2]}),
    ("user_id", {"$in": ["1", 5]}), ("user_id", {"$in": [1, "1"]}), ("_id", {"$in": [3, OID]}), ("slug", {"$in": ["a"]}), ("_id", {"$in": [PydanticObjectId(OID)]}),
    ("user_id", {"$in": []}), ("user_id", {"$in": [1], "$ne": 2}), ("n", {"$gt": 1}), ("$or", [{"user_id": 2}, {"slug": "a"}]),
    # Ranges on dotted paths (the relay's outbox query), reaching a value or none.
    ("outbox.at", {"$gte": datetime(1970, 1, 1, tzinfo=UTC)}), ("outbox.at", {"$lt": datetime(2027, 1, 1, tzinfo=UTC)}),
    ("outbox.at", {"$gt": 5, "$lte": 7.5}), ("outbox.at", {"$gte": ""}), ("outbox.at", {"$gte": None}),
    ("outbox.at", {"$gte": True}), ("outbox.at", {"$gte": 1, "$ne": 3}), ("outbox.at", {}), ("outbox.at", None),
    ("inner.slug", {"$gte": "a"}), ("absent.at", {"$lt": 1}),
]


@pytest.mark.parametrize("document", STORED, ids=lambda d: str(d["_id"]))
def test_matching_a_candidate_answers_what_mongomocks_filter_answers(document):
    for count in (1, 2):
        for pairs in itertools.combinations(CONDITIONS, count):
            query = dict(pairs)
            assert matches(query, document) == mongomock.filtering.filter_applies(query, document), query
