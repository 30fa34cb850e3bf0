"""``swift rollout``: serve a vLLM engine that online RL samples from and loads weights into
(``swift rlhf ... --use_vllm true --vllm_mode server``); see :mod:`swiftkit.serve.rollout`.

Flags are run-config keys: ``--model`` (and ``--template`` ...) as in ``swift deploy``, ``--host``
/ ``--port``, and the ``vllm_*`` engine flags (``--vllm_max_model_len``, ``--vllm_enforce_eager``,
``--vllm_gpu_memory_utilization`` ...).
"""

from __future__ import annotations

import click

from swiftkit.cli.run_args import adjust_config, pop_config_file, print_help

_SETTINGS = {"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}

_HELP_KEYS = ["model", "template", "host", "port", "torch_dtype", "vllm_gpu_memory_utilization", "vllm_max_model_len",
              "vllm_max_num_seqs", "vllm_enforce_eager", "vllm_enable_prefix_caching", "vllm_tensor_parallel_size",
              "vllm_engine_kwargs"]


def rollout(args: list[str]) -> None:
    from swiftkit.core.config import build_config
    from swiftkit.core.registry import get_registry
    from swiftkit.models.noise import quiet_transformers
    from swiftkit.serve.rollout import serve_rollout

    if "--help" in args or "-h" in args:
        print_help("rollout", "Usage: swift rollout [--config FILE.yaml] --model M [--port 8000] [--vllm_* value ...]",
                   _HELP_KEYS, intro="Serves /generate, /update_weights, /health and /info for swift rlhf --use_vllm true "
                   "--vllm_mode server.")
        return
    args, config_file = pop_config_file(args)
    registry = get_registry()
    overrides = {} if any(a.lstrip("-").replace("-", "_").startswith("infer_backend") for a in args) else {
        "infer_backend": "vllm"}
    config = adjust_config(registry, "rollout", build_config(registry, command="rollout", cli_args=args,
                                                              config_file=config_file, overrides=overrides))
    quiet_transformers()
    serve_rollout(config, registry=registry, echo=click.echo)


@click.command("rollout", context_settings=_SETTINGS, add_help_option=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def rollout_command(args: tuple[str, ...]) -> None:
    """Serve a vLLM engine for online RL rollouts (weights synced from the trainer)."""
    rollout(list(args))
