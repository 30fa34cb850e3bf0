"""Discovery benchmark: ``swift list models --json`` with 300 extra plugin distributions.

Writes 300 fake plugin distributions (2 models each, 600 models) into one temporary folder put
on ``PYTHONPATH``: for each, a light registration package ``fakeplugin_NNN/__init__.py`` and a
``fakeplugin_NNN-1.0.dist-info/`` with ``METADATA`` and ``entry_points.txt``, exactly what pip
leaves for an installed wheel. Then times, in the same run, round-robin so that machine noise
hits every scenario alike:

- ``python -c pass``: interpreter start-up, the floor;
- ``swift list models --json`` COLD: no index (a fresh ``SWIFTKIT_CACHE_DIR`` per run), so
  every plugin module is imported, its hooks called and its specs validated;
- the same WARM: the index is current, so the command reads it and imports no plugin;
- both again WITHOUT the 300 extra plugins, for reference.

Each timed run's output is parsed and its model count checked (600 more with the extra
plugins), so a run that silently skipped the plugins cannot pass as fast.

    .venv/bin/python benchmarks/discovery.py [--runs 7] [--plugins 300] [--keep DIR]
    .venv/bin/python benchmarks/discovery.py --profile cold   # cProfile of one in-process cold run

Targets (2-core machine): warm <= 0.15 s, cold <= 0.6 s, with the extra plugins.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"warm": 0.15, "cold": 0.6}
MODELS_PER_PLUGIN = 2

PLUGIN_MODULE = '''\
"""Fake benchmark plugin NNN: MODELS models, the default loader."""

from swiftkit.core import ModelSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.0"


@hookimpl
def swift_register_models():
    return [
        ModelSpec(
            id=f"fake-NNN-{i}",
            family="fakeNNN",
            description=f"benchmark model {i} of fake plugin NNN",
            architecture="LlamaForCausalLM",
            hf_model_type="llama",
            template="chatml",
            hf_id=f"fake-org/Fake-NNN-{i}",
            ms_id=f"fake-org/Fake-NNN-{i}",
            params_billion=0.1,
            max_length=4096,
            tags=["text", "base"],
            loader="swiftkit.models.hf:HFCausalLMLoader",
        )
        for i in range(MODELS)
    ]
'''


def write_plugins(root: Path, count: int) -> None:
    """``count`` fake distributions under ``root`` (to be put on ``PYTHONPATH``)."""
    for n in range(count):
        pkg = root / f"fakeplugin_{n:03d}"
        pkg.mkdir(parents=True)
        (pkg / "__init__.py").write_text(
            PLUGIN_MODULE.replace("NNN", f"{n:03d}").replace("MODELS", str(MODELS_PER_PLUGIN)),
            encoding="utf-8",
        )
        info = root / f"fakeplugin_{n:03d}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: fakeplugin_{n:03d}\nVersion: 1.0\n"
            "Summary: swiftkit discovery benchmark plugin\n",
            encoding="utf-8",
        )
        (info / "entry_points.txt").write_text(
            f"[swiftkit.models]\nfake_{n:03d} = fakeplugin_{n:03d}\n", encoding="utf-8"
        )
        (info / "INSTALLER").write_text("benchmark\n", encoding="utf-8")


def base_env() -> dict[str, str]:
    env = dict(os.environ)
    for var in (
        "PYTHONPATH",
        "SWIFTKIT_CACHE_DIR",
        "SWIFTKIT_NO_INDEX",
        "SWIFTKIT_STRICT_PLUGINS",
        "SWIFTKIT_PLUGINS_ALLOW",
        "SWIFTKIT_PLUGINS_DENY",
        "PYTHONPROFILEIMPORTTIME",
        "PYTHONDONTWRITEBYTECODE",  # plugin modules get their .pyc like installed ones
    ):
        env.pop(var, None)
    env.update(
        {
            "HF_HUB_OFFLINE": "1",
            "HF_DATASETS_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
        }
    )
    return env


class Scenario:
    def __init__(
        self,
        name: str,
        argv: list[str],
        env: dict[str, str],
        *,
        cold: bool = False,
        cache: Path | None = None,
        expect_models: int | None = None,
    ):
        self.name, self.argv, self.env = name, argv, env
        self.cold, self.cache, self.expect_models = cold, cache, expect_models
        self.times: list[float] = []
        self.discarded = 0

    def _index_stamp(self) -> list[tuple[str, int]]:
        return sorted((p.name, p.stat().st_mtime_ns) for p in self.cache.glob("plugin-index-*.json"))

    def run_once(self) -> None:
        env = dict(self.env)
        if self.cache is not None:
            if self.cold:
                shutil.rmtree(self.cache, ignore_errors=True)  # no index: full discovery
            env["SWIFTKIT_CACHE_DIR"] = str(self.cache)
        for _attempt in range(5):
            before = self._index_stamp() if self.cache is not None and not self.cold else None
            start = time.perf_counter()
            proc = subprocess.run(self.argv, env=env, capture_output=True, text=True)
            elapsed = time.perf_counter() - start
            if proc.returncode != 0:
                raise SystemExit(f"{self.name}: exit {proc.returncode}\n{proc.stderr[-2000:]}")
            if self.expect_models is not None:
                models = json.loads(proc.stdout)
                if len(models) != self.expect_models:
                    raise SystemExit(
                        f"{self.name}: listed {len(models)} models, expected {self.expect_models}"
                    )
                if not any(self.cache.glob("plugin-index-*.json")):
                    raise SystemExit(f"{self.name}: no index was written to {self.cache}")
            if before is not None and self._index_stamp() != before:
                # The index was rebuilt: something it is keyed on changed under us (a plugin file
                # edited meanwhile, for instance). That run was cold, not warm: discard, retry.
                self.discarded += 1
                continue
            self.times.append(elapsed)
            return
        raise SystemExit(f"{self.name}: the index was rebuilt on 5 runs in a row; it never stays warm")


def count_models(swift: str, env: dict[str, str], cache: Path) -> tuple[int, list[dict]]:
    env = {**env, "SWIFTKIT_CACHE_DIR": str(cache)}
    out = subprocess.run(
        [swift, "list", "models", "--json"], env=env, capture_output=True, text=True, check=True
    )
    plugins = subprocess.run(
        [swift, "plugins", "--json"], env=env, capture_output=True, text=True, check=True
    )
    return len(json.loads(out.stdout)), json.loads(plugins.stdout)


def profile_cold(plugin_dir: Path, scratch: Path) -> None:
    """cProfile of one cold ``swift list models --json`` in this process (sorted by cumulative time)."""
    import cProfile
    import pstats

    sys.path.insert(0, str(plugin_dir))
    os.environ["SWIFTKIT_CACHE_DIR"] = str(scratch / "profile-cache")
    for k, v in base_env().items():
        os.environ.setdefault(k, v)
    import io
    from contextlib import redirect_stdout

    from swiftkit.cli import main

    prof = cProfile.Profile()
    buf = io.StringIO()
    with redirect_stdout(buf):
        prof.enable()
        try:
            main(["list", "models", "--json"])
        except SystemExit:
            pass
        prof.disable()
    print(f"listed {len(json.loads(buf.getvalue()))} models")
    stats = pstats.Stats(prof).strip_dirs().sort_stats("cumulative")
    stats.print_stats(45)
    stats.sort_stats("tottime").print_stats(25)


def fmt(t: float) -> str:
    return f"{t:7.3f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7, help="timed runs per scenario (default 7)")
    ap.add_argument("--plugins", type=int, default=300, help="extra plugin distributions (default 300)")
    ap.add_argument(
        "--keep", type=Path, help="write the plugins here and keep them (default: a temp dir, removed)"
    )
    ap.add_argument("--profile", choices=["cold"], help="profile one in-process run instead of timing")
    args = ap.parse_args()

    bindir = Path(sys.executable).parent
    swift = bindir / "swift"
    if not swift.exists():
        raise SystemExit(f"no `swift` console script next to {sys.executable}; run with the venv's python")

    scratch = Path(tempfile.mkdtemp(prefix="swiftkit-bench-"))
    plugin_dir = args.keep or scratch / "site"
    try:
        if not (plugin_dir / "fakeplugin_000").exists():
            write_plugins(plugin_dir, args.plugins)
        if args.profile:
            profile_cold(plugin_dir, scratch)
            return 0

        env_without = base_env()
        env_with = {**env_without, "PYTHONPATH": str(plugin_dir)}

        # How many models each setup lists, and that every fake plugin loaded.
        n_without, _ = count_models(str(swift), env_without, scratch / "count-without")
        n_with, plugins = count_models(str(swift), env_with, scratch / "count-with")
        fakes = [p for p in plugins if p["distribution"].startswith("fakeplugin_")]
        broken = [p for p in fakes if p["status"] != "ok"]
        if len(fakes) != args.plugins or broken:
            raise SystemExit(f"{len(fakes)} fake plugins found, {len(broken)} broken: {broken[:3]}")
        extra = args.plugins * MODELS_PER_PLUGIN
        assert n_with == n_without + extra, (n_with, n_without)
        assert n_with >= extra, n_with

        list_argv = [str(swift), "list", "models", "--json"]
        scenarios = [
            Scenario("python -c pass", [sys.executable, "-c", "pass"], env_with),
            Scenario(
                "import swiftkit.cli", [sys.executable, "-c", "import swiftkit.cli"], env_with
            ),
            Scenario(
                f"cold, +{args.plugins} plugins",
                list_argv,
                env_with,
                cold=True,
                cache=scratch / "cold-with",
                expect_models=n_with,
            ),
            Scenario(
                f"warm, +{args.plugins} plugins",
                list_argv,
                env_with,
                cache=scratch / "warm-with",
                expect_models=n_with,
            ),
            Scenario(
                "cold, no extra plugins",
                list_argv,
                env_without,
                cold=True,
                cache=scratch / "cold-without",
                expect_models=n_without,
            ),
            Scenario(
                "warm, no extra plugins",
                list_argv,
                env_without,
                cache=scratch / "warm-without",
                expect_models=n_without,
            ),
        ]
        for s in scenarios:  # prime: warm scenarios get their index, every path its bytecode
            s.run_once()
            s.times.clear()
            s.discarded = 0
        for _ in range(args.runs):
            for s in scenarios:
                s.run_once()

        print(
            f"swift list models --json: {n_with} models with {args.plugins} extra plugin distributions "
            f"({extra} models), {n_without} without them; {args.runs} runs each, "
            f"{os.cpu_count()} CPU(s), Python {sys.version.split()[0]}"
        )
        print()
        print(f"{'scenario':30} {'median':>7} {'min':>7} {'max':>7}   target")
        print("-" * 72)
        verdicts = {}
        for s in scenarios:
            med = statistics.median(s.times)
            target = ""
            if s.name.startswith(("cold, +", "warm, +")):
                key = s.name.split(",")[0]
                ok = med <= TARGETS[key]
                verdicts[key] = ok
                target = f"<= {TARGETS[key]:.2f} s  {'PASS' if ok else 'MISS'}"
            print(f"{s.name:30} {fmt(med)} {fmt(min(s.times))} {fmt(max(s.times))}   {target}")
        for s in scenarios:
            if s.discarded:
                print(
                    f"note: {s.name}: {s.discarded} run(s) discarded because the index was rebuilt during them"
                )
        floor = statistics.median(scenarios[0].times)
        print()
        for s in scenarios[2:]:
            print(f"  {s.name:28} = start-up + {statistics.median(s.times) - floor:6.3f} s")
        return 0 if all(verdicts.values()) else 1
    finally:
        if args.keep is None:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
