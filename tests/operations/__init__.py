"""The guarantees on the stored data: claims, races, recovery, indexes, round trips, retries, validators."""
