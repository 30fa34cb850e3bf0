"""``chatglm3``: ChatGLM3-6B (base, chat, 32K and 128K). The listing renders it with the
``chatglm4`` template; its custom code needs transformers<4.42. Context: ``seq_length``. Data only."""

from __future__ import annotations

from ._chatglm import CHATGLM, REMOTE_CLASS

FAMILIES = {
    "chatglm3": {
        **CHATGLM,
        "name": "ChatGLM3",
        "template": "chatglm4",
        "support": "unsupported",
        "support_note": f"{REMOTE_CLASS} needs transformers<4.42 (installed: 5.19)",
        "requires": ["transformers<4.42"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("chatglm3", "chatglm3-6b", "ZhipuAI/chatglm3-6b", "zai-org/chatglm3-6b", 6.24, 8192, "chat"),
    ("chatglm3", "chatglm3-6b-base", "ZhipuAI/chatglm3-6b-base", "zai-org/chatglm3-6b-base", 6.24, 32768, "base"),
    ("chatglm3", "chatglm3-6b-32k", "ZhipuAI/chatglm3-6b-32k", "zai-org/chatglm3-6b-32k", 6.24, 32768, "chat"),
    ("chatglm3", "chatglm3-6b-128k", "ZhipuAI/chatglm3-6b-128k", "zai-org/chatglm3-6b-128k", 6.24, 131072, "chat", "long-context"),
]
# fmt: on
SHAPES: dict = {}
