"""The use cases called directly: seeding the catalogue from files (the API and the console are tested through them in tests/api and tests/console)."""
