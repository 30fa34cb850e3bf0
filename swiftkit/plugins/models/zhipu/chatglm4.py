"""``chatglm4``: GLM-4-9B in its first, custom-code release (and LongWriter-GLM4-9B). The listing
asks transformers>=4.42; the code was written for 4.4x and is not known to run on 5.19, so it is
remote code, not tested. (The native ``glm4`` family is GLM-4-0414.) Context: ``seq_length``.
Data only."""

from __future__ import annotations

from ._chatglm import CHATGLM, REMOTE_CLASS

LC = "long-context"

FAMILIES = {
    "chatglm4": {
        **CHATGLM,
        "name": "GLM-4 (ChatGLM architecture)",
        "template": "chatglm4",
        "support": "remote_code",
        "support_note": f"{REMOTE_CLASS} and ChatGLM4Tokenizer (tiktoken) from its tokenization_chatglm.py",
        "requires": ["transformers>=4.42"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("chatglm4", "glm-4-9b-chat", "ZhipuAI/glm-4-9b-chat", "zai-org/glm-4-9b-chat", 9.4, 131072, "chat", LC),
    ("chatglm4", "glm-4-9b", "ZhipuAI/glm-4-9b", "zai-org/glm-4-9b", 9.4, 8192, "base"),
    ("chatglm4", "glm-4-9b-chat-1m", "ZhipuAI/glm-4-9b-chat-1m", "zai-org/glm-4-9b-chat-1m", 9.4, 1048576, "chat", LC),
    ("chatglm4", "longwriter-glm4-9b", "ZhipuAI/LongWriter-glm4-9b", "zai-org/LongWriter-glm4-9b", 9.4, 131072, "chat", LC),
]
# fmt: on
SHAPES: dict = {}
