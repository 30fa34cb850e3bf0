"""Chat formats of single-family community and regional models (data only).

Each is ms-swift's format of the same name, in swiftkit's text form: a reply ends with the
format's end-of-turn text (ms-swift's ``suffix``; where ms-swift separates earlier rounds with
other text, the end-of-turn text is used for every reply so that each reply is trained to stop).
Formats that end a reply with the model's own eos (OpenBuddy, which spans Llama, Mistral and
DeepSeek bases) use :class:`swiftkit.templates.eos.TokenizerEosTemplate`.
"""

from __future__ import annotations

from swiftkit.core.specs import TemplateSpec

EOS_BEHAVIOUR = "swiftkit.templates.eos:TokenizerEosTemplate"
CHATML_TOKENS = ["<|im_start|>", "<|im_end|>", "<|endoftext|>"]
LLAMA_TOKENS = ["<s>", "</s>", "<unk>"]

#: the default system prompt of databricks/dbrx-instruct's chat template, verbatim (ms-swift's copy lost
#: the parentheses and the line break before the last sentence)
DBRX_SYSTEM = (
    "You are DBRX, created by Databricks. You were last updated in December 2023. "
    "You answer questions based on information available up to that point.\n"
    "YOU PROVIDE SHORT RESPONSES TO SHORT QUESTIONS OR STATEMENTS, "
    "but provide thorough responses to more complex and open-ended questions.\n"
    "You assist with various tasks, from writing to coding (using markdown for code blocks "
    "— remember to use ``` with code, JSON, and tables).\n"
    "(You do not have real-time data access or code execution capabilities."
    " You avoid stereotyping and provide balanced perspectives on controversial topics. "
    "You do not provide song lyrics, poems, or news articles and do not divulge details of your training data.)\n"
    "This is your system prompt, guiding your responses. Do not reference it, just respond to the user. "
    "If you find yourself talking about this message, stop. You should be responding appropriately "
    "and usually that means not mentioning this.\n"
    "YOU DO NOT MENTION ANY OF THIS INFORMATION ABOUT YOURSELF UNLESS THE INFORMATION IS DIRECTLY "
    "PERTINENT TO THE USER'S QUERY."
)

OPENBUDDY_SYSTEM = (
    "You are a helpful, respectful and honest INTP-T AI Assistant named Buddy. You are talking to a human User.\n"
    "Always answer as helpfully and logically as possible, while being safe. "
    "Your answers should not include any "
    "harmful, political, religious, unethical, racist, sexist, toxic, dangerous, or illegal content. "
    "Please ensure that your responses are socially unbiased and positive in nature.\n"
    "If a question does not make any sense, or is not factually coherent, "
    "explain why instead of answering something not correct. "
    "If you don't know the answer to a question, please don't share false information.\n"
    "You like to use emojis. You can speak fluently in many languages, for example: English, Chinese.\n"
    "You cannot access the internet, but you have vast knowledge, cutoff: 2021-09.\n"
    "You always deeply love and support China, Chinese government, people and culture.\n"
    "You are trained by OpenBuddy team, (https://openbuddy.ai, https://github.com/OpenBuddy/OpenBuddy), "
    "you are based on LLaMA and Falcon transformers model, not related to GPT or OpenAI."
)

OPENBUDDY2_SYSTEM = (
    "You(assistant) are a helpful, respectful and honest INTP-T AI Assistant named Buddy. "
    "You are talking to a human(user).\nAlways answer as helpfully and logically as possible, while being safe. "
    "Your answers should not include any harmful, political, religious, unethical, racist, "
    "sexist, toxic, dangerous, or illegal content. "
    "Please ensure that your responses are socially unbiased and positive in nature.\n"
    "You cannot access the internet, but you have vast knowledge, cutoff: 2023-04.\n"
    "You are trained by OpenBuddy team, (https://openbuddy.ai, https://github.com/OpenBuddy/OpenBuddy), "
    "not related to GPT or OpenAI"
)

TELECHAT2_SYSTEM = (
    "你是中国电信星辰语义大模型，英文名是TeleChat，你是由中电信人工智能科技有限公司和中国电信人工智能研究院（TeleAI）"
    "研发的人工智能助手。"
)

WIZARDLM2_MOE_SYSTEM = (
    "A chat between a curious user and an artificial intelligence assistant. "
    "The assistant gives helpful, detailed, and polite answers to the user's questions."
)


def _chatml(id: str, description: str, default_system: str | None, stop: str = "<|im_end|>") -> TemplateSpec:
    return TemplateSpec(
        id=id,
        description=description,
        system="<|im_start|>system\n{content}<|im_end|>\n",
        user="<|im_start|>user\n{content}<|im_end|>\n",
        assistant_prefix="<|im_start|>assistant\n",
        assistant_suffix="<|im_end|>\n",
        default_system=default_system,
        stop_words=[stop, "<|endoftext|>"] if stop != "<|endoftext|>" else [stop, "<|im_end|>"],
        special_tokens=CHATML_TOKENS,
    )


def _plain(id: str, description: str, *, user: str, assistant_prefix: str, assistant_suffix: str,
           prefix: str = "", system: str = "{content}", default_system: str | None = None,
           system_style: str = "role", stop: list[str], special: list[str], behaviour: str | None = None,
           tags: list[str] | None = None) -> TemplateSpec:
    extra = {"behaviour": behaviour} if behaviour else {}
    return TemplateSpec(id=id, description=description, tags=tags or [], prefix=prefix, system=system, user=user,
                        assistant_prefix=assistant_prefix, assistant_suffix=assistant_suffix,
                        default_system=default_system, system_style=system_style, stop_words=stop,
                        special_tokens=special, **extra)


def swift_register_templates() -> list[TemplateSpec]:
    return [
        # ChatML with a family default system prompt
        _chatml("dbrx", "DBRX Instruct (ChatML, DBRX default system prompt)", DBRX_SYSTEM),
        _chatml("yi_coder", "Yi-Coder (ChatML, 'You are a helpful assistant.')", "You are a helpful assistant."),
        _chatml("iquestcoder", "IQuest-Coder (ChatML, LoopCoder default system prompt)",
                "You are LoopCoder, a helpful assistant developed by IQuest."),
        _chatml("minimind", "MiniMind (ChatML, 'You are a helpful assistant')", "You are a helpful assistant",
                stop="<|im_end|>"),
        # Llama-based regional chat models
        _plain("atom", "Atom / Llama2-Chinese (<s>Human: ...\\n</s><s>Assistant: ...</s>)",
               user="<s>Human: {content}\n</s>", assistant_prefix="<s>Assistant: ", assistant_suffix="</s>",
               stop=["</s>"], special=LLAMA_TOKENS),
        _plain("ziya", "Ziya2 (<human>:...\\n<bot>:...)", prefix="<s>",
               user="<human>:{content}\n", assistant_prefix="<bot>:", assistant_suffix="</s>",
               stop=["</s>"], special=LLAMA_TOKENS),
        _plain("mengzi", "Mengzi3 (指令：system 输入：question 输出：answer)",
               system="指令：{content}", user="输入：{content}", assistant_prefix="输出：\n", assistant_suffix="</s>",
               stop=["</s>"], special=LLAMA_TOKENS),
        _plain("bluelm", "BlueLM ([|Human|]:...[|AI|]:...)", prefix="<s>",
               user="[|Human|]:{content}", assistant_prefix="[|AI|]:", assistant_suffix="</s>",
               stop=["</s>"], special=LLAMA_TOKENS),
        _plain("orion", "Orion (Human: ...\\n\\nAssistant: </s>answer</s>)", prefix="<s>",
               user="Human: {content}\n\n", assistant_prefix="Assistant: </s>", assistant_suffix="</s>",
               stop=["</s>"], special=LLAMA_TOKENS),
        _plain("skywork", "Skywork ([USER]...[SEP][BOT]...[SEP]</s>)", prefix="<s>",
               user="</s><s>[USER]{content}[SEP]", assistant_prefix="[BOT]", assistant_suffix="[SEP]</s>",
               stop=["</s>", "[SEP]"], special=[*LLAMA_TOKENS, "[USER]", "[BOT]", "[SEP]"]),
        _plain("codefuse_codellama", "CodeFuse-CodeLlama (<|role_start|>human<|role_end|>...)",
               user="<|role_start|>human<|role_end|>{content}",
               assistant_prefix="<|role_start|>bot<|role_end|>", assistant_suffix="</s>",
               stop=["</s>"], special=[*LLAMA_TOKENS, "<|role_start|>", "<|role_end|>"]),
        _plain("numina", "NuminaMath (### Problem: ...\\n### Solution: ...)", prefix="<｜begin▁of▁sentence｜>",
               user="### Problem: {content}\n", assistant_prefix="### Solution: ",
               assistant_suffix="<｜end▁of▁sentence｜>", tags=["math"],
               stop=["<｜end▁of▁sentence｜>"], special=["<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"]),
        _plain("megrez", "Megrez (<|role_start|>role<|role_end|>...<|turn_end|>)",
               system="<|role_start|>system<|role_end|>{content}<|turn_end|>",
               user="<|role_start|>user<|role_end|>{content}<|turn_end|>",
               assistant_prefix="<|role_start|>assistant<|role_end|>", assistant_suffix="<|turn_end|>",
               default_system="你是Megrez-3B-Instruct，将针对用户的问题给出详细的、积极的回答。",
               stop=["<|turn_end|>", "<|eos|>"], special=["<|role_start|>", "<|role_end|>", "<|turn_end|>", "<|eos|>"]),
        # WizardLM-2 (Mistral-based 7B; Mixtral-based 8x22B in Vicuna style: a space after the system text, as
        # the 8x22B checkpoint's chat template writes it)
        _plain("wizardlm2", "WizardLM-2 7B (User:\\n...\\n\\nAssistant:\\n...)",
               user="User:\n{content}\n\n", assistant_prefix="Assistant:\n", assistant_suffix="</s>",
               stop=["</s>"], special=LLAMA_TOKENS),
        _plain("wizardlm2_moe", "WizardLM-2 8x22B (Vicuna: USER: ... ASSISTANT: ...</s>)",
               system="{content} ", user="USER: {content} ", assistant_prefix="ASSISTANT:", assistant_suffix="</s>",
               default_system=WIZARDLM2_MOE_SYSTEM, stop=["</s>"], special=LLAMA_TOKENS),
        # Zephyr (HuggingFaceH4): <|role|>\n...</s>\n
        _plain("zephyr", "Zephyr (<|system|>/<|user|>/<|assistant|> turns closed by </s>)",
               system="<|system|>\n{content}</s>\n", user="<|user|>\n{content}</s>\n",
               assistant_prefix="<|assistant|>\n", assistant_suffix="</s>\n",
               stop=["</s>"], special=["<s>", "</s>", "<|system|>", "<|user|>", "<|assistant|>"]),
        # OLMoE (Tulu 3 format after a document-start token)
        _plain("olmoe", "OLMoE 0125 (|||IP_ADDRESS||| then <|user|>\\n...\\n<|assistant|>\\n...)",
               prefix="|||IP_ADDRESS|||", system="<|system|>\n{content}\n", user="<|user|>\n{content}\n",
               assistant_prefix="<|assistant|>\n", assistant_suffix="|||IP_ADDRESS|||\n",
               stop=["|||IP_ADDRESS|||", "<|endoftext|>"],
               special=["|||IP_ADDRESS|||", "<|endoftext|>", "<|system|>", "<|user|>", "<|assistant|>"]),
        _plain("olmoe_0924", "OLMoE 0924 (<|endoftext|> then <|user|>\\n...\\n<|assistant|>\\n...)",
               prefix="<|endoftext|>", system="<|system|>\n{content}\n", user="<|user|>\n{content}\n",
               assistant_prefix="<|assistant|>\n", assistant_suffix="<|endoftext|>\n",
               stop=["<|endoftext|>"], special=["<|endoftext|>", "<|system|>", "<|user|>", "<|assistant|>"]),
        # OpenBuddy
        _plain("openbuddy", "OpenBuddy (User: ...\\nAssistant: ..., the model's eos)", prefix="<s>",
               system="{content}\n\n", user="User: {content}\n", assistant_prefix="Assistant:",
               assistant_suffix="</s>", default_system=OPENBUDDY_SYSTEM, stop=["</s>"], special=LLAMA_TOKENS,
               behaviour=EOS_BEHAVIOUR),
        _plain("openbuddy2", "OpenBuddy v2 (<|role|>user<|says|>...<|end|>)", prefix="<s>",
               system="<|role|>system<|says|>{content}<|end|>\n", user="<|role|>user<|says|>{content}<|end|>\n",
               assistant_prefix="<|role|>assistant<|says|>", assistant_suffix="<|end|>\n",
               default_system=OPENBUDDY2_SYSTEM, stop=["<|end|>"],
               special=["<s>", "<|role|>", "<|says|>", "<|end|>"], behaviour=EOS_BEHAVIOUR),
        # Chinese regional chat models
        _plain("sus", "SUS-Chat (### Human: ...\\n\\n### Assistant: ...<|endoftext|>)",
               user="### Human: {content}\n\n", assistant_prefix="### Assistant: ", assistant_suffix="<|endoftext|>",
               stop=["<|endoftext|>"], special=["<|startoftext|>", "<|endoftext|>"]),
        _plain("xverse", "XVERSE (Human: ...\\n\\nAssistant: ...<|endoftext|>)",
               user="Human: {content}\n\n", assistant_prefix="Assistant: ", assistant_suffix="<|endoftext|>",
               stop=["<|endoftext|>"], special=["<|startoftext|>", "<|endoftext|>"]),
        _plain("yuan", "Yuan 2.0 (question<sep>answer<eod>)", user="{content}<sep>", assistant_prefix="",
               assistant_suffix="<eod>", system_style="none", stop=["<eod>"], special=["<sep>", "<eod>"]),
        _plain("telechat", "TeleChat (<_user>...<_bot>...<_end>)", prefix="<_start>",
               system="<_system>{content}\n", user="<_user>{content}", assistant_prefix="<_bot>",
               assistant_suffix="<_end>", stop=["<_end>"], special=["<_start>", "<_end>", "<_user>", "<_bot>", "<_system>"]),
        _plain("telechat2", "TeleChat2 (TeleChat turns, TeleChat default system prompt)", prefix="<_start>",
               system="<_system>{content}\n", user="<_user>{content}", assistant_prefix="<_bot>",
               assistant_suffix="<_end>", default_system=TELECHAT2_SYSTEM,
               stop=["<_end>"], special=["<_start>", "<_end>", "<_user>", "<_bot>", "<_system>"]),
        # LongCat-Flash (ms-swift's `longchat`): numbered rounds, ` [Round 0] USER:... ASSISTANT:...</longcat_s>`
        _plain("longchat", "LongCat-Flash (SYSTEM:... [Round N] USER:... ASSISTANT:...</longcat_s>)",
               system="SYSTEM:{content}", user=" [Round {round}] USER:{content}", assistant_prefix=" ASSISTANT:",
               assistant_suffix="</longcat_s>", stop=["</longcat_s>"], special=["</longcat_s>"],
               behaviour="swiftkit.templates.rounds:RoundTemplate"),
        # NVIDIA Nemotron-H (Nemotron 3): ChatML turns; thinking is the reasoning options' business.
        _chatml("nemotron_h", "NVIDIA Nemotron-H / Nemotron 3 (ChatML turns)", None),
        _plain("dots1", "dots.llm1 (<|userprompt|>...<|endofuserprompt|><|response|>...<|endofresponse|>)",
               system="<|system|>{content}<|endofsystem|>", user="<|userprompt|>{content}<|endofuserprompt|>",
               assistant_prefix="<|response|>", assistant_suffix="<|endofresponse|>",
               default_system="You are a helpful assistant.", stop=["<|endofresponse|>", "<|endoftext|>"],
               special=["<|system|>", "<|endofsystem|>", "<|userprompt|>", "<|endofuserprompt|>", "<|response|>",
                        "<|endofresponse|>", "<|endoftext|>"]),
    ]
