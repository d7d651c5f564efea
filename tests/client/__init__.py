"""The bot's client: its pure parts, retries, the journey against the live service, install alone, the bot guide's examples."""
