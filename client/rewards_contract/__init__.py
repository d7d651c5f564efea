"""The rewards API's wire contract: every request and answer model, the error codes and their exceptions.

Depends on pydantic only. The service validates and answers with these models, `/openapi.json` is
generated from them, and the bot's client (`rewards_client`) parses with them: the wire format is
written once.
"""
