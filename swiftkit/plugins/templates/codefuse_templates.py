"""Chat templates of CodeFuse (Ant Group) and ModelScope-Agent (ms-swift's ids).
Data only."""

from __future__ import annotations

from swiftkit.core.specs import TemplateSpec

DEFAULT_SYSTEM = "You are a helpful assistant."


def swift_register_templates() -> list[TemplateSpec]:
    return [
        # CodeFuse-QWen / CodeFuse-CodeGeeX2: <s>human\nq\n<s>bot\na<eos>\n
        TemplateSpec(
            id="codefuse",
            description="CodeFuse (<s>human ... <s>bot ...)",
            system="<s>system\n{content}\n",
            user="<s>human\n{content}\n<s>bot\n",
            assistant_suffix="<|endoftext|>\n",
            stop_words=["<|endoftext|>"],
            special_tokens=["<s>", "<|endoftext|>"],
        ),
        # ModelScope-Agent: " \n\n<|user|>:q \n\n<|assistant|>:a", the last reply closed by " \n\n</s>".
        TemplateSpec(
            id="modelscope_agent",
            description="ModelScope-Agent ( \\n\\n<|user|>: ... \\n\\n<|assistant|>: ...)",
            system=" \n\n<|system|>:{content}",
            user=" \n\n<|user|>:{content} \n\n<|assistant|>:",
            train_reply_end=" \n\n</s>",
            default_system=DEFAULT_SYSTEM,
            stop_words=["</s>"],
            special_tokens=["</s>"],
        ),
    ]
