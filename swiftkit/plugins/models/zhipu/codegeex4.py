"""``codegeex4``: CodeGeeX4-ALL-9B, a code model on GLM-4-9B's ChatGLM architecture. Its custom
code needs transformers<4.42 (listing). Context: ``seq_length``. Data only."""

from __future__ import annotations

from ._chatglm import CHATGLM, REMOTE_CLASS

FAMILIES = {
    "codegeex4": {
        **CHATGLM,
        "name": "CodeGeeX4",
        "template": "codegeex4",
        "support": "unsupported",
        "support_note": f"{REMOTE_CLASS} needs transformers<4.42 (installed: 5.19)",
        "requires": ["transformers<4.42"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("codegeex4", "codegeex4-all-9b", "ZhipuAI/codegeex4-all-9b", "zai-org/codegeex4-all-9b", 9.4, 131072, "chat", "code", "long-context"),
]
# fmt: on
SHAPES: dict = {}
