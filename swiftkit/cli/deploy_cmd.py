"""``swift deploy``: serve a model (and its adapters) over an OpenAI-compatible HTTP API.

Flags are run-config keys (``--key value``, dashed spellings too, or ``--config FILE.yaml``):
``--model`` / ``--adapters`` / ``--infer_backend`` / ``--template`` choose what is served, as in
``swift infer``; ``--host`` / ``--port`` / ``--api_key`` / ``--served_model_name`` /
``--max_concurrency`` / ``--max_tokens_limit`` / ``--max_length`` (prompt + answer tokens, default
the model's context) / ``--max_request_bytes`` (default 8 MiB) / ``--shutdown_timeout`` /
``--allow_control_tokens`` / the media limits (``--max_media_bytes``, ``--max_media_per_request``,
``--media_fetch_timeout``, ``--allow_local_media DIR``) shape the server (see
:mod:`swiftkit.serve.server` for the rules). The URL is printed once the server accepts
connections.
"""

from __future__ import annotations

import click

from swiftkit.cli.run_args import adjust_config, pop_config_file, print_help

_SETTINGS = {"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}

_HELP_KEYS = ["model", "adapters", "infer_backend", "template", "host", "port", "api_key", "served_model_name",
              "max_concurrency", "max_tokens_limit", "max_new_tokens", "shutdown_timeout", "allow_control_tokens",
              "torch_dtype", "max_length", "max_request_bytes", "task_type", "max_media_bytes", "max_media_per_request",
              "media_fetch_timeout", "allow_local_media"]


def deploy(args: list[str]) -> None:
    from swiftkit.core.config import build_config
    from swiftkit.core.registry import get_registry
    from swiftkit.models.noise import quiet_transformers
    from swiftkit.serve.server import serve

    if "--help" in args or "-h" in args:
        print_help("deploy", "Usage: swift deploy [--config FILE.yaml] --model M [--adapters [NAME=]DIR ...] [--port 8000] "
                   "[--key value ...]", _HELP_KEYS,
                   intro="Serves /v1/chat/completions, /v1/completions, /v1/models and /health (OpenAPI at /docs); "
                   "a task model (--task_type, or its checkpoint's) /v1/embeddings, /v1/rerank or /v1/classify.")
        return
    args, config_file = pop_config_file(args)
    registry = get_registry()
    config = adjust_config(registry, "deploy", build_config(registry, command="deploy", cli_args=args, config_file=config_file))
    quiet_transformers()  # no "Loading weights" bar per engine start
    serve(config, registry=registry, echo=click.echo)


@click.command("deploy", context_settings=_SETTINGS, add_help_option=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def deploy_command(args: tuple[str, ...]) -> None:
    """Serve a model over an OpenAI-compatible HTTP API."""
    deploy(list(args))
