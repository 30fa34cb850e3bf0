"""Plain formats for base, embedding and reranker models (data only): ms-swift's ``default``,
``dummy``, ``bert`` and ``bge_reranker``.

``default`` and ``dummy`` end a reply with the *model's* end-of-sequence token and open with its
begin-of-sequence token (when it has one), whatever those are: the text below spells them
``<s>``/``</s>`` and :class:`swiftkit.templates.eos.TokenizerEosTemplate` puts the bound
tokenizer's own tokens in their place.
"""

from __future__ import annotations

from swiftkit.core.specs import TemplateSpec

EOS_BEHAVIOUR = "swiftkit.templates.eos:TokenizerEosTemplate"


def swift_register_templates() -> list[TemplateSpec]:
    return [
        # `### Human:` / `### Assistant:` turns with a default system line.
        TemplateSpec(
            id="default",
            description="Plain '### Human: / ### Assistant:' turns for base models (the model's bos/eos)",
            prefix="<s>",
            system="{content}\n\n",
            user="### Human:\n{content}\n\n",
            assistant_prefix="### Assistant:\n",
            assistant_suffix="</s>",
            default_system="You are a helpful assistant.",
            stop_words=["</s>"],
            special_tokens=["<s>", "</s>"],
            behaviour=EOS_BEHAVIOUR,
        ),
        # The text as it is, then the model's eos (embedding models, continued pre-training).
        TemplateSpec(
            id="dummy",
            description="No template: the text itself, then the model's eos",
            prefix="<s>",
            user="{content}",
            assistant_suffix="</s>",
            system_style="none",
            stop_words=["</s>"],
            special_tokens=["<s>", "</s>"],
            behaviour=EOS_BEHAVIOUR,
        ),
        # BERT-style encoders: [CLS] text [SEP] (pairs: [CLS] a [SEP] b [SEP]).
        TemplateSpec(
            id="bert",
            description="BERT encoders ([CLS] text [SEP])",
            prefix="[CLS]",
            user="{content}[SEP]",
            assistant_suffix="[SEP]",
            system_style="none",
            stop_words=["[SEP]"],
            special_tokens=["[CLS]", "[SEP]"],
        ),
        # BGE rerankers (XLM-R): <s> query</s></s> document</s>
        TemplateSpec(
            id="bge_reranker",
            description="BGE rerankers (<s> query</s></s> document</s>)",
            prefix="<s> ",
            user="{content}</s></s> ",
            assistant_suffix="</s>",
            system_style="none",
            stop_words=["</s>"],
            special_tokens=["<s>", "</s>"],
        ),
    ]
