"""The pages' words in English and Chinese (``--lang en|zh``, ms-swift's flag)."""

from __future__ import annotations

LANGS = ("en", "zh")

_TEXT: dict[str, dict[str, str]] = {
    "chat": {"en": "Chat", "zh": "对话"},
    "message": {"en": "Message", "zh": "输入"},
    "message_placeholder": {"en": "Type a message and press Enter", "zh": "输入消息后按回车发送"},
    "system": {"en": "System prompt", "zh": "系统提示词"},
    "system_placeholder": {"en": "(the template's default)", "zh": "（使用模板默认值）"},
    "send": {"en": "Send", "zh": "发送"},
    "stop": {"en": "Stop", "zh": "停止"},
    "clear": {"en": "Clear history", "zh": "清空历史"},
    "image": {"en": "Image", "zh": "图片"},
    "model": {"en": "Model", "zh": "模型"},
    "default_title": {"en": "swiftkit chat", "zh": "swiftkit 对话"},
    "error": {"en": "error", "zh": "错误"},
}


def text(key: str, lang: str | None = "en") -> str:
    """The words of ``key`` in ``lang`` (English when ``lang`` is unset)."""
    entry = _TEXT[key]
    return entry.get(lang or "en") or entry["en"]
