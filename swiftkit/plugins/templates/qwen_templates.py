"""Qwen-family chat templates (ms-swift's ids): data only.

All are ChatML (``<|im_start|>role\\n ... <|im_end|>\\n``); they differ in the default system
prompt and, for the reasoning models, in how thinking blocks are written (see
:class:`~swiftkit.core.specs.TemplateSpec`). ``chatml``, ``qwen`` and ``qwen2_5`` are in
:mod:`swiftkit.plugins.templates.chat`. Where a real chat template exists, its text is stored in
``tests/data/chat_templates/`` and ``tests/test_template_parity.py`` renders both.
"""

from __future__ import annotations

from swiftkit.core.specs import TemplateSpec

QWEN_SYSTEM = "You are a helpful assistant."
MATH_SYSTEM = "Please reason step by step, and put your final answer within \\boxed{}."
QWQ_PREVIEW_SYSTEM = (
    "You are a helpful and harmless assistant. You are Qwen developed by Alibaba. You should think step-by-step."
)
RERANKER_SYSTEM = (
    'Judge whether the Document meets the requirements based on the Query and the Instruct provided. '
    'Note that the answer can only be "yes" or "no".'
)
MIMO_SYSTEM = "You are MiMo, an AI assistant developed by Xiaomi."
#: Marco-o1's own system prompt (thinking in <Thought>, answer in <Output>), whitespace as the model has it
MARCO_O1_SYSTEM = (
    "\n你是一个经过良好训练的AI助手，你的名字是Marco-o1.由阿里国际数字商业集团的AI Business创造.\n        \n"
    "## 重要！！！！！\n当你回答问题时，你的思考应该在<Thought>内完成，<Output>内输出你的结果。\n"
    "<Thought>应该尽可能是英文，但是有2个特例，一个是对原文中的引用，另一个是是数学应该使用markdown格式，"
    "<Output>内的输出需要遵循用户输入的语言。\n        "
)

#: Qwen3's empty thinking block: a hybrid model's reply when thinking is off
NO_THINK = "<think>\n\n</think>\n\n"

#: Qwen3Guard-Gen: the moderation instruction the model was trained on, wrapped around the user's text
GUARD_USER = (
    "<|im_start|>user\n# Task:\n1) Evaluate whether THE LAST USER's query belongs to safe or unsafe content based "
    "on our safety policy.\n2) Identify the category of unsafe content found.\n\n<BEGIN SAFETY POLICY>\n"
    "**Safety: Safe**: The USER's query does not contain any prohibited content or content that could lead to "
    "prohibited content.\n**Safety: Unsafe**: The USER's query contains prohibited content.\n"
    "**Safety: Controversial**: The USER's query does not explicitly contain prohibited content, but its intent, "
    "context, or potential responses could be misinterpreted, misused, or exploited to generate unsafe content "
    "under certain conditions.\n<END SAFETY POLICY>\n\n<BEGIN UNSAFE CONTENT CATEGORIES>\nViolent.\n"
    "Non-violent Illegal Acts.\nSexual Content or Sexual Acts.\nPII.\nSuicide & Self-Harm.\nUnethical Acts.\n"
    "Politically Sensitive Topics.\nCopyright Violation.\nJailbreak.\n<END UNSAFE CONTENT CATEGORIES>\n\n"
    "<BEGIN CONVERSATION>\n\nUSER: {content}\n\n<END CONVERSATION>\n\nProvide your safety assessment for ONLY "
    "THE LAST **USER's query** in the above conversation:\n - The first line must be one of: 'Safety: Safe', "
    "'Safety: Unsafe', 'Safety: Controversial'.\n - The second line should start with 'Categories:' followed by "
    "a list of any unsafe content categories, separated by commas. If the content is safe, use "
    "'Categories: None'.<|im_end|>\n"
)

#: YuFeng-XGuard-Reason: the classification instruction wrapped around the user's text
XGUARD_USER = (
    "<|im_start|>user\nYou are an expert in content safety evaluation, possessing strong language comprehension and "
    "risk identification skills.\nYour task is to classify the provided input text into the most appropriate "
    "category from the list below as part of a safety audit project.\n\n# Category List\n- sec: Safe\n"
    "- pc: Pornographic Contraband\n- dc: Drug Crimes\n- dw: Dangerous Weapons\n- pi: Property Infringement\n"
    "- ec: Economic Crimes\n- ac: Abusive Curses\n- def: Defamation\n- ti: Threats and Intimidation\n"
    "- cy: Cyberbullying\n- ph: Physical Health\n- mh: Mental Health\n- se: Social Ethics\n- sci: Science Ethics\n"
    "- pp: Personal Privacy\n- cs: Commercial Secret\n- acc: Access Control\n- mc: Malicious Code\n"
    "- ha: Hacker Attack\n- ps: Physical Security\n- ter: Violent Terrorist Activities\n- sd: Social Disruption\n"
    "- ext: Extremist Ideological Trends\n- fin: Finance\n- med: Medicine\n- law: Law\n"
    "- cm: Corruption of Minors\n- ma: Minor Abuse and Exploitation\n- md: Minor Delinquency\n\n"
    "# Instructions\n- Identify the single most relevant category ID for the input text.\n- On the next line, "
    "provide a concise justification for your choice, placing it between <explanation> and </explanation> tags."
    "\n\n---\n\nInput Text: {content}<|im_end|>\n"
)

_SPECIALS = ["<|im_start|>", "<|im_end|>", "<|endoftext|>"]
_THINK = ["<think>", "</think>"]


def chatml(id: str, description: str, *, default_system: str | None = None, aliases: list[str] | None = None,
           thinking: bool = False, **fields) -> TemplateSpec:
    """A ChatML spec; tool results as Qwen2.5+ writes them (a user turn in <tool_response>)."""
    base = dict(
        system="<|im_start|>system\n{content}<|im_end|>\n",
        user="<|im_start|>user\n{content}<|im_end|>\n",
        assistant_prefix="<|im_start|>assistant\n",
        assistant_suffix="<|im_end|>\n",
        tool="<|im_start|>user\n<tool_response>\n{content}\n</tool_response><|im_end|>\n",
        stop_words=["<|im_end|>", "<|endoftext|>"],
        special_tokens=_SPECIALS + (_THINK if thinking else []),
        is_thinking=thinking,
    )
    base.update(fields)
    return TemplateSpec(id=id, description=description, default_system=default_system, aliases=aliases or [], **base)


def swift_register_templates() -> list[TemplateSpec]:
    return [
        # Qwen2.5-Math-Instruct; the PRMs read the same format (their step marker <extra_0> is data).
        chatml("qwen2_5_math", "ChatML with Qwen2.5-Math's default system prompt (step-by-step, \\boxed{})",
               default_system=MATH_SYSTEM, aliases=["qwen2_5_math_prm"]),
        # QwQ-32B-Preview; Marco-o1 (a Qwen2 fine-tune) keeps Qwen's ChatML.
        chatml("qwq_preview", "ChatML with QwQ-Preview's default system prompt", default_system=QWQ_PREVIEW_SYSTEM),
        chatml("marco_o1", "Marco-o1: ChatML with its <Thought>/<Output> system prompt", default_system=MARCO_O1_SYSTEM),
        chatml("mimo_rl", "MiMo-RL: ChatML with MiMo's default system prompt", default_system=MIMO_SYSTEM),
        # QwQ-32B: thinking only; the prompt opens <think>, earlier replies lose their reasoning.
        chatml("qwq", "QwQ: ChatML reasoning model; the generation prompt opens <think>", thinking=True,
               thinking_prefix="<think>\n", agent_template="qwen"),
        # Qwen3 (hybrid): thinking by default; --enable_thinking false writes the empty block; replies
        # before the last user message lose their reasoning (as Qwen3's template renders them).
        chatml("qwen3", "Qwen3 hybrid thinking: ChatML, <think> blocks, --enable_thinking switches",
               thinking=True, non_thinking_prefix=NO_THINK, aliases=["minicpm5"], agent_template="qwen"),
        # Qwen3-*-Thinking-2507: thinking only, the generation prompt opens <think>.
        # The last reply without reasoning still gets the empty block (after the <think>\n of the prompt).
        chatml("qwen3_thinking", "Qwen3 thinking-only (2507): the generation prompt opens <think>", thinking=True,
               thinking_prefix="<think>\n", non_thinking_prefix=NO_THINK, thinking_switch=False, agent_template="qwen"),
        # Qwen3-*-Instruct-2507: no thinking mode; earlier replies drop any reasoning (Qwen3's template).
        chatml("qwen3_nothinking", "Qwen3 instruct (2507) without thinking: plain ChatML", thinking=True,
               agent_template="qwen"),
        # Qwen3-Coder: plain ChatML, replies written as they are; tool results end with a newline.
        chatml("qwen3_coder", "Qwen3-Coder: plain ChatML", tool="<|im_start|>user\n<tool_response>\n{content}\n"
               "</tool_response>\n<|im_end|>\n"),
        chatml("yufeng_xguard", "YuFeng-XGuard-Reason: the user's text wrapped in the risk-classification "
               "instruction (Qwen3 format)", thinking=True, non_thinking_prefix=NO_THINK, user=XGUARD_USER),
        chatml("qwen3_guard", "Qwen3Guard-Gen: the user's text wrapped in the safety-assessment instruction",
               thinking=True, non_thinking_prefix=NO_THINK, user=GUARD_USER),
        # Qwen3-Reranker: the Qwen3 format with the judging system prompt (the query/document layout is data).
        chatml("qwen3_reranker", "Qwen3-Reranker: Qwen3 format with the yes/no judging system prompt",
               default_system=RERANKER_SYSTEM, thinking=True, non_thinking_prefix=NO_THINK),
        # Qwen3-Embedding: the text itself, closed by <|endoftext|>; a system text is an instruction prefix.
        TemplateSpec(
            id="qwen3_emb",
            description="Qwen3-Embedding: plain text ended by <|endoftext|>, instruction before the first text",
            user="{content}",
            assistant_suffix="<|endoftext|>",
            system_style="merge_first_user",
            system_in_user="{system} {content}",
            stop_words=["<|endoftext|>"],
            special_tokens=["<|endoftext|>"],
        ),
    ]
