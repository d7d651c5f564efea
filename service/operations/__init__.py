"""The database's reads and writes, one protocol per module (a claim, an Idempotency-Key, a slot, the relay, ...).

Called by the use cases and the background jobs, never by an edge; each write is a single guarded
operation, and a race lost to a concurrent write is retried by `retries.retried`.
"""
