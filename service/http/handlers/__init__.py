"""One module per resource; each handler takes what the wiring resolved (a Context, the inputs) and calls one use case."""
