"""``swift app``: a chat page in the browser (Gradio) over a model or a running server;
see :mod:`swiftkit.ui.app`.

    swift app --model output/v0-xxx/checkpoint-100 --stream true          # a LoRA checkpoint
    swift app --model Qwen/Qwen2.5-7B-Instruct --adapters ckpt --system "Be brief." --server_port 7860
    swift app --base_url http://127.0.0.1:8000/v1 --studio_title "My model" --lang zh

Flags are run-config keys (ms-swift's names): the engine's (``--infer_backend``, ``--template``,
sampling ``--max_new_tokens`` / ``--temperature`` ...) and the page's (``--studio_title``,
``--lang``, ``--server_name``, ``--server_port``, ``--share``, ``--is_multimodal``).
"""

from __future__ import annotations

import click

from swiftkit.cli.run_args import adjust_config, pop_config_file, print_help

_SETTINGS = {"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}

_HELP_KEYS = ["model", "adapters", "base_url", "api_key", "infer_backend", "template", "system", "is_multimodal",
              "studio_title", "lang", "server_name", "server_port", "share", "max_new_tokens", "temperature", "top_p",
              "top_k", "repetition_penalty", "stop_words", "torch_dtype"]


def app_config(args: list[str], registry: object) -> dict:
    """The validated run config of ``swift app`` (the ``pt`` engine unless ``--infer_backend``)."""
    from swiftkit.core.config import build_config

    args, config_file = pop_config_file(args)
    base = {"infer_backend": "pt"} if ("engine", "pt") in registry and "--base_url" not in args else None  # type: ignore[operator]
    return adjust_config(registry, "app", build_config(registry, command="app", cli_args=args,
                                                        config_file=config_file, base=base))


def run_app_command(args: list[str]) -> None:
    if "--help" in args or "-h" in args:
        print_help("app", "Usage: swift app (--model M [--adapters A] | --base_url http://HOST:PORT/v1) [--key value ...]",
                   _HELP_KEYS, intro="Serves a chat page (Gradio): streaming, multi-turn history, a system prompt, "
                   "image upload for multimodal models.")
        return
    from swiftkit.cli.infer_cmd import sampling_options
    from swiftkit.core.registry import get_registry
    from swiftkit.models.noise import quiet_transformers
    from swiftkit.ui.app import run_app

    registry = get_registry()
    config = app_config(list(args), registry)
    quiet_transformers()
    run_app(config, sampling_options(config), registry=registry, echo=click.echo)


@click.command("app", context_settings=_SETTINGS, add_help_option=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def app_command(args: tuple[str, ...]) -> None:
    """A chat page (Gradio) over a model or a running OpenAI-compatible server."""
    run_app_command(list(args))
