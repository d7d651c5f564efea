"""The background jobs: their loop, each job through an outage, the webhook sender."""
