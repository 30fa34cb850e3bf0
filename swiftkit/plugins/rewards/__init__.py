"""Built-in reward functions for online RL (GRPO): registration in ``builtin``, behaviour in ``functions``."""
