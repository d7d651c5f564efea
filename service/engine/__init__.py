"""Pure: rule evaluation, state transitions, admission of a definition, the answers' views; no I/O."""
