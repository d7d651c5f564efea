"""The rewards engine, its database operations, and the HTTP API around them."""
