"""The commands of ``swift`` itself. A plugin command may not take one of these names.

Pure data: each command is a lazy ``"module:attr"`` reference to its click command (imported
only when it runs) and its one-line help, so ``swift --help`` lists them without importing any.
"""

from __future__ import annotations

#: name -> (module:attr of the click command, one-line help)
CORE_COMMANDS: dict[str, tuple[str, str]] = {
    "list": ("swiftkit.cli.list_cmd:list_command", "List installed models, templates, datasets, methods, engines ..."),
    "info": ("swiftkit.cli.info_cmd:info_command", "Show one spec in full: options, requirements, provenance."),
    "plugins": ("swiftkit.cli.plugins_cmd:plugins_group", "Show installed plugins and their status; check one."),
    "config-schema": ("swiftkit.cli.schema_cmd:config_schema_command", "Print the run-configuration JSON Schema."),
    "sft": ("swiftkit.cli.train_cmd:sft_command", "Supervised fine-tuning (ms-swift flags; --config FILE.yaml)."),
    "pt": ("swiftkit.cli.train_cmd:pt_command", "Continued pre-training on plain text."),
    "infer": ("swiftkit.cli.infer_cmd:infer_command", "Chat with a model in the terminal, or answer every row of --val_dataset."),
    "deploy": ("swiftkit.cli.deploy_cmd:deploy_command", "Serve a model over an OpenAI-compatible HTTP API (FastAPI + uvicorn)."),
    "export": ("swiftkit.cli.export_cmd:export_command", "Merge LoRA, quantize (--quant_method), write GGUF / Ollama, push to a hub."),
    "eval": ("swiftkit.cli.eval_cmd:eval_command", "Evaluate a model, checkpoint or running server on benchmarks or local files."),
    "sample": ("swiftkit.cli.sample_cmd:sample_command", "N completions per prompt, scored and filtered into an SFT or preference dataset."),
    "app": ("swiftkit.cli.app_cmd:app_command", "A chat page (Gradio) over a model or a running OpenAI-compatible server."),
    "web-ui": ("swiftkit.cli.web_ui_cmd:web_ui_command", "A web UI (Gradio) that builds, runs and watches sft/rlhf/infer/deploy/eval/export runs."),
    "rlhf": ("swiftkit.cli.train_cmd:rlhf_command", "Alignment: --rlhf_type dpo|kto|orpo|simpo|cpo|rm|ppo|grpo|gkd."),
    "demo": ("swiftkit.cli.demo_cmd:demo_command", "Run the built-in demo offline on CPU (tiny model, no download)."),
    "tiny-model": ("swiftkit.cli.tiny_model_cmd:tiny_model_command", "Save a tiny random model of any registered family to practise on (offline)."),
    "download": ("swiftkit.cli.download_cmd:download_command", "Download a model or dataset from Hugging Face or ModelScope (--use_hf false) ahead of time."),
    "rollout": ("swiftkit.cli.rollout_cmd:rollout_command", "Serve a vLLM engine that online RL samples from (swift rlhf --use_vllm true --vllm_mode server)."),
    "recommend": ("swiftkit.cli.recommend_cmd:recommend_command", "The cheapest training configuration that fits your GPUs, with its memory estimate."),
}
