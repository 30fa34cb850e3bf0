"""Built-in chat templates: data only.

``tokenizer`` is the generic template: it renders with the tokenizer's own ``chat_template``
(:class:`swiftkit.templates.tokenizer.TokenizerTemplate`), for models whose family has no
registered template; it needs the tokenizer (``registry.template("tokenizer", tokenizer=tok)``).
Every other spec mirrors a model's official Hugging Face ``chat_template`` (noted per spec) and is
rendered by :class:`swiftkit.templates.base.FormatTemplate`, which also generates the
exported Jinja from the same fields. Contents are rendered verbatim: templates that ``trim``
contents in their official Jinja (Llama 3, Gemma) give the same text for already-trimmed data.
"""

from __future__ import annotations

from swiftkit.core.specs import TemplateSpec

TOKENIZER_BEHAVIOUR = "swiftkit.templates.tokenizer:TokenizerTemplate"

QWEN_SYSTEM = "You are a helpful assistant."
QWEN2_5_SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."


def _chatml(id: str, description: str, default_system: str | None = None,
            tool: str = "<|im_start|>tool\n{content}<|im_end|>\n", agent_template: str | None = None) -> TemplateSpec:
    # <|im_start|>{role}\n{content}<|im_end|>\n, as in the Qwen chat templates
    return TemplateSpec(
        id=id,
        description=description,
        system="<|im_start|>system\n{content}<|im_end|>\n",
        user="<|im_start|>user\n{content}<|im_end|>\n",
        assistant_prefix="<|im_start|>assistant\n",
        assistant_suffix="<|im_end|>\n",
        tool=tool,
        agent_template=agent_template,
        default_system=default_system,
        stop_words=["<|im_end|>", "<|endoftext|>"],
        special_tokens=["<|im_start|>", "<|im_end|>", "<|endoftext|>"],
    )


def swift_register_templates() -> list[TemplateSpec]:
    return [
        # Plain ChatML, no default system prompt (ms-swift's `chatml`; Qwen3's template).
        _chatml("chatml", "ChatML (<|im_start|>role ... <|im_end|>), no default system prompt"),
        # Qwen1.5 / Qwen2 templates: ChatML with a default system prompt (ms-swift's `qwen`).
        _chatml("qwen", "ChatML with Qwen1.5/Qwen2's default system prompt", QWEN_SYSTEM),
        # Qwen2.5 template: ChatML with its own default system prompt (ms-swift's `qwen2_5`); a tool
        # result is a user turn wrapped in <tool_response> (Qwen2.5 groups consecutive ones in one turn).
        _chatml("qwen2_5", "ChatML with Qwen2.5's default system prompt", QWEN2_5_SYSTEM,
                tool="<|im_start|>user\n<tool_response>\n{content}\n</tool_response><|im_end|>\n", agent_template="qwen"),
        # Meta-Llama-3(-.1)-Instruct; tool results use Llama 3.1's `ipython` role.
        TemplateSpec(
            id="llama3",
            description="Llama 3 (<|start_header_id|>role<|end_header_id|> ... <|eot_id|>)",
            prefix="<|begin_of_text|>",
            system="<|start_header_id|>system<|end_header_id|>\n\n{content}<|eot_id|>",
            user="<|start_header_id|>user<|end_header_id|>\n\n{content}<|eot_id|>",
            assistant_prefix="<|start_header_id|>assistant<|end_header_id|>\n\n",
            assistant_suffix="<|eot_id|>",
            tool="<|start_header_id|>ipython<|end_header_id|>\n\n{content}<|eot_id|>",
            stop_words=["<|eot_id|>", "<|end_of_text|>"],
            special_tokens=["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>",
                            "<|eot_id|>"],
        ),
        # Llama-2-chat: every turn is `<s>[INST] ... [/INST] answer </s>`; the system prompt goes
        # in a <<SYS>> block inside the first [INST]. The generation prompt ends in "[/INST] ".
        TemplateSpec(
            id="llama2",
            aliases=["llama"],  # ms-swift's name for this format
            description="Llama 2 chat (<s>[INST] <<SYS>> ... [/INST] answer </s>)",
            user="<s>[INST] {content} [/INST]",
            assistant_prefix=" ",
            assistant_suffix=" </s>",
            system_style="merge_first_user",
            system_in_user="<<SYS>>\n{system}\n<</SYS>>\n\n{content}",
            stop_words=["</s>"],
            special_tokens=["<s>", "</s>", "<unk>"],
        ),
        # Mistral-7B-Instruct v0.1/v0.2: one <s>, then `[INST] q [/INST]answer</s>` per turn; no
        # system role, so the system prompt is put before the first user message.
        TemplateSpec(
            id="mistral",
            description="Mistral Instruct (<s>[INST] ... [/INST]answer</s>)",
            prefix="<s>",
            user="[INST] {content} [/INST]",
            assistant_suffix="</s>",
            system_style="merge_first_user",
            system_in_user="{system}\n\n{content}",
            stop_words=["</s>"],
            special_tokens=["<s>", "</s>", "<unk>"],
        ),
        # Gemma / Gemma 2 / Gemma 3 instruct: roles `user` and `model`; Gemma 3 puts the system
        # prompt into the first user turn followed by a blank line.
        TemplateSpec(
            id="gemma",
            aliases=["gemma3_text"],  # Gemma 3 text models: the same turns
            description="Gemma (<start_of_turn>user|model ... <end_of_turn>)",
            prefix="<bos>",
            user="<start_of_turn>user\n{content}<end_of_turn>\n",
            assistant_prefix="<start_of_turn>model\n",
            assistant_suffix="<end_of_turn>\n",
            system_style="merge_first_user",
            system_in_user="{system}\n\n{content}",
            stop_words=["<end_of_turn>", "<eos>"],
            special_tokens=["<bos>", "<eos>", "<pad>", "<start_of_turn>", "<end_of_turn>"],
        ),
        # Phi-3 / Phi-3.5 instruct (the official template also appends <|endoftext|> after the
        # last turn when no generation prompt is asked for; that end-of-document token is left out).
        TemplateSpec(
            id="phi3",
            description="Phi-3 (<|user|> ... <|end|>)",
            system="<|system|>\n{content}<|end|>\n",
            user="<|user|>\n{content}<|end|>\n",
            assistant_prefix="<|assistant|>\n",
            assistant_suffix="<|end|>\n",
            stop_words=["<|end|>", "<|endoftext|>"],
            special_tokens=["<|system|>", "<|user|>", "<|assistant|>", "<|end|>", "<|endoftext|>"],
        ),
        # Generic: the model's own chat_template; assistant spans are found by rendering prefixes.
        # Its text fields are unused; stop words come from the tokenizer (eos, end-of-turn token).
        TemplateSpec(
            id="tokenizer",
            description="The tokenizer's own chat_template (for models without a registered template)",
            behaviour=TOKENIZER_BEHAVIOUR,
        ),
    ]
