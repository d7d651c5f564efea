"""The embedded database's bulk writes answer as mongomock's do and leave nothing for the garbage collector."""

import gc

import mongomock
import pytest
from pymongo import UpdateOne
from pymongo.errors import BulkWriteError

from service.db.embedded_bulk import install


@pytest.fixture
def things() -> mongomock.Collection:
    install()
    collection = mongomock.MongoClient().db.things
    collection.create_index("code", unique=True)
    return collection


def _objects_in_cycles(action) -> list[str]:
    """The types of the objects `action` leaves that only the cycle collector could free."""
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        action()
        gc.collect()
        return [type(thing).__qualname__ for thing in gc.garbage]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


def test_a_bulk_write_leaves_no_reference_cycle(things):
    writes = [UpdateOne({"code": n}, {"$set": {"n": n}}, upsert=True) for n in range(20)]
    assert _objects_in_cycles(lambda: things.bulk_write(writes, ordered=False)) == []


def test_a_failed_bulk_write_reports_as_mongomock_does(things):
    """(Its traceback holds the operations' frames, a cycle of its own: errors are rare, so that one stays.)"""
    things.insert_one({"code": 1})
    with pytest.raises(BulkWriteError) as raised:
        things.bulk_write([UpdateOne({"code": 2}, {"$set": {"n": 2}}, upsert=True),
                           UpdateOne({"code": 2}, {"$set": {"code": 1}}),  # taken: a duplicate key
                           UpdateOne({"code": 3}, {"$set": {"n": 3}}, upsert=True)], ordered=False)
    assert [error["index"] for error in raised.value.details["writeErrors"]] == [1]
    assert raised.value.details["nUpserted"] == 2


def test_results_are_mongomocks(things):
    result = things.bulk_write([UpdateOne({"code": 1}, {"$set": {"n": 1}}, upsert=True),
                                UpdateOne({"code": 1}, {"$set": {"n": 2}}),
                                UpdateOne({"code": 9}, {"$set": {"n": 3}})], ordered=True)
    assert (result.upserted_count, result.matched_count, result.modified_count) == (1, 1, 1)
    assert list(result.upserted_ids) == [0]
    assert things.find_one({"code": 1}, {"_id": 0}) == {"code": 1, "n": 2}
