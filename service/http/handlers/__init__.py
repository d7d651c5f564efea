"""One module per resource; each handler only parses, calls the service, and serializes."""
