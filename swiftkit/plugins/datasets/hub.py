"""Registered hub datasets (light registration module; data only, nothing is downloaded here).

Ids, ModelScope ids (``ms_id``) and Hugging Face ids (``hf_id``) are those of ms-swift's
public dataset list ("Supported Models and Datasets"); the registry answers to all three, so
``--dataset AI-ModelScope/alpaca-gpt4-data-en`` works as in ms-swift. Loading goes through
``datasets.load_dataset(hf_id)`` (the datasets cache is reused offline); ``columns`` renames a
hub column to the one the ``format`` expects.
"""

from __future__ import annotations

from swiftkit.core import DatasetSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.5"


@hookimpl
def swift_register_datasets() -> list[DatasetSpec]:
    return [
        DatasetSpec(
            id="alpaca-gpt4-data-en",
            description="52k English instructions with GPT-4 answers (Alpaca format)",
            format="alpaca",
            ms_id="AI-ModelScope/alpaca-gpt4-data-en",
            hf_id="vicgalle/alpaca-gpt4",
            num_rows=52002,
            tags=["chat", "general", "en"],
        ),
        DatasetSpec(
            id="alpaca-gpt4-data-zh",
            description="49k Chinese instructions with GPT-4 answers (Alpaca format)",
            format="alpaca",
            ms_id="AI-ModelScope/alpaca-gpt4-data-zh",
            hf_id="llm-wizard/alpaca-gpt4-data-zh",
            num_rows=48818,
            tags=["chat", "general", "zh"],
        ),
        DatasetSpec(
            id="alpaca-cleaned",
            description="The cleaned Stanford Alpaca data (Alpaca format)",
            format="alpaca",
            ms_id="AI-ModelScope/alpaca-cleaned",
            hf_id="yahma/alpaca-cleaned",
            num_rows=51760,
            tags=["chat", "general", "quality", "en"],
        ),
        DatasetSpec(
            id="tagengo-gpt4",
            description="76k multilingual GPT-4 conversations (ShareGPT format)",
            format="sharegpt",
            ms_id="swift/tagengo-gpt4",
            hf_id="lightblue/tagengo-gpt4",
            num_rows=76437,
            tags=["chat", "multilingual", "quality"],
        ),
        DatasetSpec(
            id="ultrachat_200k",
            description="UltraChat 200k multi-turn dialogues (messages format, split train_sft)",
            format="messages",
            ms_id="swift/ultrachat_200k",
            hf_id="HuggingFaceH4/ultrachat_200k",
            split="train_sft",
            num_rows=207843,
            tags=["chat", "en", "quality", "multi-round"],
        ),
        DatasetSpec(
            id="self-cognition-hub",
            description="ms-swift's who-am-I questions and answers on the hub (query/response); {{NAME}} and "
            "{{AUTHOR}} become --model_name / --model_author ('self-cognition' is the bundled, offline set)",
            format="query_response",
            ms_id="swift/self-cognition",
            hf_id="modelscope/self-cognition",
            subsets=["default", "qwen3", "empty_think"],
            num_rows=108,
            tags=["chat", "self-cognition"],
        ),
        DatasetSpec(
            id="wikipedia-cn-20230720-filtered",
            description="Filtered Chinese Wikipedia articles for pre-training (column 'completion' read as text)",
            format="text",
            ms_id="AI-ModelScope/wikipedia-cn-20230720-filtered",
            hf_id="pleisto/wikipedia-cn-20230720-filtered",
            columns={"completion": "text"},
            tags=["pretrain", "quality", "zh"],
        ),
    ]
