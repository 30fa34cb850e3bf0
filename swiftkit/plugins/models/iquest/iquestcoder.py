"""IQuest-Coder-V1 40B (ms-swift model type ``iquestcoder``): IQuest Lab's code models: the
stage-1 and final base models and the instruct model, 128K context.

``IQuestCoderForCausalLM`` is custom code pinned by its publisher (and by the listing) to
``transformers==4.52.4``; transformers 5.19 has no class for it, so it is listed as
unsupported on this version rather than offered through ``--trust_remote_code``.
"""

from __future__ import annotations

FAMILIES = {
    "iquestcoder": {
        "name": "IQuest-Coder",
        "architecture": "IQuestCoderForCausalLM",
        "hf_model_type": "iquestcoder",
        "template": "iquestcoder",
        "decoder_layer_cls": "IQuestCoderDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "requires": ["transformers==4.52.4"],
        "support": "unsupported",
        "support_note": "IQuestCoderForCausalLM is custom code pinned to transformers==4.52.4 (the listing's "
        "requirement); swiftkit pins transformers 5.19, which has no class for model type iquestcoder",
    },
}

# fmt: off
CHECKPOINTS = [
    ("iquestcoder", "iquest-coder-v1-40b-base-stage1", "IQuestLab/IQuest-Coder-V1-40B-Base-Stage1", "=", 40.0, 131072,
     "base", "code", "long-context"),
    ("iquestcoder", "iquest-coder-v1-40b-base", "IQuestLab/IQuest-Coder-V1-40B-Base", "=", 40.0, 131072, "base", "code",
     "long-context"),
    ("iquestcoder", "iquest-coder-v1-40b-instruct", "IQuestLab/IQuest-Coder-V1-40B-Instruct", "=", 40.0, 131072,
     "instruct", "code", "long-context"),
]
# fmt: on
