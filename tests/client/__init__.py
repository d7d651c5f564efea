"""The bot's client: its pure parts, retries, the journey against the live service, install alone, README example."""
