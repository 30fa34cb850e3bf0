"""Baichuan chat templates (ms-swift's ids): data only."""

from __future__ import annotations

from swiftkit.core.specs import TemplateSpec

DEFAULT_SYSTEM = "You are a helpful assistant."


def swift_register_templates() -> list[TemplateSpec]:
    return [
        # Baichuan-13B-Chat / Baichuan2-chat: the user turn between the reserved tokens 195 and 196.
        TemplateSpec(
            id="baichuan",
            description="Baichuan / Baichuan2 chat (<reserved_106>q<reserved_107>a</s>)",
            system="{content}",
            user="<reserved_106>{content}<reserved_107>",
            assistant_suffix="</s>",
            stop_words=["</s>"],
            special_tokens=["<reserved_106>", "<reserved_107>", "</s>"],
        ),
        # Baichuan-M1: <B_SYS>system<C_Q>q<C_A>a ... the last reply closed by <C_A>.
        TemplateSpec(
            id="baichuan_m1",
            description="Baichuan-M1 (<B_SYS> ... <C_Q> ... <C_A> ...)",
            system="<B_SYS>{content}",
            user="<C_Q>{content}<C_A>",
            train_reply_end="<C_A>",
            default_system=DEFAULT_SYSTEM,
            stop_words=["<C_Q>", "<C_A>"],
            special_tokens=["<B_SYS>", "<C_Q>", "<C_A>"],
        ),
    ]
