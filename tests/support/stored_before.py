"""Documents as an earlier version stored them, for the tests that this version still reads and changes them.

Such a test builds the document the way the older code wrote it (only the fields it knew), checks
it against this version's `$jsonSchema` validator, and inserts it raw, past the models, before the
app reads it. On the wire pass the collection enforces that validator on the insert too.
"""

from datetime import datetime
from typing import Any

from beanie import Document
from bson import ObjectId

from service.db import collections
from service.db.validators import collection_validator
from tests.support.bson_schema_check import violations


def reward_stored_before(stored_at: datetime, **fields: Any) -> dict[str, Any]:
    """A reward with the fields the first version's admin API stored (its definition and timestamps).

    `fields` gives the test's values, and adds the fields of the later versions the test stands after.
    """
    return {
        "slug": "old-reward",
        "name": "Old reward",
        "description": None,
        "reward_type": "besitos",
        "reward_value": {"amount": 5},
        "is_repeatable": False,
        "is_secret": False,
        "claim_window_hours": 168,
        "is_active": True,
        "sort_order": 0,
        "conditions": [{"condition_type": "first_reaction", "value": None, "group": 0, "sort_order": 0}],
        "created_at": stored_at,
        "updated_at": stored_at,
        **fields,
    }


def grant_stored_before(
    user_id: int, claimed_at: datetime, number: int = 1, reward_id: ObjectId | None = None, **fields: Any
) -> dict[str, Any]:
    """A ledger record with the fields the first version's ledger write stored (of a new reward, unless named).

    `fields` gives the test's values, and adds the fields of the later versions the test stands after.
    """
    reward_id = reward_id or ObjectId()
    return {
        "grant_id": f"{user_id}-{reward_id}-{number}",
        "user_id": user_id,
        "reward_id": reward_id,
        "reward_slug": "old-grant",
        "reward_type": "besitos",
        "reward_value": {"amount": 5},
        "claim_number": number,
        "claimed_at": claimed_at,
        "delivered_at": None,
        "idempotency_key": None,
        "created_at": claimed_at,
        **fields,
    }


def validator_violations(model: type[Document], document: dict[str, Any]) -> list[str]:
    """How `document` breaks the `$jsonSchema` validator this version puts on the model's collection."""
    return violations(collection_validator(model)["$jsonSchema"], document)


async def store_as_before(model: type[Document], *documents: dict[str, Any]) -> None:
    """Insert the documents raw into the model's collection (copies: the insert adds an `_id`)."""
    await collections.by_name(model.get_collection_name()).insert_many([dict(document) for document in documents])
