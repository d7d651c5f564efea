"""The embedded database's indexes answer exactly what a full scan answers, after every kind of write."""

import random
from datetime import UTC, datetime
from typing import Any

import mongomock
import pytest
from pymongo import ReturnDocument, UpdateOne
from pymongo.errors import DuplicateKeyError

from service.db import embedded_bulk, embedded_indexes
from service.db.embedded_indexes import OUTBOX_PATH, _indexes

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
HAS_OUTBOX = {OUTBOX_PATH: {"$gte": EPOCH}}


@pytest.fixture
def collection() -> mongomock.Collection:
    embedded_indexes.install()
    embedded_bulk.install()  # one write below is a bulk write, as the service's database has it
    return mongomock.MongoClient(tz_aware=True).db.things


def _scan(collection: mongomock.Collection, query: dict) -> list[dict]:
    """What mongomock answers without an index: every document through its own filter."""
    return [doc for doc in collection.find({}) if mongomock.filtering.filter_applies(query, doc)]


def _by_id(document: dict) -> str:
    return str(document["_id"])


def _found(collection: mongomock.Collection, query: dict) -> list[dict]:
    found = list(collection.find(query))  # in no particular order, as on MongoDB without a sort
    assert sorted(found, key=_by_id) == sorted(_scan(collection, query), key=_by_id), query
    return found


def test_a_lookup_by_user_id_considers_only_that_users_documents(collection):
    collection.insert_many([{"user_id": n % 10, "n": n} for n in range(100)])
    candidates = _indexes(collection._store).candidates({"user_id": 3})
    assert candidates is not None
    assert len(list(candidates)) == 10


@pytest.mark.parametrize(
    "write",
    [
        lambda c: c.update_one({"n": 1}, {"$set": {"user_id": 50}}),
        lambda c: c.update_many({"n": {"$in": [1]}}, {"$set": {"user_id": 50}}),
        lambda c: c.update_one({"n": 1}, {"$inc": {"user_id": 49}}),
        lambda c: c.find_one_and_update({"n": 1}, {"$set": {"user_id": 50}}, return_document=ReturnDocument.AFTER),
        lambda c: c.bulk_write([UpdateOne({"n": 1}, {"$set": {"user_id": 50}})]),
        lambda c: c.replace_one({"n": 1}, {"n": 1, "user_id": 50}),
        lambda c: c.update_one({"user_id": 1}, [{"$set": {"user_id": 50}}]),  # an update pipeline
    ],
    ids=["update_one $set", "update_many $set", "$inc", "find_one_and_update", "bulk_write", "replace_one", "pipeline"],
)
def test_a_document_whose_indexed_field_changed_is_found_by_its_new_value_only(collection, write):
    collection.insert_many([{"n": n, "user_id": n} for n in range(5)])
    write(collection)
    assert [doc["n"] for doc in _found(collection, {"user_id": 50})] == [1]
    assert _found(collection, {"user_id": 1}) == []


def test_an_unset_indexed_field_no_longer_matches_its_old_value(collection):
    collection.insert_one({"n": 1, "seq": 7})
    collection.update_one({"seq": 7}, {"$unset": {"seq": ""}})
    assert _found(collection, {"seq": 7}) == []
    assert len(_found(collection, {"n": 1})) == 1


def test_an_upsert_is_found_by_its_indexed_fields(collection):
    collection.update_one({"user_id": 9, "slug": "a"}, {"$setOnInsert": {"n": 1}}, upsert=True)
    assert [doc["n"] for doc in _found(collection, {"slug": "a"})] == [1]


def test_a_deleted_document_is_not_found(collection):
    collection.insert_many([{"user_id": 1}, {"user_id": 1}])
    collection.delete_one({"user_id": 1})
    assert len(_found(collection, {"user_id": 1})) == 1


def test_an_update_rolled_back_by_a_unique_index_keeps_the_document_findable_by_its_old_value(collection):
    collection.create_index([("key", 1)], unique=True)
    collection.insert_many([{"key": "a"}, {"key": "b"}])
    with pytest.raises(DuplicateKeyError):
        collection.update_one({"key": "b"}, {"$set": {"key": "a"}})
    assert len(_found(collection, {"key": "b"})) == 1
    assert len(_found(collection, {"key": "a"})) == 1


def test_unique_indexes_still_refuse_duplicates(collection):
    collection.create_index([("user_id", 1), ("reward_id", 1)], unique=True)
    collection.insert_one({"user_id": 1, "reward_id": "a"})
    collection.insert_one({"user_id": 1, "reward_id": "b"})
    with pytest.raises(DuplicateKeyError):
        collection.insert_one({"user_id": 1, "reward_id": "a"})


def test_the_relays_outbox_read_follows_pushes_and_pulls(collection):
    collection.insert_many([{"user_id": n, "feed_outbox": []} for n in range(4)])
    assert _found(collection, HAS_OUTBOX) == []
    entry = {"entry_id": "e", "at": datetime(2026, 1, 1, tzinfo=UTC)}
    collection.update_one({"user_id": 2}, {"$push": {"feed_outbox": entry}})
    assert [doc["user_id"] for doc in _found(collection, HAS_OUTBOX)] == [2]
    collection.update_one({"user_id": 2}, {"$pull": {"feed_outbox": {"entry_id": "e"}}})
    assert _found(collection, HAS_OUTBOX) == []


def test_lookups_after_a_drop_see_only_the_new_documents(collection):
    collection.insert_one({"user_id": 1, "generation": 1})
    collection.find_one({"user_id": 1})
    collection.drop()
    collection.insert_one({"user_id": 1, "generation": 2})
    assert [doc["generation"] for doc in _found(collection, {"user_id": 1})] == [2]


def test_a_field_holding_an_array_falls_back_to_scanning(collection):
    collection.insert_many([{"user_id": [1, 2]}, {"user_id": 1}])
    assert _indexes(collection._store).candidates({"user_id": 1}) is None
    assert len(_found(collection, {"user_id": 1})) == 2


def test_random_writes_never_make_an_indexed_query_differ_from_a_scan(collection):
    rng = random.Random(7)
    values = [1, 2, 3, 1.0, "1", None, True, [1], {"a": 1}]
    entry = {"entry_id": "e", "at": datetime(2026, 1, 1, tzinfo=UTC)}
    queries: list[dict[str, Any]] = [
        {"user_id": 1},
        {"user_id": "1"},
        {"user_id": {"$in": [2, 3]}},
        {"seq": 2},
        HAS_OUTBOX,
        {"user_id": 1, **HAS_OUTBOX},
        {"seq": {"$in": []}},
    ]
    for step in range(400):
        pick = rng.choice(values[:5])
        kind = rng.randrange(6)
        if kind == 0:
            collection.insert_one({"user_id": rng.choice(values[:5]), "seq": rng.choice(values[:3]), "feed_outbox": []})
        elif kind == 1:
            collection.update_many({"user_id": pick}, {"$set": {"user_id": rng.choice(values[:5])}})
        elif kind == 2:
            collection.update_one({"seq": pick}, {"$inc": {"seq": 1}}) if isinstance(pick, int) else None
        elif kind == 3:
            collection.update_one({"user_id": pick}, {"$push": {"feed_outbox": entry}})
        elif kind == 4:
            collection.update_many({}, {"$pull": {"feed_outbox": {"entry_id": "e"}}}) if step % 7 == 0 else None
        else:
            collection.delete_one({"user_id": pick})
        for query in queries:
            _found(collection, query)
    # The unusual values last: once a field held them, its queries scan, and still answer the same.
    collection.insert_many([{"user_id": value} for value in values])
    for query in queries:
        _found(collection, query)
