"""Leases: one instance at a time runs a background job (the feed relay, the webhook sender).

A lease is one document per job, taken or renewed by one conditional upsert: it succeeds when the
lease is free, expired, or already ours. A crashed holder stops renewing, and the lease passes on
once `expires_at` is behind us. Holders must still fence their writes (unique keys, conditional
updates): a paused holder may act for a moment after its lease passed on.
"""

import socket
import uuid
from datetime import datetime, timedelta

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from service.db import collections

# This process's identity as a lease holder: host, then a random part (restarts are new owners).
INSTANCE_ID = f"{socket.gethostname()}-{uuid.uuid4().hex[:12]}"


async def hold_lease(job: str, now: datetime, duration: timedelta, owner: str = INSTANCE_ID) -> bool:
    """Take or renew the job's lease until now + duration; False while another owner holds it."""
    try:
        taken = await collections.leases().find_one_and_update(
            {"_id": job, "$or": [{"owner": owner}, {"expires_at": {"$lte": now}}]},
            {"$set": {"owner": owner, "expires_at": now + duration}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
    except DuplicateKeyError:  # the lease exists, held by another owner: our upsert tried to insert it
        return False
    return taken is not None and taken.get("owner") == owner


async def release_lease(job: str, owner: str = INSTANCE_ID) -> None:
    """Give the lease up at shutdown, so another instance takes over at once rather than at expiry."""
    await collections.leases().delete_one({"_id": job, "owner": owner})
