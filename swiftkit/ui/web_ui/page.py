"""The ``swift web-ui`` page: one tab per command (sft, rlhf, infer, deploy, eval, export), a
runs tab (list, live log, loss curve, stop) and a chat tab.

Each command tab is drawn from :func:`~swiftkit.ui.web_ui.form.compose_form`: the main keys as
fixed components, the chosen plugins' options in a section redrawn (``gr.render``) whenever the
values choose other plugins, and every other key under "More options", one section at a time or
by search (drawing all ~340 keys of six forms up front makes the page take ~10 s to load). The
values live in a per-tab state as command-line text; the command box shows the ``swift ...`` line
they make and may be edited before Run, which validates it as the CLI does and starts it.

The runs and the chat model live in this process: the page is a single user's board.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from typing import Any

from swiftkit.core.errors import SwiftkitError
from swiftkit.ui.web_ui.command import check_command, command_line, option_args, parse_command
from swiftkit.ui.web_ui.form import COMMANDS, MAIN, Field, Form, compose_form
from swiftkit.ui.web_ui.runs import TABLE_HEADERS, TRAINING_COMMANDS, Run, RunManager

_WORDS: dict[str, dict[str, str]] = {
    "title": {"en": "swiftkit web UI", "zh": "swiftkit 网页界面"},
    "plugin_options": {"en": "Options of the chosen plugins", "zh": "所选插件的选项"},
    "more": {"en": "More options", "zh": "更多选项"},
    "search": {"en": "Search options", "zh": "搜索选项"},
    "search_placeholder": {"en": "a word of a key or its description (e.g. lora, warmup, seed)",
                           "zh": "键名或说明中的词（如 lora、warmup、seed）"},
    "section": {"en": "Section", "zh": "分组"},
    "command": {"en": "Command (editable; Run runs this line)", "zh": "命令（可编辑；运行此行）"},
    "run": {"en": "Run", "zh": "运行"},
    "runs": {"en": "Runs", "zh": "运行记录"},
    "run_pick": {"en": "Run", "zh": "运行"},
    "stop": {"en": "Stop run", "zh": "停止运行"},
    "chat_result": {"en": "Chat with the result", "zh": "与结果对话"},
    "log": {"en": "Log", "zh": "日志"},
    "loss": {"en": "Training loss", "zh": "训练损失"},
    "chat_model": {"en": "Model, checkpoint, folder, or a server's http://HOST:PORT/v1",
                   "zh": "模型、检查点、目录或服务地址 http://HOST:PORT/v1"},
    "load": {"en": "Load", "zh": "加载"},
    "no_model": {"en": "no model loaded: enter one above and press Load", "zh": "未加载模型"},
}


def _w(key: str, lang: str) -> str:
    return _WORDS[key].get(lang) or _WORDS[key]["en"]


def _info(description: str, limit: int = 240) -> str | None:
    if not description:
        return None
    return description if len(description) <= limit else description[: limit - 1] + "…"


def _component(gr: Any, command: str, f: Field, value: str | None) -> Any:
    """The input of ``f`` showing ``value`` (command-line text; ``None``: unset)."""
    common = {"label": f.key, "info": _info(f.description), "elem_id": f"{command}-{f.key}", "key": f"{command}-{f.key}"}
    if f.widget == "checkbox":
        return gr.Checkbox(value=(value if value is not None else f.default) == "true", **common)
    if f.widget == "dropdown":
        choices = [("(default)" if c == "" else c, c) for c in f.choices]
        current = value if value is not None else f.default
        if current not in f.choices:
            choices.append((current, current))
        return gr.Dropdown(choices=choices, value=current, **common)
    return gr.Textbox(value=value or "", placeholder=f.default, lines=1, max_lines=4, **common)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


class FormValues:
    """What each page session typed into each form (key -> command-line text), kept here rather
    than in a ``gr.State``: two fields changed at once would each send the state as it was
    before the other's change, and one value would be lost."""

    def __init__(self) -> None:
        self._data: dict[tuple[str, str], dict[str, str]] = {}
        self._lock = threading.Lock()

    def get(self, session: str, command: str) -> dict[str, str]:
        with self._lock:
            return dict(self._data.get((session, command), {}))

    def update(self, session: str, command: str, key: str, text: str, make: Any) -> Any:
        """Set ``key`` and return ``make(values)``, computed under the lock: of two changes at
        once, the one answered last saw both."""
        with self._lock:
            values = self._data.setdefault((session, command), {})
            values[key] = text
            return make(dict(values))

    def forget(self, session: str) -> None:
        with self._lock:
            for key in [k for k in self._data if k[0] == session]:
                del self._data[key]


def _session(request: Any) -> str:
    return str(getattr(request, "session_hash", None) or "")


def _takes_request(gr: Any, fn: Any) -> Any:
    """``fn`` with its ``request`` parameter annotated as ``gr.Request`` (a real class, not a
    string: gradio resolves annotations in this module, where gradio is not imported)."""
    fn.__annotations__ = {"request": gr.Request}
    return fn


def _draw(gr: Any, command: str, fields: list[Field], wiring: dict[str, Any], values: dict[str, str]) -> None:
    """Inputs for ``fields``; a change stores the text in the session's values and redraws the command."""
    for f in fields:
        box = _component(gr, command, f, values.get(f.key))

        def store(value: Any, request: Any, key: str = f.key) -> tuple[str, str]:
            def make(current: dict[str, str]) -> tuple[str, str]:
                form, line = form_command(wiring["registry"], command, current)
                return line, _selection_key(form)

            return wiring["values"].update(_session(request), command, key, _as_text(value), make)

        box.change(_takes_request(gr, store), [box], [wiring["box"], wiring["selection"]], queue=False)


def _draw_columns(gr: Any, command: str, fields: list[Field], wiring: dict[str, Any], values: dict[str, str]) -> None:
    """:func:`_draw` in two columns (first half left)."""
    half = (len(fields) + 1) // 2
    with gr.Row(equal_height=False):
        for column in (fields[:half], fields[half:]):
            with gr.Column():
                _draw(gr, command, column, wiring, values)


def form_command(registry: Any, command: str, values: dict[str, str]) -> tuple[Form, str]:
    """The form of ``values`` and the ``swift ...`` line they make (keys of plugins they no
    longer choose left out; values equal to a default left out)."""
    form = compose_form(registry, command, values)
    kept = {k: v for k, v in values.items() if k in form.fields}
    props = {k: f.schema for k, f in form.fields.items()}
    defaults = {k: f.default for k, f in form.fields.items() if f.default}
    return form, command_line(command, option_args(kept, props, defaults))


def _selection_key(form: Form) -> str:
    return json.dumps(form.selected, sort_keys=True)


def _command_tab(gr: Any, page: Any, registry: Any, command: str, lang: str, values: FormValues) -> dict[str, Any]:
    """The form, command box and Run button of ``command``; returns the components to wire."""
    form0, line0 = form_command(registry, command, {})
    # the plugins the values choose, as JSON: the chosen plugins' section is redrawn when it
    # changes (a rendered but hidden textbox: a State's change event does not fire from outputs)
    selection = gr.Textbox(_selection_key(form0), visible="hidden", elem_id=f"{command}-selection")
    box = gr.Textbox(value=line0, label=_w("command", lang), lines=2, elem_id=f"{command}-command", render=False)
    wiring = {"registry": registry, "values": values, "box": box, "selection": selection}
    _draw_columns(gr, command, form0.groups().get(MAIN, []), wiring, {})

    with gr.Accordion(_w("plugin_options", lang), open=True, elem_id=f"{command}-plugin-options"):
        def plugin_options(request: Any) -> None:
            current = values.get(_session(request), command)
            form = compose_form(registry, command, current)
            for title, fields in form.plugin_groups().items():
                with gr.Accordion(title, open=True):
                    _draw_columns(gr, command, fields, wiring, current)

        gr.render(triggers=[selection.change, page.load])(_takes_request(gr, plugin_options))

    with gr.Accordion(_w("more", lang), open=False, elem_id=f"{command}-more"):
        search = gr.Textbox(label=_w("search", lang), placeholder=_w("search_placeholder", lang),
                            elem_id=f"{command}-search")
        section = gr.Radio(choices=list(form0.more_groups()), value=None, label=_w("section", lang),
                           elem_id=f"{command}-section")

        def more_options(title: str | None, query: str, request: Any) -> None:
            current = values.get(_session(request), command)
            form = compose_form(registry, command, current)
            more = form.more_groups()  # main and plugin keys are drawn above already
            if (query or "").strip():
                fields = [f for f in form.search(query) if f.group in more]
            else:
                fields = more.get(title or "", [])
            _draw(gr, command, fields, wiring, current)

        gr.render(inputs=[section, search], triggers=[section.change, search.submit, selection.change])(
            _takes_request(gr, more_options))

    box.render()
    with gr.Row():
        run = gr.Button(_w("run", lang), variant="primary", elem_id=f"{command}-run", scale=1)
        status = gr.Markdown(elem_id=f"{command}-status")
    return {"run": run, "box": box, "status": status}


def _run_output(command: str, config: dict[str, Any]) -> str | None:
    """Where a run of ``command`` writes, from its validated config."""
    if command in TRAINING_COMMANDS:
        return config.get("output_dir") or "output"
    for key in ("eval_output_dir", "result_path", "output_dir"):
        if config.get(key):
            return str(config[key])
    return None


def _run_url(command: str, config: dict[str, Any]) -> str | None:
    """The URL a ``swift deploy`` run will serve (its --host / --port, swift deploy's defaults)."""
    if command != "deploy" or config.get("port") == 0:
        return None
    host = config.get("host") or "127.0.0.1"
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{config.get('port') or 8000}/v1"


def _run_summary(run: Run) -> str:
    status = run.status
    parts = [f"**run {run.id}: {status}**" + ("" if run.returncode is None else f" (exit {run.returncode})")
             + f" after {run.seconds:.1f} s, pid {run.pid}"]
    losses = run.losses()
    if run.command in TRAINING_COMMANDS:
        if losses:
            parts.append(f"{len(losses)} loss points, last: step {losses[-1][0]:g}, loss {losses[-1][1]:.4f}")
        else:
            parts.append("0 loss points")
    where = run.find_run_dir() or run.output_dir
    if where:
        parts.append(f"output: `{where}`")
    checkpoint = run.last_checkpoint()
    if checkpoint:
        parts.append(f"last checkpoint: `{checkpoint}`")
    if run.url:
        parts.append(f"serving at `{run.url}`")
    return " · ".join(parts)


class ChatHolder:
    """The model the chat tab talks to (loaded in this process on Load)."""

    def __init__(self, registry: Any):
        self.registry = registry
        self.opened: Any = None
        self.path: str | None = None

    def load(self, path: str, max_new_tokens: int | None = None) -> str:
        """Load ``path``: a model, checkpoint or folder (an engine here), or the
        ``http://HOST:PORT/v1`` of a running server (``swift deploy``). Returns its name."""
        from swiftkit.cli.infer_cmd import sampling_options
        from swiftkit.core.config import build_config
        from swiftkit.ui.app import open_backend

        path = (path or "").strip()
        if not path:
            raise SwiftkitError("name a model, checkpoint or folder (or a server's http://HOST:PORT/v1) to chat with")
        given = {"base_url": path} if path.startswith(("http://", "https://")) else {"model": path, "infer_backend": "pt"}
        if max_new_tokens:
            given["max_new_tokens"] = int(max_new_tokens)
        config = build_config(self.registry, command="app", overrides=given)
        opened = open_backend(config, sampling_options(config), self.registry)
        self.close()
        self.opened, self.path = opened, path
        return opened.backend.name

    def backend(self) -> Any:
        if self.opened is None:
            raise SwiftkitError("no model loaded: enter a model or checkpoint in the chat tab and press Load")
        return self.opened.backend

    def close(self) -> None:
        if self.opened is not None:
            self.opened.close()
            self.opened = None


def build_web_ui(registry: Any, manager: RunManager, *, title: str | None = None, lang: str | None = None,
                 chat: ChatHolder | None = None) -> Any:
    """The page (a ``gr.Blocks``, not launched) over ``manager``'s runs."""
    import pandas as pd

    from swiftkit.ui.chat import chat_panel
    from swiftkit.ui.i18n import text
    from swiftkit.ui.runtime import import_gradio

    gr = import_gradio()
    lang = lang or "en"
    title = title or _w("title", lang)
    chat = chat or ChatHolder(registry)
    values = FormValues()
    tabs_of: dict[str, dict[str, Any]] = {}
    with gr.Blocks(title=title, analytics_enabled=False) as page:
        gr.Markdown(f"## {title}", elem_id="web-ui-title")
        with gr.Tabs(elem_id="web-ui-tabs") as tabs:
            for command in COMMANDS:
                with gr.Tab(command, id=command, elem_id=f"tab-{command}"):
                    tabs_of[command] = _command_tab(gr, page, registry, command, lang, values)
            with gr.Tab(_w("runs", lang), id="runs", elem_id="tab-runs"):
                table = gr.Dataframe(headers=TABLE_HEADERS, value=[], interactive=False, elem_id="runs-table",
                                     wrap=True)
                with gr.Row():
                    pick = gr.Dropdown(choices=[], value=None, label=_w("run_pick", lang), elem_id="run-pick", scale=1)
                    stop = gr.Button(_w("stop", lang), variant="stop", elem_id="run-stop", scale=0)
                    to_chat = gr.Button(_w("chat_result", lang), elem_id="run-chat", scale=0)
                summary = gr.Markdown(elem_id="run-summary")
                plot = gr.LinePlot(x="step", y="loss", title=_w("loss", lang), elem_id="run-loss", height=260,
                                   value=pd.DataFrame({"step": [], "loss": []}))
                log = gr.Textbox(label=_w("log", lang), lines=16, max_lines=16, autoscroll=True, elem_id="run-log",
                                 interactive=False)
            with gr.Tab(text("chat", lang), id="chat", elem_id="tab-chat"):
                with gr.Row():
                    chat_model = gr.Textbox(label=_w("chat_model", lang), elem_id="chat-model", scale=4)
                    max_tokens = gr.Number(256, precision=0, minimum=1, label="max_new_tokens",
                                           elem_id="chat-max-new-tokens", scale=1)
                    load = gr.Button(_w("load", lang), elem_id="chat-load", scale=1)
                chat_status = gr.Markdown(_w("no_model", lang), elem_id="chat-status")
                chat_panel(chat.backend, lang=lang, multimodal=False)
        timer = gr.Timer(1.0)

        known = gr.State(0)  # how many runs the page's run picker lists

        def choices() -> list[tuple[str, int]]:
            return [(f"{r.id}: swift {r.command}", r.id) for r in manager.runs()]

        def start(text: str, command: str) -> tuple[Any, ...]:
            try:
                cmd, args = parse_command(text, expected=command)
                config = check_command(registry, cmd, args)
            except SwiftkitError as exc:
                return f"**not started:** {exc}", gr.update(), gr.update(), gr.update()
            run = manager.start(cmd, args, output_dir=_run_output(cmd, config), url=_run_url(cmd, config))
            return (f"started run {run.id} (pid {run.pid})", gr.update(choices=choices(), value=run.id),
                    gr.Tabs(selected="runs"), len(manager.runs()))

        for command, parts in tabs_of.items():
            def start_command(text: str, command: str = command) -> tuple[Any, ...]:
                return start(text, command)

            parts["run"].click(start_command, [parts["box"]], [parts["status"], pick, tabs, known])

        def show(run_id: Any, listed: int) -> tuple[Any, ...]:
            run = manager.get(int(run_id)) if run_id not in (None, "") else None
            rows = manager.table()
            # the picker's choices are sent only when runs were added: resending them while the
            # list is open would close it
            count = len(manager.runs())
            picker = gr.update(choices=choices()) if count != listed else gr.update()
            if run is None:
                return rows, "", pd.DataFrame({"step": [], "loss": []}), "", picker, count
            steps = run.losses()
            curve = pd.DataFrame({"step": [s for s, _ in steps], "loss": [v for _, v in steps]})
            return rows, _run_summary(run), curve, run.log(), picker, count

        outputs = [table, summary, plot, log, pick, known]
        timer.tick(show, [pick, known], outputs, show_progress="hidden")
        pick.change(show, [pick, known], outputs, show_progress="hidden")

        def stop_run(run_id: Any, listed: int) -> tuple[Any, ...]:
            run = manager.get(int(run_id)) if run_id not in (None, "") else None
            if run is not None:
                run.stop()
            return show(run_id, listed)

        stop.click(stop_run, [pick, known], outputs, show_progress="hidden")

        def load_model(path: str, max_new_tokens: Any) -> Iterator[str]:
            yield f"loading `{path}` ..."
            try:
                name = chat.load(path, max_new_tokens)
            except Exception as exc:  # shown on the page; the previous model stays
                yield f"**not loaded:** {exc}"
                return
            yield f"chatting with `{name}`"

        load.click(load_model, [chat_model, max_tokens], [chat_status])

        def run_to_chat(run_id: Any, max_new_tokens: Any) -> Iterator[tuple[Any, ...]]:
            run = manager.get(int(run_id)) if run_id not in (None, "") else None
            checkpoint = (run.url or run.last_checkpoint()) if run else None
            if not checkpoint:
                yield gr.update(), gr.update(), "**this run has no checkpoint (or server) yet**"
                return
            for message in load_model(checkpoint, max_new_tokens):
                yield checkpoint, gr.Tabs(selected="chat"), message

        to_chat.click(run_to_chat, [pick, max_tokens], [chat_model, tabs, chat_status])

        def forget(request: Any) -> None:
            values.forget(_session(request))

        page.unload(_takes_request(gr, forget))
    return page


def run_web_ui(config: dict[str, Any], *, registry: Any, logs_dir: str | None = None, echo: Any = print,
               block: bool = True) -> Any:
    """Serve the board of ``config`` (``--server_name``, ``--server_port``, ``--lang``,
    ``--studio_title``, ``--share``) until Ctrl-C (``block``), else return the
    :class:`~swiftkit.ui.runtime.Launched` page with ``.manager`` and ``.chat`` (the caller
    closes them)."""
    from swiftkit.ui.runtime import check_share, launch

    check_share(config.get("share"))
    manager = RunManager(logs_dir or os.path.join(os.getcwd(), "output", "web-ui-logs"))
    chat = ChatHolder(registry)
    page = build_web_ui(registry, manager, title=config.get("studio_title"), lang=config.get("lang"), chat=chat)
    launched = launch(page, server_name=config.get("server_name"), server_port=config.get("server_port"),
                      share=bool(config.get("share")))
    launched.manager = manager  # type: ignore[attr-defined]
    launched.chat = chat  # type: ignore[attr-defined]
    echo(f"swift web-ui at {launched.url} (run logs in {manager.logs_dir}; Ctrl-C stops the page, runs keep going)")
    if not block:
        return launched
    try:
        launched.blocks.block_thread()
    except KeyboardInterrupt:
        pass
    finally:
        launched.close()
        chat.close()
        running = [r for r in manager.runs() if r.status == "running"]
        if running:
            echo("still running: " + ", ".join(f"run {r.id} (pid {r.pid}): {r.command_line()}" for r in running))
    return launched
