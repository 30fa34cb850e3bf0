"""`swift export --to_ollama`: the chat template translated to Ollama's Go-template syntax.

What matters: for each family's template, the emitted TEMPLATE renders system prompts, several
turns and the generation prompt exactly as our template does (checked with a small renderer of
Go's text/template subset, itself checked on Ollama-style syntax it does not emit: trim markers,
else-if chains, variable scoping); the Modelfile carries FROM, TEMPLATE, one PARAMETER stop per
stop word and SYSTEM; what cannot be translated is refused naming the template. The GGUF side
of the step (it writes the file when no --to_gguf step ran) is covered in test_export_gguf.py.
"""

from __future__ import annotations

import pytest

from swiftkit.core.registry import get_registry
from swiftkit.plugins.export.go_template import GoTemplateError, render
from swiftkit.plugins.export.ollama_impl import modelfile_text
from swiftkit.plugins.export.ollama_template import PROBES, first_mismatch, go_template, render_ollama

#: templates of the tested families the GGUF writer converts, and two more formats
FAMILY_TEMPLATES = ["qwen2_5", "qwen", "qwen3", "llama3", "llama2", "mistral", "gemma", "phi3", "chatml", "phi4"]

MORE = [
    [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"},
     {"role": "assistant", "content": "d"}, {"role": "user", "content": "e\nwith a newline  "}],
    [{"role": "system", "content": ""}, {"role": "user", "content": "empty system"}],
]


def _template(name: str):
    return get_registry().template(name)


@pytest.mark.parametrize("name", FAMILY_TEMPLATES)
def test_go_template_renders_like_the_template(name):
    template = _template(name)
    spec = template.spec
    go = go_template(spec, template.generation_prompt())
    assert first_mismatch(template, go, spec.default_system, PROBES + MORE) is None
    # and spelled out for one multi-turn conversation with a system prompt
    conv = PROBES[3]
    assert render_ollama(go, conv, spec.default_system) == template.render(conv, add_generation_prompt=True)


def test_default_system_comes_from_the_modelfile_system():
    template = _template("qwen2_5")
    go = go_template(template.spec, template.generation_prompt())
    conv = [{"role": "user", "content": "hi"}]
    with_default = render_ollama(go, conv, template.spec.default_system)
    assert template.spec.default_system in with_default
    assert with_default == template.render(conv, add_generation_prompt=True)
    assert template.spec.default_system not in render_ollama(go, conv, None)


def test_last_assistant_message_is_left_open_and_merge_style_needs_the_first_user_turn():
    template = _template("llama2")
    go = go_template(template.spec, template.generation_prompt())
    conv = [{"role": "system", "content": "S"}, {"role": "user", "content": "q1"},
            {"role": "assistant", "content": "a1"}, {"role": "user", "content": "q2"},
            {"role": "assistant", "content": "partial"}]
    out = render_ollama(go, conv)
    assert out == "<s>[INST] <<SYS>>\nS\n<</SYS>>\n\nq1 [/INST] a1 </s><s>[INST] q2 [/INST] partial"


def test_bos_added_by_the_tokenizer_is_dropped_from_the_prefix():
    template = _template("llama3")
    go = go_template(template.spec, template.generation_prompt(), strip_bos="<|begin_of_text|>")
    assert not render_ollama(go, PROBES[0]).startswith("<|begin_of_text|>")
    assert first_mismatch(template, go, None, strip_bos="<|begin_of_text|>") is None


def test_modelfile_has_from_template_stops_and_system():
    template = _template("qwen2_5")
    text = modelfile_text(template, "m-q4_k_m.gguf")
    assert "\nFROM ./m-q4_k_m.gguf\n" in f"\n{text}"
    assert 'TEMPLATE """{{range $i, $_ := .Messages}}' in text
    assert [line for line in text.splitlines() if line.startswith("PARAMETER stop")] == [
        'PARAMETER stop "<|im_end|>"', 'PARAMETER stop "<|endoftext|>"']
    assert f'SYSTEM """{template.spec.default_system}"""' in text
    # the TEMPLATE between the quotes renders like the template
    go = text.split('TEMPLATE """', 1)[1].split('"""', 1)[0]
    assert first_mismatch(template, go, template.spec.default_system) is None


def test_untranslatable_template_is_refused_naming_it():
    with pytest.raises(ValueError, match=r"template 'chatglm2' .*\{round\}"):
        modelfile_text(_template("chatglm2"), "m.gguf")


def test_renderer_handles_ollama_style_syntax():
    # the shape of Ollama's own templates: trim markers, else-if, $.System, comments
    src = ('{{- if .System }}<sys>{{ .System }}</sys>\n{{ end }}\n'
           '{{- /* a comment */ -}}\n'
           '{{- range $i, $m := .Messages }}\n'
           '{{- $last := eq (len (slice $.Messages $i)) 1 -}}\n'
           '{{- if eq $m.Role "user" }}U:{{ $m.Content }};'
           '{{- else if eq .Role "assistant" }}A:{{ .Content }}{{ if not $last }};{{ end }}'
           '{{- else }}?{{ end }}'
           '{{- end }}{{ "{{" }}')
    data = {"System": "be brief", "Messages": [{"Role": "user", "Content": "x"}, {"Role": "assistant", "Content": "y"}]}
    assert render(src, data) == "<sys>be brief</sys>\nU:x;A:y{{"
    assert render(src, {"System": "", "Messages": []}) == "{{"


def test_renderer_scoping_and_logic_follow_go():
    src = '{{$x := 1}}{{if true}}{{$x = 2}}{{$y := 3}}{{end}}{{$x}}{{and 1 0 2}}{{or 0 "" "z"}}{{not ""}}'
    assert render(src, {}) == "20ztrue"
    with pytest.raises(GoTemplateError, match="undefined variable"):
        render("{{if true}}{{$y := 3}}{{end}}{{$y}}", {})
    with pytest.raises(GoTemplateError, match="no end"):
        render("{{if .A}}x", {"A": 1})
    with pytest.raises(GoTemplateError, match="outside the supported subset"):
        render('{{with .A}}x{{end}}', {})


def test_run_system_prompt_and_sampling_flags_reach_the_modelfile():
    text = modelfile_text(_template("llama3"), "m.gguf", system="Be brief.",
                          parameters={"temperature": 0.3, "num_predict": 64})
    assert 'SYSTEM """Be brief."""' in text
    assert "PARAMETER temperature 0.3\n" in text and "PARAMETER num_predict 64\n" in text
