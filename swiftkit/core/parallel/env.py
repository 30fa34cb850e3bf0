"""Where this process runs: the world it belongs to and the devices it can see.

Read from the launcher's environment (torchrun and the DeepSpeed launcher both set
``RANK``/``LOCAL_RANK``/``WORLD_SIZE``) and from ms-swift's launch variables
(``NPROC_PER_NODE``, ``NNODES``, ``NODE_RANK``, ``MASTER_ADDR``, ``MASTER_PORT``).
Imports nothing heavy unless devices are probed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Devices:
    """The accelerators of one machine (``kind`` ``"cpu"`` when there are none)."""

    kind: str = "cpu"
    count: int = 0
    memory_gib: list[float] = field(default_factory=list)
    bf16: bool = False
    names: list[str] = field(default_factory=list)

    @property
    def has_gpu(self) -> bool:
        return self.kind != "cpu" and self.count > 0


def probe_devices() -> Devices:
    """Ask torch what accelerators this machine has (imports torch)."""
    import torch

    if torch.cuda.is_available():
        n = torch.cuda.device_count()
        props = [torch.cuda.get_device_properties(i) for i in range(n)]
        return Devices(
            kind="cuda",
            count=n,
            memory_gib=[p.total_memory / 2**30 for p in props],
            bf16=bool(torch.cuda.is_bf16_supported()),
            names=[p.name for p in props],
        )
    return Devices()


@dataclass
class ParallelEnv:
    """The process layout of a run: asked for (launch side) or joined (worker side)."""

    nproc_per_node: int = 1
    nnodes: int = 1
    node_rank: int = 0
    master_addr: str = "127.0.0.1"
    master_port: int = 29500
    rank: int = 0
    local_rank: int = 0
    devices: Devices = field(default_factory=Devices)

    @property
    def world_size(self) -> int:
        return self.nproc_per_node * self.nnodes

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @staticmethod
    def launched() -> bool:
        """True inside a process started by torchrun or the DeepSpeed launcher."""
        return "LOCAL_RANK" in os.environ and "WORLD_SIZE" in os.environ

    @classmethod
    def from_config(cls, config: dict[str, Any], environ: dict[str, str] | None = None, devices: Devices | None = None) -> ParallelEnv:
        """Flags win over ms-swift's environment variables; inside a launched worker the
        launcher's own variables describe the world."""
        env = os.environ if environ is None else environ

        def pick(key: str, default: Any, cast: Any = int) -> Any:
            if config.get(key) is not None:
                return cast(config[key])
            if env.get(key.upper()):
                return cast(env[key.upper()])
            return default

        out = cls(
            nproc_per_node=pick("nproc_per_node", 1),
            nnodes=pick("nnodes", 1),
            node_rank=pick("node_rank", 0),
            master_addr=pick("master_addr", "127.0.0.1", str),
            master_port=pick("master_port", 29500),
            devices=devices or Devices(),
        )
        if "LOCAL_RANK" in env and "WORLD_SIZE" in env:
            world = int(env["WORLD_SIZE"])
            out.rank = int(env.get("RANK", 0))
            out.local_rank = int(env["LOCAL_RANK"])
            out.nproc_per_node = int(env.get("LOCAL_WORLD_SIZE", world // max(out.nnodes, 1)))
            out.nnodes = max(world // max(out.nproc_per_node, 1), 1)
            out.node_rank = int(env.get("GROUP_RANK", out.rank // max(out.nproc_per_node, 1)))
        return out
