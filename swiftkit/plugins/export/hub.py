"""Hub upload: registration module (light: imports nothing heavy).

``swift export --push_to_hub true --hub_model_id OWNER/NAME`` uploads the exported folder (or
``--model`` itself when nothing else is exported) to Hugging Face (``--use_hf true``, the
default) or ModelScope (``--use_hf false``), creating the repository first, private with
``--hub_private_repo true``, and with a model card generated from the run
(:mod:`swiftkit.export.model_card`). ``--dry_run true`` lists the repository and the files and
uploads nothing. The implementation is :mod:`swiftkit.plugins.export.hub_impl`.
"""

from __future__ import annotations

from swiftkit.core import ExporterSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.5"

HUB_OPTIONS = {
    "type": "object",
    "properties": {
        "commit_message": {
            "type": "string",
            "description": "swift export --push_to_hub: the upload's commit message (default: 'Upload <folder> "
            "with swiftkit').",
        },
        "hub_eval_report": {
            "type": "string",
            "description": "swift export --push_to_hub: a swift eval report.json (or its run folder) whose scores "
            "the model card shows (default: the newest under <folder>/eval_output/).",
        },
    },
}


@hookimpl
def swift_register_exporters():
    return [
        ExporterSpec(
            id="hub",
            description="Upload the folder to Hugging Face or ModelScope (--hub_model_id, --hub_private_repo, "
            "--hub_token, --use_hf) with a model card generated from args.json.",
            tags=["publish", "hub"],
            options=HUB_OPTIONS,
            selected_by={"push_to_hub": [True]},
            stage="publish",
            impl="swiftkit.plugins.export.hub_impl:HubExporter",
        )
    ]
