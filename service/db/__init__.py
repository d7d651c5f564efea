"""The database layer: connection, collection accessors, the embedded database's indexes, validators."""
