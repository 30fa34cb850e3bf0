"""Online-RL sampling through vLLM (``--use_vllm true``), for ``grpo`` and ``gkd``.

Two places the vLLM engine can run (``--vllm_mode``):

* ``colocate`` -- a ``vllm`` engine (:class:`~swiftkit.plugins.engines.vllm_engine.VllmEngine`,
  offline ``vllm.LLM``) inside the trainer's process, its engine core in-process too, so that
  weights are handed over without a copy to another process. It starts from the policy's
  model folder (or, for a model that was not loaded from one, a folder the policy is saved to).
* ``server`` -- a ``swift rollout`` server (:mod:`swiftkit.serve.rollout`) reached over HTTP at
  ``--vllm_server_base_url`` or ``--vllm_server_host``/``--vllm_server_port``; weights travel
  as safetensors buffers in ``--move_model_batches`` chunks.

**Weight sync.** Whenever the policy took an optimizer step since the last rollout (a Trainer
callback marks the weights stale on each step end), the next rollout first loads the policy's
weights into vLLM, named as the Hugging Face checkpoint names them. A PEFT model of the LoRA
family is merged for the copy and unmerged again (``merge_adapter``/``unmerge_adapter``), or,
with ``--vllm_enable_lora true`` (colocate), its adapter is saved and served through vLLM's LoRA
support. Tuners whose weights are not a merged model (prompt tuning, prefix tuning ...) are
refused. Under DeepSpeed ZeRO-3 the parameters are gathered for the copy.

**Sampling** mirrors the ``pt`` engine: the trainer renders each prompt with its template,
tokenizes it without special tokens, and asks for completions of those token ids, stopping on
the tokenizer's and generation config's end-of-sequence ids and the template's one-token stop
words; each request carries its own seed. So a greedy vLLM rollout after a sync is the policy's
own greedy answer.

Light at import: torch, vLLM and HTTP clients are imported inside the functions.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from swiftkit.core.errors import ConfigError, SwiftkitError
from swiftkit.train.unwrap import unwrap_model

__all__ = ["VllmRollout", "VllmSettings", "policy_weights", "stop_token_ids"]

#: bytes per HTTP chunk of weights when --move_model_batches is unset (server mode)
DEFAULT_CHUNK_BYTES = 64 << 20
#: the rollout modes of online RL (the engine's own modes are auto/offline/async)
MODES = ("colocate", "server")
#: run-config keys handed to the colocated engine as they are (the ``vllm`` engine's options)
ENGINE_KEYS = (
    "vllm_gpu_memory_utilization", "vllm_tensor_parallel_size", "vllm_max_num_seqs", "vllm_max_model_len",
    "vllm_enforce_eager", "vllm_enable_prefix_caching", "vllm_enable_lora", "vllm_max_lora_rank", "vllm_quantization",
    "vllm_disable_custom_all_reduce", "vllm_disable_cascade_attn", "vllm_limit_mm_per_prompt",
    "vllm_mm_processor_cache_gb", "vllm_engine_kwargs", "vllm_cpu_kvcache_space", "torch_dtype",
)


@dataclass
class VllmSettings:
    """The ``--use_vllm`` flags of one run."""

    mode: str = "colocate"
    base_url: str = "http://127.0.0.1:8000"
    timeout: float = 240.0
    sleep_level: int = 0
    offload_model: bool = False
    move_model_batches: int | None = None
    flattened: bool = True
    enable_lora: bool = False
    engine_options: dict[str, Any] | None = None

    @classmethod
    def from_config(cls, config: dict[str, Any], who: str) -> VllmSettings | None:
        """The settings when ``config`` says ``use_vllm``, else ``None``; a value that cannot
        run is refused here, before any model loads."""
        if not config.get("use_vllm"):
            return None
        mode = config.get("vllm_mode") or "colocate"
        if mode == "auto":
            mode = "colocate"
        if mode not in MODES:
            raise ConfigError(f"--rlhf_type {who} --use_vllm true: --vllm_mode {mode} is an inference mode of the vllm "
                              "engine; rollouts take colocate (an engine in this process) or server (swift rollout)")
        if config.get("ds3_gather_for_generation") is False:
            raise ConfigError("--ds3_gather_for_generation false cannot run with --use_vllm true: vLLM needs the whole "
                              "weights of every step, so ZeRO-3 parameters are gathered to load them")
        sleep_level = int(config.get("sleep_level") or 0)
        if mode == "server" and (sleep_level or config.get("offload_model")):
            raise ConfigError("--sleep_level / --offload_model free memory for a colocated vLLM engine; with "
                              "--vllm_mode server the engine runs elsewhere, drop them")
        if mode == "server" and config.get("vllm_enable_lora"):
            raise ConfigError("--vllm_enable_lora with --vllm_mode server: swift rollout receives merged weights; "
                              "drop --vllm_enable_lora, or use --vllm_mode colocate")
        return cls(
            mode=mode,
            base_url=server_url(config),
            timeout=float(config.get("vllm_server_timeout") or 240),
            sleep_level=sleep_level,
            offload_model=bool(config.get("offload_model")),
            move_model_batches=config.get("move_model_batches"),
            flattened=config.get("enable_flattened_weight_sync") is not False,
            enable_lora=bool(config.get("vllm_enable_lora")),
            engine_options={k: config[k] for k in ENGINE_KEYS if config.get(k) is not None},
        )


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list | tuple) and value else value


def server_url(config: dict[str, Any]) -> str:
    """``--vllm_server_base_url``, else ``http://{--vllm_server_host}:{--vllm_server_port}``."""
    base = _first(config.get("vllm_server_base_url"))
    if base:
        return str(base).rstrip("/")
    host = _first(config.get("vllm_server_host")) or "127.0.0.1"
    port = _first(config.get("vllm_server_port")) or 8000
    return f"http://{host}:{int(port)}"


# ---------------------------------------------------------------------------- the policy's weights


def _is_zero3(model: Any) -> bool:
    return any(hasattr(p, "ds_id") for p in model.parameters())


@contextlib.contextmanager
def policy_weights(model: Any) -> Iterator[list[tuple[str, Any]]]:
    """The policy's full weights as ``(checkpoint name, tensor)`` pairs, valid inside the
    ``with`` block (a PEFT LoRA-family model is merged for its duration; ZeRO-3 parameters are
    gathered). Refuses tuners whose result is not a set of merged weights."""
    inner = unwrap_model(model)
    gather: Any = contextlib.nullcontext()
    if _is_zero3(inner):
        import deepspeed

        gather = deepspeed.zero.GatheredParameters(list(inner.parameters()))
    with gather:
        if not hasattr(inner, "peft_config"):
            yield [(name, tensor.detach()) for name, tensor in inner.state_dict().items()]
            return
        config = inner.peft_config.get(getattr(inner, "active_adapter", "default")) or next(iter(inner.peft_config.values()))
        if getattr(config, "is_prompt_learning", False) or not hasattr(inner, "merge_adapter"):
            kind = getattr(getattr(config, "peft_type", None), "value", type(config).__name__)
            raise SwiftkitError(f"--use_vllm: the {kind} tuner adds no weights vLLM can load (it is not merged into "
                                "the model); use a LoRA-family tuner, full or freeze, or drop --use_vllm")
        inner.merge_adapter()
        try:
            yield list(_merged_names(inner.state_dict()))
        finally:
            inner.unmerge_adapter()


def _merged_names(state: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """A merged PEFT model's state dict under the base model's checkpoint names."""
    for name, tensor in state.items():
        if "lora_" in name or ".original_module." in name or "_lora_magnitude_vector" in name:
            continue
        name = name.removeprefix("base_model.model.")
        name = name.replace(".base_layer.", ".").replace(".modules_to_save.default.", ".")
        yield name, tensor.detach()


def stop_token_ids(model: Any, tokenizer: Any, template: Any) -> list[int]:
    """The ids a completion ends on, as the ``pt`` engine collects them: the tokenizer's and
    the generation config's end-of-sequence ids and the template's one-token stop words."""
    ids: set[int] = set()
    gen_cfg = getattr(unwrap_model(model), "generation_config", None)
    candidates: list[Any] = [getattr(tokenizer, "eos_token_id", None)]
    eos = getattr(gen_cfg, "eos_token_id", None)
    candidates.extend(eos if isinstance(eos, list | tuple) else [eos])
    ids.update(int(c) for c in candidates if c is not None)
    for word in getattr(template, "stop_words", None) or []:
        if word:
            token_ids = tokenizer(word, add_special_tokens=False)["input_ids"]
            if len(token_ids) == 1:
                ids.add(int(token_ids[0]))
    return sorted(ids)


def _unit(name: str) -> str:
    """The part of the model a weight belongs to that vLLM reloads as one: a decoder layer
    (its q/k/v and gate/up projections are fused there, so their shards travel together), else
    the weight's module."""
    found = re.match(r"(.*?\.layers\.\d+\.)", name)
    return found.group(1) if found else name.rsplit(".", 1)[0]


def _units(weights: list[tuple[str, Any]]) -> list[list[tuple[str, Any]]]:
    groups: dict[str, list[tuple[str, Any]]] = {}
    for name, tensor in weights:
        groups.setdefault(_unit(name), []).append((name, tensor))
    return list(groups.values())


def _chunks(weights: list[tuple[str, Any]], batches: int | None, max_bytes: int) -> Iterator[list[tuple[str, Any]]]:
    """``weights`` in ``batches`` groups of about equal size, or in groups of at most
    ``max_bytes`` (a larger layer goes alone) when ``batches`` is unset. A layer is never split
    (see :func:`_unit`): vLLM rebuilds a fused projection only from all of its shards at once."""
    units = _units(weights)
    if batches:
        size = -(-len(units) // int(batches))
        for start in range(0, len(units), max(size, 1)):
            yield [w for unit in units[start : start + size] for w in unit]
        return
    group: list[tuple[str, Any]] = []
    held = 0
    for unit in units:
        nbytes = sum(t.numel() * t.element_size() for _, t in unit)
        if group and held + nbytes > max_bytes:
            yield group
            group, held = [], 0
        group.extend(unit)
        held += nbytes
    if group:
        yield group


def safetensors_bytes(weights: list[tuple[str, Any]]) -> bytes:
    """One safetensors buffer of ``weights`` (contiguous CPU copies)."""
    from safetensors.torch import save

    return save({name: tensor.detach().to("cpu").contiguous() for name, tensor in weights})


# ---------------------------------------------------------------------------- where vLLM runs


class _Colocated:
    """A ``vllm`` engine in this process."""

    def __init__(self, settings: VllmSettings, model: Any, tokenizer: Any, template: Any, registry: Any):
        import torch.distributed as dist

        from swiftkit.core.lazy import resolve

        if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
            raise SwiftkitError(f"--vllm_mode colocate runs one vLLM engine in a single training process; this run has "
                                f"{dist.get_world_size()} ranks. Start `swift rollout --model MODEL` and train with "
                                "--vllm_mode server")
        self.settings = settings
        inner = unwrap_model(model)
        base = inner.get_base_model() if hasattr(inner, "get_base_model") else inner
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        folder = str(getattr(base.config, "_name_or_path", "") or "")
        readable = os.path.isfile(os.path.join(folder, "config.json")) and any(
            os.path.isfile(os.path.join(folder, f)) for f in ("tokenizer.json", "tokenizer_config.json"))
        if not readable:  # built in memory, or no tokenizer beside it: vLLM starts from a folder
            self._folder = tempfile.TemporaryDirectory(prefix="swiftkit-vllm-")
            folder = self._folder.name
            with policy_weights(model) as weights:
                base.save_pretrained(folder, state_dict=dict(weights))
            tokenizer.save_pretrained(folder)
        spec = registry.get("engine", "vllm").spec
        options = {**(settings.engine_options or {}), "vllm_mode": "offline"}
        if settings.sleep_level:
            options["vllm_engine_kwargs"] = {**_engine_kwargs(options), "enable_sleep_mode": True}
        if settings.enable_lora:
            options["vllm_enable_lora"] = True
        self.engine = resolve(spec.impl, spec.REFS["impl"])(spec, folder, template, options, tokenizer=tokenizer,
                                                            in_process=True)
        self.engine.start("offline")
        self._adapter_dir: tempfile.TemporaryDirectory[str] | None = None
        self._lora_version = 0

    def load(self, model: Any) -> None:
        inner = unwrap_model(model)
        if self.settings.enable_lora and hasattr(inner, "peft_config"):
            if self._adapter_dir is None:
                self._adapter_dir = tempfile.TemporaryDirectory(prefix="swiftkit-vllm-lora-")
            self._lora_version += 1
            path = os.path.join(self._adapter_dir.name, f"v{self._lora_version}")
            inner.save_pretrained(path)
            self.engine.load_lora(path)
            return
        with policy_weights(model) as weights:
            for chunk in _chunks(weights, self.settings.move_model_batches, 1 << 62):
                self.engine.load_weights(chunk)

    @property
    def lora(self) -> str | None:
        return "policy" if self._lora_version else None

    def generate(self, prompt_ids: list[list[int]], sampling: list[dict[str, Any]]) -> list[tuple[list[int], str]]:
        return self.engine.generate_token_ids(prompt_ids, sampling, lora=self.lora)

    def sleep(self) -> None:
        if self.settings.sleep_level and self.engine._llm is not None:
            self.engine._llm.sleep(level=self.settings.sleep_level)

    def wake_up(self) -> None:
        if self.settings.sleep_level and self.engine._llm is not None:
            self.engine._llm.wake_up()

    def close(self) -> None:
        self.engine.close()
        for folder in (self._folder, self._adapter_dir):
            if folder is not None:
                folder.cleanup()


def _engine_kwargs(options: dict[str, Any]) -> dict[str, Any]:
    import json

    value = options.get("vllm_engine_kwargs") or {}
    return dict(json.loads(value) if isinstance(value, str) else value)


class _Remote:
    """A ``swift rollout`` server reached over HTTP."""

    def __init__(self, settings: VllmSettings):
        import httpx

        self.settings = settings
        # generation of a large rollout may take long: only connecting is bounded
        self.client = httpx.Client(base_url=settings.base_url, timeout=httpx.Timeout(None, connect=30.0))
        self.wait_ready()

    def wait_ready(self) -> None:
        import time

        import httpx

        deadline = time.monotonic() + self.settings.timeout
        last = "no answer"
        while time.monotonic() < deadline:
            try:
                answer = self.client.get("/health", timeout=5)
                if answer.status_code == 200:
                    return
                last = f"HTTP {answer.status_code}: {answer.text[:200]}"
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
            time.sleep(1.0)
        raise SwiftkitError(f"--vllm_mode server: the swift rollout server at {self.settings.base_url} did not answer "
                            f"/health within --vllm_server_timeout {self.settings.timeout:g} s ({last}); start it with "
                            "`swift rollout --model MODEL --port PORT` first")

    def _post(self, path: str, **kwargs: Any) -> Any:
        answer = self.client.post(path, **kwargs)
        if answer.status_code != 200:
            raise SwiftkitError(f"swift rollout server {self.settings.base_url}{path}: HTTP {answer.status_code}: "
                                f"{answer.text[:500]}")
        return answer.json()

    def load(self, model: Any) -> None:
        with policy_weights(model) as weights:
            if not self.settings.flattened:  # one request per layer (the smallest unit vLLM reloads)
                groups: Iterator[list[tuple[str, Any]]] = iter(_units(weights))
            else:
                groups = _chunks(weights, self.settings.move_model_batches, DEFAULT_CHUNK_BYTES)
            for group in groups:
                self._post("/update_weights", content=safetensors_bytes(group),
                           headers={"content-type": "application/octet-stream"})

    def generate(self, prompt_ids: list[list[int]], sampling: list[dict[str, Any]]) -> list[tuple[list[int], str]]:
        body = self._post("/generate", json={"prompt_ids": prompt_ids, "sampling": sampling})
        return [(list(c["token_ids"]), str(c["finish_reason"])) for c in body["completions"]]

    def sleep(self) -> None:
        pass

    def wake_up(self) -> None:
        pass

    def close(self) -> None:
        self.client.close()


# ---------------------------------------------------------------------------- the sampler


class VllmRollout:
    """Samples completions of the current policy from vLLM, loading its weights first when an
    optimizer step changed them (``mark_stale``)."""

    def __init__(self, settings: VllmSettings, *, tokenizer: Any, template: Any, registry: Any):
        self.settings = settings
        self.tokenizer = tokenizer
        self.template = template
        self.registry = registry
        self.backend: Any = None
        self.stale = True
        self.syncs = 0
        self._stops: list[int] | None = None

    def mark_stale(self) -> None:
        """The policy took an optimizer step: reload its weights before the next rollout."""
        self.stale = True

    def _ready(self, model: Any) -> Any:
        if self.backend is None:
            if self.settings.mode == "colocate":
                self.backend = _Colocated(self.settings, model, self.tokenizer, self.template, self.registry)
            else:
                self.backend = _Remote(self.settings)
        self.backend.wake_up()
        if self.stale:
            self.backend.load(model)
            self.stale = False
            self.syncs += 1
        return self.backend

    def prompt_ids(self, prompts: Sequence[Sequence[dict[str, Any]]]) -> list[list[int]]:
        """Each message list rendered by the template with the generation prompt and tokenized
        without special tokens (what the ``pt`` engine feeds the model)."""
        texts = [self.template.render(list(m), add_generation_prompt=True) for m in prompts]
        return [list(self.tokenizer(t, add_special_tokens=False)["input_ids"]) for t in texts]

    def generate_ids(self, model: Any, prompt_ids: Sequence[Sequence[int]], *, n: int = 1, max_tokens: int,
                     temperature: float = 1.0, top_p: float = 1.0, top_k: int = 0, seed: int | None = None,
                     stop_ids: Sequence[int] | None = None) -> list[tuple[list[int], list[int], str]]:
        """``n`` completions of each token-id prompt, group after group: ``(prompt ids,
        completion ids, finish reason)``; completion ``i * n + g`` is seeded ``seed + i * n + g``."""
        if self._stops is None:
            self._stops = stop_token_ids(model, self.tokenizer, self.template)
        stops = list(self._stops if stop_ids is None else stop_ids)
        flat = [list(p) for p in prompt_ids for _ in range(n)]
        sampling = [{
            "max_tokens": int(max_tokens),
            "temperature": float(temperature),
            "top_p": float(top_p),
            "top_k": int(top_k) if top_k and top_k > 0 else -1,
            "seed": None if seed is None else int(seed) + k,
            "stop_token_ids": stops,
            "skip_special_tokens": False,
        } for k in range(len(flat))]
        device = None
        if self.settings.offload_model:
            device = next(unwrap_model(model).parameters()).device
        backend = self._ready(model)
        if device is not None and device.type != "cpu":
            unwrap_model(model).to("cpu")
        try:
            outputs = backend.generate(flat, sampling)
        finally:
            if device is not None and device.type != "cpu":
                unwrap_model(model).to(device)
            backend.sleep()
        return [(p, ids, reason) for p, (ids, reason) in zip(flat, outputs, strict=True)]

    def close(self) -> None:
        if self.backend is not None:
            self.backend.close()
        self.backend = None


def step_callback(rollout: VllmRollout) -> Any:
    """A Trainer callback that marks the rollout's weights stale after every optimizer step."""
    from transformers import TrainerCallback

    class MarkStale(TrainerCallback):
        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            rollout.mark_stale()

    return MarkStale()

