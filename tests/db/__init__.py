"""The database layer: what the stored documents and their indexes promise, and the embedded database's indexes."""
