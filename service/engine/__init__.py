"""Pure rule evaluation and state transitions: plain values in, plain values out, no I/O."""
