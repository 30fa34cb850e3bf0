"""Running a job on several processes: strategy selection, the torchrun/DeepSpeed launcher, one rank."""
