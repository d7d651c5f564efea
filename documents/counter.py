"""Counters admins declared: what `counter` events move and counter conditions read (collection `counters`)."""

import pymongo
from beanie import Document
from pydantic import ConfigDict, Field
from pymongo import IndexModel
from rewards_contract.counters import CounterDefinition
from rewards_contract.fields import UtcDatetime

from documents.clock import utc_now


class Counter(Document, CounterDefinition):
    """One declared counter; each user's value is in their `user_facts` document, under `counters.<name>`."""

    model_config = ConfigDict(extra="ignore")

    created_at: UtcDatetime = Field(default_factory=utc_now)
    updated_at: UtcDatetime = Field(default_factory=utc_now)

    class Settings:
        name = "counters"
        use_state_management = False
        indexes = [IndexModel([("name", pymongo.ASCENDING)], name="name_unique", unique=True)]
