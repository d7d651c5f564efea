"""The clock every stored timestamp is read from: UTC, at the precision MongoDB keeps."""

from datetime import UTC, datetime

from rewards_contract.fields import to_mongo_precision


def utc_now() -> datetime:
    """The current UTC time at MongoDB's precision (milliseconds), so stored and returned values agree."""
    return to_mongo_precision(datetime.now(UTC))
