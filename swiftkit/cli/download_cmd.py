"""``swift download``: fetch a model or dataset ahead of time, into its hub's cache.

``--model`` / ``--dataset`` take a registered id or a hub id (``owner/name``); ``--use_hf false``
(or ``USE_HF=0``) downloads from ModelScope instead of Hugging Face, ``--model_revision`` picks a
branch, tag or commit, ``--hub_token`` reads private or gated repositories. The progress bar
goes to stderr; the local folder is printed on stdout, one line per repository, so a script can
read it (``--model "$(swift download --model ID)"``). Later runs find the snapshot in the same
cache, offline too.
"""

from __future__ import annotations

import click


@click.command("download")
@click.option("--model", "models", multiple=True, metavar="ID", help="A registered model id or a hub id (owner/name).")
@click.option("--dataset", "datasets", multiple=True, metavar="ID", help="A registered dataset id or a hub id.")
@click.option("--use_hf", "--use-hf", "use_hf", type=click.BOOL, default=None,
              help="true: Hugging Face; false: ModelScope (needs the 'modelscope' package). Default $USE_HF, else true.")
@click.option("--model_revision", "--model-revision", "--revision", "revision", default=None, metavar="REV",
              help="Branch, tag or commit (default: the hub's default branch).")
@click.option("--hub_token", "--hub-token", "hub_token", default=None, metavar="TOKEN",
              help="Token for private or gated repositories (default $HF_TOKEN / $MODELSCOPE_API_TOKEN or a saved login).")
def download_command(models: tuple[str, ...], datasets: tuple[str, ...], use_hf: bool | None, revision: str | None,
                     hub_token: str | None) -> None:
    """Download a model or dataset into the hub's cache and print its local folder."""
    from swiftkit.core.errors import ConfigError
    from swiftkit.core.registry import get_registry
    from swiftkit.models.hub import dataset_repo, download, model_repo

    if not models and not datasets:
        raise ConfigError("swift download needs --model ID or --dataset ID (a registered id or a hub id owner/name)")
    registry = get_registry()
    config = {"use_hf": use_hf, "hub_token": hub_token, "model_revision": revision, "dataset_revision": revision}
    repos = [model_repo(name, registry, config)[1] for name in models]
    for name in datasets:
        repo = dataset_repo(name, registry, config)
        if repo is None:
            click.echo(f"dataset {name!r} is bundled with its plugin: nothing to download", err=True)
        else:
            repos.append(repo)
    for repo in repos:
        folder = download(repo, progress=True)  # a failure is one line: nothing is printed before it
        click.echo(f"{repo.repo_type} {repo.repo_id} from {repo.hub_name}"
                   + (f" (revision {repo.revision})" if repo.revision else "") + ": ready", err=True)
        click.echo(folder)
