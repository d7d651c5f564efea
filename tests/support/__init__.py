"""Shared test helpers: the test environment (tokens, settings, clock), factories, API shortcuts, service processes."""
