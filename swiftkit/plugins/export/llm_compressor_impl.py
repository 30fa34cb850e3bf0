"""The ``llm-compressor`` export step: finds a Python that has llm-compressor, hands it the job,
then measures the checkpoint it wrote against the source.

llmcompressor 0.14 pins ``transformers<=5.17`` and ``compressed-tensors==0.19``, while vLLM's
CPU build pins compressed-tensors 0.17, so the two cannot share an environment. The supported
set-up is an *overlay* environment: a venv whose own site-packages hold only llm-compressor and
its pinned companions (:data:`PINS`, installed ``--no-deps``), with a ``.pth`` file that appends
this environment's site-packages after its own, so it runs the same torch and transformers
while its compressed-tensors 0.19 shadows ours. The checkpoints it writes load fine here
(compressed-tensors 0.17 reads 0.19's format) and in vLLM.

Which Python runs the job, first match wins: ``--quant_python``, ``$SWIFTKIT_QUANT_PYTHON``, this
interpreter when llm-compressor imports here with the compressed-tensors it wants (then in
process), the overlay ``<venv>-llmc`` beside this venv (what ``.ci/run`` builds). None: the step
refuses with :func:`install_recipe`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from swiftkit.core.export.interface import ExportContext, Exporter, ExportResult

#: what the overlay environment holds (``pip install --no-deps``); requirements/llm-compressor.txt
#: and .ci/run carry the same list
PINS = ("llmcompressor==0.14.0.1", "compressed-tensors==0.19.0", "auto-round==0.15.1", "nvidia-ml-py==13.615.71",
        "loguru==0.7.3", "py-cpuinfo==9.0.0")
ENV_VAR = "SWIFTKIT_QUANT_PYTHON"
CALIBRATED = ("gptq", "awq", "w8a8")
DEFAULT_GROUP_SIZE = 128
DEFAULT_SAMPLES = 256
WORKER = Path(__file__).with_name("llm_compressor_worker.py")

# The versions that decide whether a Python can quantize; run by the candidate Python (or here)
_VERSIONS = r"""
def versions():
    import importlib.metadata as md
    out = {}
    for name in ("llmcompressor", "compressed-tensors", "transformers", "torch"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = None
    wants = [r for r in (md.requires("llmcompressor") or []) if r.replace("_", "-").startswith("compressed-tensors")] \
        if out["llmcompressor"] else []
    out["wants"] = wants[0] if wants else None
    return out
"""
_PROBE = _VERSIONS + "import json\nprint(json.dumps(versions()))\n"


@dataclass
class Runtime:
    """Where the quantization runs: ``python`` (None: in this process), found through ``source``."""

    python: str | None
    source: str
    versions: dict[str, Any]


def _compatible(versions: dict[str, Any]) -> str | None:
    """Why these versions cannot quantize (None when they can)."""
    if not versions.get("llmcompressor"):
        return "llmcompressor is not installed there"
    if not versions.get("compressed-tensors"):
        return "compressed-tensors is not installed there"
    wants = versions.get("wants")
    if wants:
        from packaging.requirements import Requirement

        req = Requirement(wants.split(";")[0])
        if not req.specifier.contains(versions["compressed-tensors"], prereleases=True):
            return (f"llmcompressor {versions['llmcompressor']} wants {req} but compressed-tensors "
                    f"{versions['compressed-tensors']} is installed there")
    return None


def probe(python: str) -> tuple[dict[str, Any] | None, str | None]:
    """``(versions, None)`` when ``python`` can run llm-compressor, else ``(versions or None, why)``.
    Reads package metadata only (well under a second)."""
    try:
        proc = subprocess.run([python, "-c", _PROBE], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"cannot run {python}: {exc}"
    if proc.returncode != 0:
        return None, f"{python} failed: {(proc.stderr.strip().splitlines() or ['?'])[-1]}"
    versions = json.loads(proc.stdout.strip().splitlines()[-1])
    return versions, _compatible(versions)


def _here() -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(_VERSIONS, namespace)  # the probe's own code, without a subprocess
    return namespace["versions"]()


def overlay_python() -> Path:
    """The overlay environment's Python by convention: ``<this venv>-llmc/bin/python``."""
    prefix = Path(sys.prefix)
    return prefix.with_name(prefix.name + "-llmc") / "bin" / "python"


def find_runtime(quant_python: str | None) -> tuple[Runtime | None, list[str]]:
    """The first usable runtime (see the module doc) and, when none, why each candidate failed."""
    tried: list[str] = []
    explicit = [(quant_python, "--quant_python")] if quant_python else []
    if os.environ.get(ENV_VAR):
        explicit.append((os.environ[ENV_VAR], f"${ENV_VAR}"))
    for python, source in explicit:  # asked for by name: use it or say why not, no fallback
        versions, why = probe(python)
        if why is None:
            return Runtime(python, f"{source} {python}", versions or {}), []
        return None, [f"{source} {python}: {why}"]
    versions = _here()
    why = _compatible(versions)
    if why is None:
        return Runtime(None, f"this environment ({sys.executable})", versions), []
    tried.append(f"this environment ({sys.executable}): {why}")
    overlay = overlay_python()
    if overlay.exists():
        versions, why = probe(str(overlay))
        if why is None:
            return Runtime(str(overlay), f"the overlay {overlay}", versions or {}), []
        tried.append(f"the overlay {overlay}: {why}")
    else:
        tried.append(f"no overlay environment at {overlay.parent.parent}")
    return None, tried


def install_recipe(venv: str | os.PathLike[str] | None = None) -> str:
    """Shell commands that build the overlay environment for this interpreter's venv."""
    import site

    target = Path(venv) if venv else overlay_python().parent.parent
    here = site.getsitepackages()[0]
    py = f"{target}/bin/python"
    return "\n".join([
        f"  {sys.executable} -m venv --without-pip {target}",
        f"  {py} -c \"import site, sys; open(site.getsitepackages()[0] + '/zz-swiftkit-base.pth', 'w')"
        f".write(sys.argv[1])\" {here}",
        f"  {sys.executable} -m pip --python {py} install --no-deps {' '.join(PINS)}",
    ])


def _refusal(tried: list[str]) -> str:
    return ("--quant_method gptq|awq|fp8|w8a8 runs llm-compressor, which cannot be installed into this environment "
            "(it pins transformers<=5.17 and compressed-tensors 0.19; vLLM's CPU build pins 0.17). Tried: "
            + "; ".join(tried) + ". Build the overlay environment it runs in (it reuses this environment's torch "
            "and transformers):\n" + install_recipe()
            + f"\nor point --quant_python / ${ENV_VAR} at a Python that has llmcompressor.")


def describe(method: str, bits: int, group_size: int) -> str:
    """The scheme in vLLM's words: ``W4A16 g128``, ``FP8 dynamic``, ``W8A8 int8``."""
    if method == "fp8":
        return "FP8 W8A8 (dynamic per-token activations)"
    if method == "w8a8":
        return "W8A8 int8 (SmoothQuant + GPTQ, dynamic per-token activations)"
    group = "per channel" if group_size == -1 else f"group {group_size}"
    return f"W{bits}A16 {group}" + (" asymmetric" if method == "awq" else "")


#: what serves each scheme (vLLM 0.32; measured on its CPU build)
SERVING = {
    "w4a16": "vLLM serves it (its CPU build with --torch_dtype bfloat16 only); transformers reloads it anywhere",
    "w8a16": "vLLM serves W8A16 on GPUs only (its CPU kernel takes 4-bit weights); transformers reloads it anywhere",
    "w8a8": "vLLM serves it (its CPU build in bfloat16/float16 only); transformers reloads it anywhere",
    "fp8": "vLLM serves it (natively on Ada/Hopper GPUs, through a slower fallback on CPU); transformers reloads it "
           "anywhere",
}


class LlmCompressorExporter(Exporter):
    """``--quant_method gptq|awq|fp8|w8a8`` through llm-compressor, writing a compressed-tensors folder."""

    def _settings(self, config: dict[str, Any]) -> dict[str, Any]:
        method = str(config.get("quant_method") or "").lower()
        group, batch, samples = config.get("group_size"), config.get("quant_batch_size"), config.get("quant_n_samples")
        return {
            "method": method,
            "bits": int(self.options.get("quant_bits") or 4) if method in ("gptq", "awq") else 8,
            "group_size": DEFAULT_GROUP_SIZE if group is None else int(group),
            "n_samples": DEFAULT_SAMPLES if samples is None else int(samples),
            "batch_size": 1 if batch is None else int(batch),
        }

    def check(self, config: dict[str, Any]) -> list[str]:
        s = self._settings(config)
        problems = []
        if s["method"] in CALIBRATED and not config.get("dataset"):
            problems.append(f"--quant_method {s['method']} calibrates on --dataset: give one (--quant_n_samples rows "
                            f"of it, default {DEFAULT_SAMPLES}, cut to --max_length); fp8 needs none")
        if s["method"] in ("gptq", "awq") and s["group_size"] == 0:
            problems.append("--group_size 0: give the number of weights sharing one scale (32, 64, 128 ...) or -1 "
                            "for one scale per output channel")
        if s["method"] in ("fp8", "w8a8") and config.get("group_size") is not None:
            problems.append(f"--group_size {config['group_size']} does not apply to --quant_method {s['method']} (one "
                            "scale per output channel): drop it, or use gptq/awq")
        if s["batch_size"] == 0:
            problems.append("--quant_batch_size 0: give a batch size >= 1, or -1 for all calibration rows at once")
        runtime, tried = find_runtime(self.options.get("quant_python"))
        if runtime is None:
            problems.append(_refusal(tried))
        return problems

    def export(self, ctx: ExportContext) -> ExportResult:
        s = self._settings(ctx.config)
        scheme = describe(s["method"], s["bits"], s["group_size"])
        files = ["config.json", "model.safetensors", "recipe.yaml", "generation_config.json"]
        if ctx.dry_run:
            return ExportResult(ctx.output_dir, files, {"scheme": scheme},
                                [f"would quantize {ctx.source_dir} to {scheme} (compressed-tensors) with llm-compressor"])
        runtime, tried = find_runtime(self.options.get("quant_python") or ctx.options.get("quant_python"))
        if runtime is None:
            raise RuntimeError(_refusal(tried))
        with tempfile.TemporaryDirectory(prefix="swiftkit-llmc-") as tmp:
            job = {"source_dir": str(ctx.source_dir), "output_dir": str(ctx.output_dir), "method": s["method"],
                   "bits": s["bits"], "group_size": s["group_size"], "batch_size": s["batch_size"],
                   "seed": int(ctx.config.get("seed") or 42), "result": os.path.join(tmp, "result.json")}
            if s["method"] in CALIBRATED:
                if ctx.calibration is None:
                    raise RuntimeError(f"--quant_method {s['method']} calibrates on --dataset, and this run has none")
                rows = [list(map(int, r)) for r in ctx.calibration(s["n_samples"]) if len(r)]
                if not rows:
                    raise RuntimeError(f"--quant_method {s['method']}: --dataset gave no calibration rows")
                job["calibration"] = os.path.join(tmp, "calibration.json")
                Path(job["calibration"]).write_text(json.dumps(rows), encoding="utf-8")
                ctx.log(f"llm-compressor: {scheme}, calibrating on {len(rows)} rows "
                        f"(at most {max(len(r) for r in rows)} tokens), in {runtime.source}")
            else:
                ctx.log(f"llm-compressor: {scheme} (no calibration), in {runtime.source}")
            result = self._run(runtime, job, tmp)
        notes = [f"quantized by llmcompressor {result['versions']['llmcompressor']} on {result['device']} in "
                 f"{result['seconds']} s ({runtime.source}); lm_head, embeddings and norms kept unquantized"]
        notes.append(SERVING[s["method"] if s["method"] in ("fp8", "w8a8") else f"w{s['bits']}a16"])
        written = sorted(p.name for p in Path(ctx.output_dir).iterdir() if p.is_file())
        metrics = {"scheme": scheme, "format": result["format"], "quantize_seconds": result["seconds"],
                   "device": result["device"], "calibration_rows": result["rows"]}
        return ExportResult(ctx.output_dir, written, metrics, notes)

    def load_exported(self, output_dir: str) -> Any:
        """The compressed-tensors folder through transformers (which decompresses the weights on
        load: float32 on the CPU, the checkpoint's dtype on a GPU)."""
        import torch
        from transformers import AutoModelForCausalLM

        if torch.cuda.is_available():
            return AutoModelForCausalLM.from_pretrained(output_dir, dtype="auto", device_map={"": 0}).eval()
        return AutoModelForCausalLM.from_pretrained(output_dir, dtype=torch.float32, device_map="cpu").eval()

    def _run(self, runtime: Runtime, job: dict[str, Any], tmp: str) -> dict[str, Any]:
        if runtime.python is None:
            from swiftkit.plugins.export.llm_compressor_worker import run_job

            return run_job(job)
        job_file = os.path.join(tmp, "job.json")
        log_file = os.path.join(tmp, "worker.log")
        Path(job_file).write_text(json.dumps(job), encoding="utf-8")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with open(log_file, "w", encoding="utf-8") as log:
            code = subprocess.run([runtime.python, str(WORKER), job_file], stdout=log, stderr=subprocess.STDOUT,
                                  env=env, check=False).returncode
        if code != 0 or not os.path.exists(job["result"]):
            lines = Path(log_file).read_text(encoding="utf-8", errors="replace").splitlines()
            cause = next((ln for ln in reversed(lines) if ln and not ln.startswith(" ") and "Error" in ln.split(":")[0]),
                         "")
            tail = "\n".join(lines[-25:])
            raise RuntimeError(f"llm-compressor failed (exit {code}) quantizing {job['source_dir']} with --quant_method "
                               f"{job['method']} in {runtime.python}: {cause or 'see its log below'}\n{tail}")
        return json.loads(Path(job["result"]).read_text(encoding="utf-8"))

