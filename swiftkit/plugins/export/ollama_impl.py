"""The Ollama step (see :mod:`swiftkit.plugins.export.ollama`): a Modelfile beside a GGUF file."""

from __future__ import annotations

import json
import os
from typing import Any

from swiftkit.core.export.interface import ExportContext, Exporter, ExportResult
from swiftkit.plugins.export.gguf_impl import find_gguf, gguf_file_name, gguf_problems, write_step

MODELFILE = "Modelfile"

#: run-config key -> Ollama's PARAMETER name, written when the run gives the key
SAMPLING_PARAMETERS = {"temperature": "temperature", "top_p": "top_p", "top_k": "top_k",
                       "repetition_penalty": "repeat_penalty", "max_new_tokens": "num_predict"}


def _quoted_block(what: str, text: str) -> str:
    if '"""' in text:
        raise ValueError(f'the {what} contains """, which a Modelfile cannot quote')
    return f'{what} """{text}"""'


def _bos_added(gguf_path: str) -> str | None:
    """The BOS token text when the GGUF's tokenizer adds it itself (then the template must not)."""
    from gguf import GGUFReader

    reader = GGUFReader(gguf_path)

    def scalar(key: str) -> Any:
        found = reader.fields.get(key)
        return None if found is None else found.contents()

    if not scalar("tokenizer.ggml.add_bos_token"):
        return None
    bos = scalar("tokenizer.ggml.bos_token_id")
    tokens = reader.fields.get("tokenizer.ggml.tokens")
    return None if bos is None or tokens is None else tokens.contents(int(bos))


def modelfile_text(template: Any, gguf_name: str, *, strip_bos: str | None = None, header: str = "",
                   system: str | None = None, parameters: dict[str, Any] | None = None) -> str:
    """The Modelfile for ``template`` (a :class:`~swiftkit.core.templates.interface.Template`),
    after checking that its Go translation renders the probe conversations exactly as it does.
    ``system`` replaces the template's default system prompt (``--system``); ``parameters``: more
    ``PARAMETER`` lines (Ollama's name -> value)."""
    from swiftkit.plugins.export.ollama_template import first_mismatch, go_template, translatable

    spec = template.spec
    problems = translatable(spec)
    gen = template.generation_prompt() if hasattr(template, "generation_prompt") else spec.assistant_prefix
    go = go_template(spec, gen, strip_bos=strip_bos)
    mismatch = None if problems else first_mismatch(template, go, spec.default_system, strip_bos=strip_bos)
    if problems or mismatch:
        raise ValueError(f"template {spec.id!r} cannot be written as an Ollama TEMPLATE: "
                         + "; ".join(problems or [mismatch]))
    lines = [header] if header else []
    lines += [f"FROM ./{gguf_name}", "", _quoted_block("TEMPLATE", go), ""]
    lines += [f"PARAMETER stop {json.dumps(word, ensure_ascii=False)}" for word in template.stop_words]
    lines += [f"PARAMETER {name} {value}" for name, value in (parameters or {}).items()]
    system = system if system is not None else spec.default_system
    if system:
        if spec.system_style == "none":
            raise ValueError(f"template {spec.id!r} has no system prompt; drop --system")
        lines += ["", _quoted_block("SYSTEM", system)]
    return "\n".join(lines) + "\n"


class OllamaExporter(Exporter):
    """``--to_ollama true``: a Modelfile (and the GGUF file when no ``--to_gguf`` step wrote one)."""

    def check(self, config: dict[str, Any]) -> list[str]:
        if config.get("to_gguf"):
            return gguf_problems(config, config.get("gguf_quant", "f16"))
        return gguf_problems(config, self.options.get("gguf_quant", "f16"))

    def _template(self, ctx: ExportContext) -> Any:
        from swiftkit.core.registry import get_registry

        name = ctx.template or ctx.config.get("template")
        if not name:
            raise ValueError(f"{ctx.source_dir}: no chat template is known for this model; pass --template NAME "
                             "(`swift list templates`) for the Modelfile's TEMPLATE")
        return get_registry().template(name)

    def export(self, ctx: ExportContext) -> ExportResult:
        template = self._template(ctx)
        files, notes, metrics = [], [], {"format": "ollama", "template": template.spec.id}
        name = find_gguf(ctx.source_dir)
        if name is not None and os.path.abspath(ctx.source_dir) != os.path.abspath(ctx.output_dir):
            raise ValueError(f"{ctx.source_dir}: the GGUF file {name} is not in the output folder {ctx.output_dir}")
        quant = self.options.get("gguf_quant") or "f16"
        if name is None and ctx.dry_run and ctx.config.get("to_gguf"):
            name = gguf_file_name(ctx, quant)  # what the dry-run gguf step would have written
        if name is None:  # no --to_gguf step ran: write the GGUF here
            written = write_step(ctx, quant)
            name = written.files[0]
            files += written.files
            notes += written.notes
            metrics.update(written.metrics)
        text_header = f"# written by swiftkit for {ctx.model_id or os.path.basename(ctx.source_dir)}; " \
            f"ollama create NAME -f {MODELFILE}"
        strip_bos = None if ctx.dry_run else _bos_added(os.path.join(ctx.output_dir, name))
        params = {ollama: ctx.config[key] for key, ollama in SAMPLING_PARAMETERS.items()
                  if ctx.config.get(key) is not None}
        text = modelfile_text(template, name, strip_bos=strip_bos, header=text_header,
                              system=ctx.config.get("system"), parameters=params)
        if strip_bos:
            notes.append(f"the tokenizer adds {strip_bos} itself: the TEMPLATE leaves it out")
        files.append(MODELFILE)
        metrics["stop_words"] = list(template.stop_words)
        if not ctx.dry_run:
            with open(os.path.join(ctx.output_dir, MODELFILE), "w", encoding="utf-8") as fh:
                fh.write(text)
        return ExportResult(ctx.output_dir, files, metrics, notes)
