"""Command-line entry points (`rewards-seed`, `rewards-report`) that reuse the service's code."""
