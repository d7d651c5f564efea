"""Bulk writes on the embedded database take current PyMongo's operations, and refuse a sort they cannot apply."""

import mongomock
import pytest
from mongomock.collection import BulkOperationBuilder
from pymongo import ReplaceOne, UpdateMany, UpdateOne

from service.db import embedded_bulk
from service.db.embedded_bulk import BulkSortUnsupported


@pytest.fixture
def collection() -> mongomock.Collection:
    embedded_bulk.install()
    collection: mongomock.Collection = mongomock.MongoClient(tz_aware=True).db.things
    collection.insert_many([{"_id": n, "group": "a", "n": n} for n in range(3)])
    return collection


def _numbers(collection: mongomock.Collection) -> list[int]:
    return [doc["n"] for doc in collection.find({}, sort=[("_id", 1)])]


def test_update_one_and_replace_one_without_a_sort_are_written(collection):
    result = collection.bulk_write(
        [UpdateOne({"_id": 0}, {"$set": {"n": 10}}), ReplaceOne({"_id": 1}, {"group": "a", "n": 11})], ordered=False
    )
    assert result.modified_count == 2
    assert _numbers(collection) == [10, 11, 2]


def test_an_upsert_without_a_sort_inserts(collection):
    collection.bulk_write([UpdateOne({"_id": 7}, {"$set": {"n": 7}}, upsert=True)])
    assert _numbers(collection) == [0, 1, 2, 7]


def test_update_many_is_written(collection):
    collection.bulk_write([UpdateMany({"group": "a"}, {"$inc": {"n": 100}})])
    assert _numbers(collection) == [100, 101, 102]


def test_an_empty_sort_asks_for_no_order_and_is_written(collection):
    collection.bulk_write([UpdateOne({"_id": 0}, {"$set": {"n": 10}}, sort={})])
    assert _numbers(collection) == [10, 1, 2]


@pytest.mark.parametrize(
    "sorted_write",
    [
        UpdateOne({"group": "a"}, {"$set": {"n": -1}}, sort={"n": -1}),
        ReplaceOne({"group": "a"}, {"group": "a", "n": -1}, sort={"n": -1}),
    ],
    ids=["UpdateOne", "ReplaceOne"],
)
def test_a_sort_is_refused_and_nothing_of_the_bulk_is_written(collection, sorted_write):
    # MongoDB would change the document with n=2; mongomock would change another: refused, not ignored.
    with pytest.raises(BulkSortUnsupported, match="cannot apply a bulk write's sort"):
        collection.bulk_write([UpdateOne({"_id": 0}, {"$set": {"n": 10}}), sorted_write])
    assert _numbers(collection) == [0, 1, 2]


def test_installing_twice_wraps_once():
    embedded_bulk.install()
    wrapped = BulkOperationBuilder.add_update
    embedded_bulk.install()
    assert BulkOperationBuilder.add_update is wrapped
