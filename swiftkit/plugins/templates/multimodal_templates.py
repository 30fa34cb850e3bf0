"""Chat templates of the multimodal families swiftkit registers without a media processor yet
(issue 14): data only.

Each is the family's TEXT format (ms-swift's template id) with ``media=None``: a conversation with
``<image>`` / ``<video>`` / ``<audio>`` tags is refused, plain text trains and serves. Where the
format is read from ms-swift's template registration (``swift/llm/template/template/*.py`` of
modelscope/ms-swift, e.g. ``internvl.py``: ChatML with InternVL2's system prompt), the description
says so; where nobody here could read the family's format, the closest base format is reused and
the description says "format unverified". The copies are built from the base template's own spec
(:func:`_like`), so a fix there reaches them.
"""

from __future__ import annotations

import dataclasses
import importlib

from swiftkit.core.specs import TemplateSpec

#: the sibling modules whose specs :func:`_like` may copy
_BASE_MODULES = ("chat", "base_templates", "qwen_templates", "deepseek_templates", "glm_templates", "internlm_templates",
                 "openai_templates", "microsoft_templates", "baidu_templates", "tencent_templates",
                 "minimax_templates", "openbmb_templates", "community_templates", "meta_templates")

NO_MEDIA = "swiftkit does not process this family's images/videos/audio yet (text only)"
UNVERIFIED = "format unverified"

# ms-swift's system prompts (swift/llm/template/template/internvl.py, deepseek.py)
INTERNVL_SYSTEM = "You are an AI assistant whose name is InternLM (书生·浦语)."
INTERNVL_PHI3_SYSTEM = "You are an AI assistant whose name is Phi-3."
INTERNVL2_SYSTEM = "你是由上海人工智能实验室联合商汤科技开发的书生多模态大模型，英文名叫InternVL, 是一个有用无害的人工智能助手。"
INTERNVL2_5_SYSTEM = "你是书生·万象，英文名是InternVL，是由上海人工智能实验室、清华大学及多家合作单位联合开发的多模态大语言模型。"
DEEPSEEK_VL_SYSTEM = ("You are a helpful language and vision assistant. You are able to understand the visual content "
                      "that the user provides, and assist the user with a variety of tasks using natural language.")


def _base_specs() -> dict[str, TemplateSpec]:
    specs: dict[str, TemplateSpec] = {}
    for name in _BASE_MODULES:
        for spec in importlib.import_module(f"swiftkit.plugins.templates.{name}").swift_register_templates():
            specs[spec.id] = spec
    return specs


def _like(bases: dict[str, TemplateSpec], base: str, id: str, what: str, *, verified: str | None = None,
          **fields) -> TemplateSpec:
    """The text format of the built-in ``base`` template under the name ``id``; ``verified`` names where
    the format was read, else the description says it is unverified."""
    source = f"the format of ms-swift's {verified}" if verified else f"{base!r}'s turns, {UNVERIFIED}"
    return dataclasses.replace(
        bases[base], id=id, aliases=[], media=None, tags=["multimodal", "text-only"],
        description=f"{what}: {source}; {NO_MEDIA}", **fields)


# (id, base template, what, where the format was read or None, field changes)
_FORMATS: tuple[tuple[str, str, str, str | None, dict], ...] = (
    # Qwen
    ("qwen_vl", "qwen", "Qwen-VL-Chat", None, {}),
    ("qwen_audio", "qwen", "Qwen-Audio-Chat", None, {}),
    ("qwen3_omni", "chatml", "Qwen3-Omni", None, {}),
    ("qwen3_asr", "chatml", "Qwen3-ASR", None, {}),
    ("qwen3_tts", "chatml", "Qwen3-TTS", None, {}),
    ("qwen3_vl_emb", "chatml", "Qwen3-VL-Embedding", None, {}),
    ("qwen3_vl_reranker", "chatml", "Qwen3-VL-Reranker", None, {}),
    ("qwen3_5", "qwen3", "Qwen3.5 (hybrid thinking)", None, {}),
    ("qwen3_8", "qwen3", "Qwen3.6/3.8 (hybrid thinking)", None, {}),
    ("qwen3_5_emb", "chatml", "Qwen3.5 embedding (UEmbed)", None, {}),
    ("qwen2_gme", "chatml", "GME-Qwen2-VL", None, {}),
    # InternVL / InternLM
    ("internvl", "chatml", "InternVL-Chat-V1.5", "internvl template (ChatML, InternLM system prompt)",
     {"default_system": INTERNVL_SYSTEM}),
    ("internvl_phi3", "phi3", "Mini-InternVL-Chat-4B-V1.5", "internvl_phi3 template (Phi-3 turns)",
     {"default_system": INTERNVL_PHI3_SYSTEM}),
    ("internvl2", "chatml", "InternVL2", "internvl2 template (ChatML, InternVL2 system prompt)",
     {"default_system": INTERNVL2_SYSTEM}),
    ("internvl2_phi3", "phi3", "InternVL2-4B", "internvl2_phi3 template (Phi-3 turns, InternVL2 system prompt)",
     {"default_system": INTERNVL2_SYSTEM}),
    ("internvl2_5", "chatml", "InternVL2.5 / InternVL3", "internvl2_5 template (ChatML, InternVL2.5 system prompt)",
     {"default_system": INTERNVL2_5_SYSTEM}),
    ("internvl3_5", "chatml", "InternVL3.5", "internvl3_5 template (ChatML, no system prompt)", {}),
    ("internvl3_5_gpt", "gpt_oss", "InternVL3.5-GPT-OSS", "internvl3_5_gpt template (gpt-oss's harmony turns)", {}),
    ("interns1", "qwen3", "Intern-S1", None, {}),
    ("ixcomposer2", "internlm2", "InternLM-XComposer2", None, {}),
    ("xcomposer2_5", "internlm2", "InternLM-XComposer2.5", None, {}),
    # DeepSeek
    ("deepseek_vl", "deepseek", "DeepSeek-VL", "deepseek_vl template (User:/Assistant: turns, VL system prompt)",
     {"default_system": DEEPSEEK_VL_SYSTEM}),
    ("deepseek_janus", "deepseek", "Janus", "deepseek_janus template (User:/Assistant: turns, VL system prompt)",
     {"default_system": DEEPSEEK_VL_SYSTEM}),
    ("deepseek_janus_pro", "deepseek", "Janus-Pro", None, {"default_system": DEEPSEEK_VL_SYSTEM}),
    ("deepseek_vl2", "deepseek_v2_5", "DeepSeek-VL2", None, {}),
    ("deepseek_ocr", "deepseek_v2_5", "DeepSeek-OCR", None, {}),
    ("deepseek_ocr2", "deepseek_v2_5", "DeepSeek-OCR-2", None, {}),
    ("unlimited_ocr", "deepseek_v2_5", "Unlimited-OCR", None, {}),
    # OpenBMB MiniCPM-V / -o
    ("minicpmv", "minicpm", "MiniCPM-V 1/2", "minicpmv template (MiniCPM's <用户>/<AI> turns)", {}),
    ("minicpmv2_5", "llama3", "MiniCPM-Llama3-V-2.5", "minicpmv2_5 template (Llama 3 turns)", {}),
    ("minicpmv2_6", "chatml", "MiniCPM-V-2.6", None, {}),
    ("minicpmv4", "chatml", "MiniCPM-V-4", None, {}),
    ("minicpmv4_5", "qwen3", "MiniCPM-V-4.5", None, {}),
    ("minicpmv4_6", "qwen3", "MiniCPM-V-4.6", None, {}),
    ("minicpmo", "chatml", "MiniCPM-o-2.6", None, {}),
    ("minicpmo4_5", "qwen3", "MiniCPM-o-4.5", None, {}),
    # Zhipu
    ("chatglm4v", "glm4", "GLM-4V-9B / CogAgent-9B", None, {}),
    ("glm_edge_v", "glm4", "GLM-Edge-V", None, {}),
    ("glm_ocr", "glm4_5", "GLM-OCR", None, {}),
    ("cogvlm", "default", "CogVLM", None, {}),
    ("cogagent_vqa", "default", "CogAgent-VQA", None, {}),
    ("cogagent_chat", "default", "CogAgent-Chat", None, {}),
    ("cogvlm2", "default", "CogVLM2", None, {}),
    ("cogvlm2_video", "default", "CogVLM2-Video", None, {}),
    # Microsoft
    ("phi3_vision", "phi3", "Phi-3/3.5-Vision", "phi3_vision template (Phi-3 turns)", {}),
    ("phi4_multimodal", "phi4", "Phi-4-multimodal", None, {}),
    ("florence", "default", "Florence-2", None, {}),
    # LLaVA originals (the llava-hf conversions have their own *_hf templates)
    ("llava1_6_mistral", "mistral", "LLaVA-1.6 Mistral", "llava1_6_mistral template ([INST] turns)", {}),
    ("llava1_6_yi", "chatml", "LLaVA-1.6 34B (Yi)", "llava1_6_yi template (ChatML)", {}),
    ("llava_next_qwen", "chatml", "LLaVA-NeXT 72B/110B (Qwen)", None, {}),
    ("llama3_llava_next", "llama3", "LLaVA-NeXT Llama 3", None, {}),
    ("llava_onevision1_5", "chatml", "LLaVA-OneVision-1.5", None, {}),
    # Allen AI
    ("molmo", "default", "Molmo / MolmoE", "molmo template (' User: q Assistant:' turns, <|endoftext|>)",
     {"prefix": "", "system": "{content} ", "default_system": None, "user": " User: {content}",
      "assistant_prefix": " Assistant:", "assistant_suffix": "<|endoftext|>", "stop_words": ["<|endoftext|>"],
      "special_tokens": ["<|endoftext|>"]}),
    ("molmo2", "chatml", "Molmo2", "molmo2 template (ChatML)", {}),
    # Ovis (AIDC-AI)
    ("ovis1_6", "gemma", "Ovis1.6 (Gemma 2)", None, {}),
    ("ovis1_6_llama3", "llama3", "Ovis1.6 (Llama 3.2)", None, {}),
    ("ovis2", "chatml", "Ovis2", None, {}),
    ("ovis2_5", "qwen3", "Ovis2.5", None, {}),
    ("ovis_ocr2", "qwen3", "OvisOCR2", None, {}),
    # mPLUG (Alibaba)
    ("mplug_owl2", "default", "mPLUG-Owl2", None, {}),
    ("mplug_owl3", "chatml", "mPLUG-Owl3", "mplug_owl3 template (Qwen's ChatML, no default system)", {}),
    ("mplug_owl3_241101", "chatml", "mPLUG-Owl3 (241101)", None, {}),
    ("doc_owl2", "default", "DocOwl2", None, {}),
    # Gemma / Llama / Mistral-style
    ("gemma3n", "gemma", "Gemma 3n", None, {}),
    ("gemma4", "gemma", "Gemma 4 (thinking)", None, {}),
    ("gemma4_nothinking", "gemma", "Gemma 4 (thinking off)", None, {}),
    ("diffusion_gemma", "gemma", "DiffusionGemma", None, {}),
    ("llama4", "llama3", "Llama 4", None, {}),
    ("llama3_1_omni", "llama3", "LLaMA-Omni", None, {}),
    ("yi_vl", "chatml", "Yi-VL", None, {}),
    # Baidu / Tencent / Kwai / Moonshot / MiniMax / StepFun / others
    ("ernie_vl", "ernie", "ERNIE-4.5-VL", None, {}),
    ("ernie_vl_thinking", "ernie_thinking", "ERNIE-4.5-VL-Thinking", None, {}),
    ("paddle_ocr", "chatml", "PaddleOCR-VL", None, {}),
    ("paddle_ocr_1_5", "chatml", "PaddleOCR-VL 1.5/1.6", None, {}),
    ("hunyuan_ocr", "hunyuan", "HunyuanOCR", None, {}),
    ("keye_vl", "qwen3", "Keye-VL", None, {}),
    ("keye_vl_1_5", "qwen3", "Keye-VL-1.5", None, {}),
    ("kimi_vl", "moonlight", "Kimi-VL", None, {}),
    ("kimi_k25", "kimi_k2", "Kimi-K2.5", None, {}),
    ("kimi_k3", "kimi_k2", "Kimi-K3", None, {}),
    ("minimax_vl", "minimax", "MiniMax-VL-01", None, {}),
    ("minimax_m3_vl", "minimax_m2", "MiniMax-M3", None, {}),
    ("step_audio", "chatml", "Step-Audio", None, {}),
    ("step_audio2_mini", "chatml", "Step-Audio-2-mini", None, {}),
    ("step3_vl", "chatml", "Step3-VL", None, {}),
    ("got_ocr2", "chatml", "GOT-OCR2", None, {}),
    ("got_ocr2_hf", "chatml", "GOT-OCR2 (HF port)", None, {}),
    ("emu3_chat", "default", "Emu3-Chat", None, {}),
    ("emu3_gen", "default", "Emu3-Gen", None, {}),
    ("dots_ocr", "chatml", "dots.ocr", None, {}),
    ("sail_vl2", "chatml", "SAIL-VL2", None, {}),
    ("valley", "chatml", "Valley", None, {}),
    ("megrez_omni", "megrez", "Megrez-3B-Omni", None, {}),
    ("midashenglm", "chatml", "MiDashengLM", None, {}),
    ("mimo_v2", "chatml", "MiMo-V2.5", None, {}),
    ("moss_vl", "chatml", "MOSS-VL", None, {}),
    ("muse_glimmer", "chatml", "Muse-Glimmer", None, {}),
    ("jina_reranker_m0", "chatml", "jina-reranker-m0", None, {}),
)


def swift_register_templates() -> list[TemplateSpec]:
    bases = _base_specs()
    return [_like(bases, base, id, what, verified=verified, **fields) for id, base, what, verified, fields in _FORMATS]
