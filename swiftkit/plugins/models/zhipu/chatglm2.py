"""``chatglm2``: ChatGLM2-6B and CodeGeeX2-6B. Their custom code needs an old transformers
(ms-swift's listing: <4.42, CodeGeeX2 <4.34), so they are unsupported on the pinned 5.19.
Context: config.json ``seq_length``. Data only."""

from __future__ import annotations

from ._chatglm import CHATGLM, REMOTE_CLASS

FAMILIES = {
    "chatglm2": {
        **CHATGLM,
        "name": "ChatGLM2",
        "template": "chatglm2",
        "support": "unsupported",
        "support_note": f"{REMOTE_CLASS} needs transformers<4.42 (installed: 5.19)",
        "requires": ["transformers<4.42"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("chatglm2", "chatglm2-6b", "ZhipuAI/chatglm2-6b", "zai-org/chatglm2-6b", 6.24, 32768, "chat"),
    ("chatglm2", "chatglm2-6b-32k", "ZhipuAI/chatglm2-6b-32k", "zai-org/chatglm2-6b-32k", 6.24, 32768, "chat"),
    ("chatglm2", "codegeex2-6b", "ZhipuAI/codegeex2-6b", "zai-org/codegeex2-6b", 6.24, 8192, "base", "code",
     {"support_note": f"{REMOTE_CLASS} needs transformers<4.34 (installed: 5.19)", "requires": ["transformers<4.34"]}),
]
# fmt: on
SHAPES: dict = {}
