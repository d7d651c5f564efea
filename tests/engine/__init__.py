"""Pure rules: condition evaluation, the reward state machine, and the validation of reward definitions."""
