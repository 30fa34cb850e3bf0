"""The Objective contract's optional members: declared defaults, and an API 1.0 objective
(``data_mode`` only) getting the plain data layouts it had before."""

from __future__ import annotations

import pytest

from swiftkit.core.data.layout import DataLayout
from swiftkit.core.methods.interface import Objective
from swiftkit.core.specs import MethodSpec


class OnlyLoss(Objective):  # what a plugin written against API 1.0 looks like
    def compute_loss(self, model, batch, num_items_in_batch=None):
        return 0.0


class PlainText(OnlyLoss):
    data_mode = "pt"


def make(cls):
    return cls(MethodSpec(id="x", kind="objective", impl="x:y"), {})


def test_optional_members_have_no_op_defaults():
    obj = make(OnlyLoss)
    assert obj.needs_reference is False and obj.ref_model is None
    assert obj.batch_repeats == 1 and obj.token_normalized_loss is False
    assert obj.callbacks() == []
    assert obj.setup(model=None, tokenizer=None, template=None, registry=None, config={}) is None


def test_data_mode_objectives_get_the_plain_layouts():
    from swiftkit.data.collator import DataCollator
    from swiftkit.data.layouts import PTLayout, SFTLayout

    sft, pt = make(OnlyLoss).data_layout(), make(PlainText).data_layout()
    assert type(sft) is SFTLayout and type(pt) is PTLayout
    assert isinstance(sft, DataLayout) and sft.packable and sft.needs_template and not pt.needs_template

    class Tok:
        pad_token_id, eos_token_id = 0, 1

    collate = make(OnlyLoss).make_collator(Tok(), {"padding_free": True})
    assert isinstance(collate, DataCollator) and collate.padding_free


def test_an_unknown_data_mode_says_what_to_do():
    from swiftkit.core.data.errors import DatasetError

    class Odd(OnlyLoss):
        data_mode = "pairs"

    with pytest.raises(DatasetError, match="unknown data mode 'pairs'.*returns its own layout from data_layout"):
        make(Odd).data_layout()


def test_the_data_machinery_names_no_objective_mode():
    """The pipeline, its steps and the training run ask the layout; they name no built-in mode."""
    import inspect

    from swiftkit.data import pipeline, steps
    from swiftkit.train import run

    for module in (pipeline, steps, run):
        source = inspect.getsource(module)
        for name in ('"preference"', '"kto"', '"prompt"', "data_mode", "MODES"):
            assert name not in source, f"{module.__name__} names {name}"
