"""Database operations and their guarantees: claims, races, recovery, seeding, indexes, round trips, validators."""
