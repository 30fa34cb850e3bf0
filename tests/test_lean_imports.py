"""Which optional packages a training process keeps out (swiftkit.train.lean_imports); the
end-to-end check (a `swift sft` process imports none of them) is in test_newcomer_path.py."""

import sys

import pytest

from swiftkit.train import lean_imports
from swiftkit.train.lean_imports import hint, keep_out, kept_out, unused_packages


@pytest.fixture
def plain_folder(tmp_path):
    (tmp_path / "config.json").write_text('{"model_type": "qwen2"}')
    return str(tmp_path)


def _unused(config, folder, command="sft", sid=None, load_kwargs=None):
    return unused_packages(config, command=command, strategy_id=sid, load_kwargs=load_kwargs or {}, model_dir=folder)


def test_a_plain_lora_run_uses_none_of_them(plain_folder, monkeypatch):
    monkeypatch.delenv(lean_imports.KEEP_ENV, raising=False)
    assert _unused({"train_type": "lora"}, plain_folder) == ["bitsandbytes", "sklearn", "deepspeed"]
    assert _unused({"rlhf_type": "dpo"}, plain_folder, command="rlhf", sid="ddp") == ["bitsandbytes", "sklearn", "deepspeed"]


def test_what_the_run_asks_for_keeps_a_package_in(plain_folder, tmp_path, monkeypatch):
    monkeypatch.delenv(lean_imports.KEEP_ENV, raising=False)
    assert "bitsandbytes" not in _unused({}, plain_folder, load_kwargs={"quantization_config": object()})  # QLoRA
    assert "bitsandbytes" not in _unused({"optim": "adamw_bnb_8bit"}, plain_folder)
    assert "bitsandbytes" not in _unused({"quant_bits": 4}, plain_folder)
    quantized = tmp_path / "q"
    quantized.mkdir()
    (quantized / "config.json").write_text('{"quantization_config": {"quant_method": "bitsandbytes"}}')
    assert "bitsandbytes" not in _unused({}, str(quantized))
    assert "bitsandbytes" not in _unused({"ref_model": "some/hub-id"}, plain_folder)  # not seen: assumed quantized
    assert "bitsandbytes" not in _unused({}, None)
    assert "deepspeed" not in _unused({}, plain_folder, sid="deepspeed")
    assert "deepspeed" not in _unused({}, plain_folder, sid="a-third-party-strategy")
    assert "sklearn" not in _unused({"rlhf_type": "grpo"}, plain_folder, command="rlhf")  # reward functions
    assert "sklearn" not in _unused({"eval_use_evalscope": True}, plain_folder)
    monkeypatch.setenv(lean_imports.KEEP_ENV, "sklearn, deepspeed")
    assert _unused({}, plain_folder) == ["bitsandbytes"]
    monkeypatch.setenv(lean_imports.KEEP_ENV, "all")
    assert _unused({}, plain_folder) == []


def test_a_kept_out_package_reads_as_absent_and_its_import_explains_itself(tmp_path, monkeypatch):
    pkg = tmp_path / "lean_probe_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(lean_imports, "PACKAGES", ("lean_probe_pkg",))
    monkeypatch.setitem(sys.modules, "lean_probe_pkg", sys.modules.get("lean_probe_pkg"))
    del sys.modules["lean_probe_pkg"]
    assert keep_out(["lean_probe_pkg", "no_such_package_here"]) == ["lean_probe_pkg"]
    import importlib.util

    assert importlib.util.find_spec("lean_probe_pkg") is None  # how transformers and peft ask
    assert kept_out() == ["lean_probe_pkg"]
    with pytest.raises(ImportError) as err:
        import lean_probe_pkg  # noqa: F401
    assert "SWIFTKIT_KEEP_IMPORTS=lean_probe_pkg" in hint(err.value)
    assert hint(ImportError("other", name="json")) is None
    assert "KEEP_IMPORTS=lean_probe_pkg" in hint(ImportError("needs packages not found: lean_probe_pkg"))
    assert keep_out(["json"]) == []  # imported already: nothing to save
