"""Template plugin: two chat templates.

- ``guide-zephyr`` (the Zephyr format; swiftkit registers ``zephyr`` itself) is data only: its text form is the whole template, and swiftkit's generic
  behaviour (``swiftkit.templates.base:FormatTemplate``, the default ``behaviour``) renders it,
  encodes it for training and generates its Jinja ``chat_template``.
- ``qa-whole`` is data plus a behaviour class that changes how a conversation is *encoded*
  (:mod:`template_plugin.behaviour`).

Registration module: imports nothing but ``swiftkit.core``.
"""

from __future__ import annotations

from swiftkit.core import TemplateSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.1"


@hookimpl
def swift_register_templates() -> list[TemplateSpec]:
    return [
        TemplateSpec(
            id="guide-zephyr",
            description="Zephyr: <|system|>/<|user|>/<|assistant|> headers, each turn closed by </s>",
            system="<|system|>\n{content}</s>\n",
            user="<|user|>\n{content}</s>\n",
            assistant_prefix="<|assistant|>\n",
            assistant_suffix="</s>\n",  # end-of-turn text: trained, so the model learns to stop
            stop_words=["</s>"],
            special_tokens=["<|system|>", "<|user|>", "<|assistant|>", "</s>"],
        ),
        TemplateSpec(
            id="qa-whole",
            description="'### Question / ### Answer' prompts for base models, tokenized as one text",
            system="{content}\n\n",
            user="### Question:\n{content}\n\n",
            assistant_prefix="### Answer:\n",
            assistant_suffix="\n### End\n\n",
            stop_words=["### End"],
            behaviour="template_plugin.behaviour:WholeTextTemplate",
        ),
    ]
