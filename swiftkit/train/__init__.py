"""Training machinery the method plugins plug into: ``transformers.Trainer`` glue, logging,
atomic checkpoints, the run folder. Heavy imports live inside the modules that need them."""
