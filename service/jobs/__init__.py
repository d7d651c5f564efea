"""The background jobs: each module holds one job's loop and its start and stop (`running(runtime)`).

The app factory lists them once, each in its own cleanup_ctx, so a job starts before the service
answers and stops before the database client closes. Jobs call use cases and operations, never the
HTTP layer. The feed relay and the webhook sender run on one instance at a time (a lease each);
the expiry sweep and the rarity refresh run on every instance, safely.
"""
