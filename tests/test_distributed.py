"""`swift sft` on two processes (torchrun + gloo on CPU) under every strategy.

Each strategy's run must follow the loss curve of a single-process run on the same global
batch (2 processes x 2 rows = 1 process x 2 rows x 2 accumulation steps), save checkpoints,
and resume from one onto the same curve. These are the suite's slowest tests (each launch
starts two interpreters that import the Trainer), so they share one tiny model and dataset.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from swiftkit.core.registry import get_registry
from swiftkit.testing.tiny import build_tiny_model
from swiftkit.train.callbacks import read_log

pytestmark = pytest.mark.usefixtures("one_torch_thread")

_HAS_DEEPSPEED = __import__("importlib.util").util.find_spec("deepspeed") is not None
STEPS = 4


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return str(build_tiny_model("qwen2.5-0.5b-instruct", tmp_path_factory.mktemp("m") / "qwen2.5-0.5b-instruct",
                                registry=get_registry(refresh=True)))


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    path = tmp_path_factory.mktemp("d") / "count.jsonl"
    rows = [{"messages": [{"role": "user", "content": f"Count to {i % 9 + 1}."},
                          {"role": "assistant", "content": " ".join(map(str, range(1, i % 9 + 2)))}]}
            for i in range(24)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def _common(tiny: str, data: str, out: str, train_type: str) -> list[str]:
    # LoRA dropout draws from each process's own RNG stream: off, so that curves can be compared
    dropout = ["--lora_dropout", "0"] if train_type == "lora" else []
    return [*dropout, "--model", tiny, "--dataset", data, "--train_type", train_type, "--max_length", "64",
            "--max_steps", str(STEPS), "--save_steps", "2", "--logging_steps", "1", "--learning_rate", "5e-3",
            "--warmup_ratio", "0", "--lr_scheduler_type", "constant", "--output_dir", out, "--add_version", "false",
            "--report_to", "none", "--dataset_num_proc", "1"]


def _swift(*args: str, extra_env: dict[str, str] | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", **(extra_env or {})}
    env.pop("MASTER_PORT", None)
    return subprocess.run([sys.executable, "-m", "swiftkit", *args], capture_output=True, text=True, env=env, timeout=timeout)


def _losses(run_dir: str) -> dict[int, float]:
    return {row["step"]: row["loss"] for row in read_log(run_dir) if "loss" in row and "step" in row}


@pytest.fixture(scope="module")
def baselines(tiny, data, tmp_path_factory):
    """Single-process loss curves on the same global batch, per tuner."""
    out = {}
    for train_type in ("full", "lora"):
        run_dir = str(tmp_path_factory.mktemp(f"single-{train_type}"))
        result = _swift("sft", *_common(tiny, data, run_dir, train_type), "--per_device_train_batch_size", "2",
                        "--gradient_accumulation_steps", "2")
        assert result.returncode == 0, result.stderr[-3000:]
        out[train_type] = _losses(run_dir)
        assert sorted(out[train_type]) == list(range(1, STEPS + 1))
    return out


#: case -> (tuner, flags, the strategy the flags select, what must wrap the model in training)
CASES = {
    "ddp": ("full", [], "ddp", "DistributedDataParallel"),
    "fsdp": ("full", ["--fsdp", "full_shard auto_wrap"], "fsdp", "FSDPQwen2ForCausalLM"),
    "zero2": ("full", ["--deepspeed", "zero2"], "deepspeed", "DeepSpeedEngine"),
    "zero3": ("full", ["--deepspeed", "zero3"], "deepspeed", "DeepSpeedEngine"),
    "zero3_lora": ("lora", ["--deepspeed", "zero3"], "deepspeed", "DeepSpeedEngine"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_two_processes_follow_the_single_process_curve_and_resume(case, tiny, data, baselines, tmp_path):
    train_type, flags, strategy, wrapper = CASES[case]
    if "--deepspeed" in flags and not _HAS_DEEPSPEED:
        pytest.skip("DeepSpeed is not installed (pip install 'swiftkit[deepspeed]')")
    run_dir = str(tmp_path / "run")
    result = _swift("sft", *_common(tiny, data, run_dir, train_type), *flags,
                    "--per_device_train_batch_size", "2", "--nproc_per_node", "2")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "launching 2 process(es)" in result.stdout
    with open(os.path.join(run_dir, "launch", "result.json"), encoding="utf-8") as fh:
        summary = json.load(fh)
    assert summary["wrapped_as"] == wrapper  # the strategy really applied, not a silent fallback
    assert (summary["sharded_params"] > 0) == (case == "fsdp")  # FSDP2 holds DTensor shards

    # one log: rank 1's output went to files, and logging.jsonl has one row per step
    losses = _losses(run_dir)
    assert sorted(losses) == list(range(1, STEPS + 1)), losses
    expected = baselines[train_type]
    for step in losses:
        assert losses[step] == pytest.approx(expected[step], rel=1e-4, abs=1e-5), (step, losses, expected)
    assert losses[STEPS] < losses[1]

    checkpoints = sorted(n for n in os.listdir(run_dir) if n.startswith("checkpoint-"))
    assert checkpoints == ["checkpoint-2", "checkpoint-4"]
    with open(os.path.join(run_dir, "args.json"), encoding="utf-8") as fh:
        recorded = json.load(fh)
    assert recorded["world_size"] == 2 and recorded["strategy"] == strategy

    if case == "zero3":  # the ZeRO shards gather into a plain folder equal to the weights the Trainer gathered
        _check_consolidation(os.path.join(run_dir, f"checkpoint-{STEPS}"))

    # resume from the middle: the continued run lands on the same curve
    resumed_dir = str(tmp_path / "resumed")
    os.makedirs(resumed_dir)
    shutil.copytree(os.path.join(run_dir, "checkpoint-2"), os.path.join(resumed_dir, "checkpoint-2"))
    shutil.copy2(os.path.join(run_dir, "args.json"), resumed_dir)
    result = _swift("sft", "--resume_from_checkpoint", os.path.join(resumed_dir, "checkpoint-2"), "--nproc_per_node", "2")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    again = _losses(resumed_dir)
    assert sorted(again) == [3, 4], again
    for step in (3, 4):
        assert again[step] == pytest.approx(losses[step], rel=1e-4, abs=1e-5), (step, again, losses)


def test_tensor_parallel_follows_the_single_process_curve(tiny, data, tmp_path):
    """--tp_size 2 on 2 processes: both ranks hold half of each layer and see the same batch,
    so the curve is one process's at the same per-device batch. Full tuning: transformers saves
    only the model (no optimizer state) for a model sharded at load time, so no resume."""
    single = str(tmp_path / "single")
    assert _swift("sft", *_common(tiny, data, single, "full"), "--per_device_train_batch_size", "2").returncode == 0
    run_dir = str(tmp_path / "tp")
    result = _swift("sft", *_common(tiny, data, run_dir, "full"), "--per_device_train_batch_size", "2",
                    "--tp_size", "2", "--nproc_per_node", "2")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with open(os.path.join(run_dir, "launch", "result.json"), encoding="utf-8") as fh:
        assert json.load(fh)["sharded_params"] > 0  # the layers' weights are DTensors split over both ranks
    losses, expected = _losses(run_dir), _losses(single)
    assert sorted(losses) == list(range(1, STEPS + 1)), losses
    for step in losses:
        assert losses[step] == pytest.approx(expected[step], rel=1e-4, abs=1e-5), (step, losses, expected)
    from transformers import AutoModelForCausalLM

    AutoModelForCausalLM.from_pretrained(os.path.join(run_dir, f"checkpoint-{STEPS}"))  # gathered, plain weights


@pytest.mark.skipif(not _HAS_DEEPSPEED, reason="DeepSpeed is not installed (pip install 'swiftkit[deepspeed]')")
def test_deepspeed_launcher_runs_the_same_job(tiny, data, baselines, tmp_path):
    run_dir = str(tmp_path / "run")
    result = _swift("sft", *_common(tiny, data, run_dir, "full"), "--deepspeed", "zero2", "--launcher", "deepspeed",
                    "--per_device_train_batch_size", "2", "--nproc_per_node", "2", "--max_steps", "2")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "with deepspeed (world size 2)" in result.stdout
    losses = _losses(run_dir)
    for step in (1, 2):
        assert losses[step] == pytest.approx(baselines["full"][step], rel=1e-4, abs=1e-5)


@pytest.fixture(scope="module")
def pairs(tmp_path_factory):
    path = tmp_path_factory.mktemp("p") / "pairs.jsonl"
    rows = [{"messages": [{"role": "user", "content": f"Is {i} a number?"}, {"role": "assistant", "content": "Yes."}],
             "rejected_response": "No idea."} for i in range(16)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


@pytest.mark.parametrize("flags", [[], ["--deepspeed", "zero3"]], ids=["ddp", "zero3"])
def test_dpo_with_lora_follows_the_single_process_curve(flags, tiny, pairs, tmp_path):
    """`swift rlhf` composes with strategies too: the reference is the same model with its
    adapter switched off, reached inside the data-parallel wrapper."""
    if flags and not _HAS_DEEPSPEED:
        pytest.skip("DeepSpeed is not installed (pip install 'swiftkit[deepspeed]')")
    single, multi = str(tmp_path / "single"), str(tmp_path / "multi")
    dpo = ["rlhf", "--rlhf_type", "dpo", "--per_device_train_batch_size", "2"]
    result = _swift(*dpo, *_common(tiny, pairs, single, "lora"), "--gradient_accumulation_steps", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    result = _swift(*dpo, *_common(tiny, pairs, multi, "lora"), "--nproc_per_node", "2", *flags)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    expected, losses = _losses(single), _losses(multi)
    assert sorted(losses) == list(range(1, STEPS + 1)), losses
    for step in losses:
        assert losses[step] == pytest.approx(expected[step], rel=1e-4, abs=1e-5), (step, losses, expected)
    assert losses[STEPS] < losses[1]


def _check_consolidation(checkpoint: str) -> None:
    import torch
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM

    assert any(n.startswith("global_step") for n in os.listdir(checkpoint)), os.listdir(checkpoint)
    result = _swift("export", "--model", checkpoint)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = checkpoint + "-consolidated"
    gathered = load_file(os.path.join(checkpoint, "model.safetensors"))
    plain = load_file(os.path.join(out, "model.safetensors"))
    assert set(gathered) == set(plain)
    for key, value in gathered.items():
        torch.testing.assert_close(plain[key].float(), value.float(), rtol=1e-5, atol=1e-6)
    with open(os.path.join(out, "args.json"), encoding="utf-8") as fh:
        assert json.load(fh)["consolidated_from"]["strategy"] == "deepspeed"
    AutoModelForCausalLM.from_pretrained(out)  # a plain model folder


def test_a_failing_rank_ends_the_job_with_its_error(tiny, data, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(textwrap.dedent("""
        import os
        if os.environ.get("RANK") == "1":
            import swiftkit.train.run as run

            def _fail(*args, **kwargs):
                raise RuntimeError("injected failure on rank 1")

            run.run_training = _fail
    """))
    result = _swift("sft", *_common(tiny, data, str(tmp_path / "run"), "lora"), "--nproc_per_node", "2",
                    extra_env={"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}, timeout=300)
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    assert "rank 1 of 2 failed: RuntimeError: injected failure on rank 1" in result.stderr
    assert os.path.isfile(tmp_path / "run" / "launch" / "errors" / "rank-1.json")


# ---- launch planning (no processes started) ----------------------------------------------


def test_ms_swift_launch_variables_and_flags_describe_the_world():
    from swiftkit.core.parallel.env import ParallelEnv

    env = ParallelEnv.from_config({}, environ={"NPROC_PER_NODE": "8", "NNODES": "2", "NODE_RANK": "1",
                                               "MASTER_ADDR": "10.0.0.1", "MASTER_PORT": "29600"})
    assert (env.world_size, env.node_rank, env.master_addr, env.master_port) == (16, 1, "10.0.0.1", 29600)
    flags_win = ParallelEnv.from_config({"nproc_per_node": 2, "master_port": 1234}, environ={"NPROC_PER_NODE": "8"})
    assert (flags_win.world_size, flags_win.master_port) == (2, 1234)
    # inside a launched worker the launcher's variables say who this process is
    worker = ParallelEnv.from_config({}, environ={"WORLD_SIZE": "4", "RANK": "3", "LOCAL_RANK": "1", "LOCAL_WORLD_SIZE": "2"})
    assert (worker.world_size, worker.rank, worker.local_rank, worker.nnodes, worker.node_rank) == (4, 3, 1, 2, 1)
    assert not worker.is_main


def test_launcher_command_lines():
    from swiftkit.core.parallel.env import ParallelEnv
    from swiftkit.parallel.launch import launcher_command

    env = ParallelEnv(nproc_per_node=4, nnodes=2, node_rank=0, master_addr="10.0.0.1", master_port=29600)
    cmd = launcher_command("torchrun", env, ["--command", "sft", "--config", "c.json"], "/logs")
    assert cmd[1:3] == ["-m", "torch.distributed.run"]
    assert cmd[cmd.index("--nproc_per_node") + 1] == "4" and cmd[cmd.index("--nnodes") + 1] == "2"
    assert cmd[cmd.index("--master_addr") + 1] == "10.0.0.1" and cmd[cmd.index("--master_port") + 1] == "29600"
    assert cmd[cmd.index("--redirects") + 1] == "1:3,2:3,3:3"  # local rank 0 of node 0 keeps the console
    assert cmd[-5:] == ["swiftkit.parallel.worker", "--command", "sft", "--config", "c.json"]
    alone = launcher_command("torchrun", ParallelEnv(nproc_per_node=2), [], "/l", standalone=True)
    assert "--standalone" in alone and "--master_port" not in alone
    other_node = ParallelEnv(nproc_per_node=2, nnodes=2, node_rank=1)
    assert launcher_command("torchrun", other_node, [], "/l")[-3] == "0:3,1:3"
    ds = launcher_command("deepspeed", ParallelEnv(nproc_per_node=2), ["--command", "sft"], "/logs")
    assert ds[1:3] == ["-m", "deepspeed.launcher.runner"] and "--no_local_rank" in ds
    assert ds[ds.index("--num_gpus") + 1] == "2" and ds[ds.index("--module") + 1] == "swiftkit.parallel.worker"


def test_two_strategies_at_once_is_an_error_before_anything_loads(run_swift, data):
    result = run_swift("sft", "--model", "qwen2.5-0.5b-instruct", "--dataset", data,
                       "--deepspeed", "zero3", "--fsdp", "full_shard")
    assert result.returncode == 2
    assert "options of several strategies are given (" in result.stderr and "--strategy" in result.stderr
    assert not {"torch", "transformers"} & set(result.modules)


# ---- two "nodes" on this machine (two launches, NNODES=2, one process each) --------------


def _two_nodes(tiny, data, tmp_path, *, node1_flags=(), start_node1=True, flags=(), timeout=240):
    """Start node 0 and (unless not asked) node 1 as two `swift sft` launches that meet at one
    rendezvous port; return their finished processes and run folders."""
    from swiftkit.parallel.launch import _free_port

    port = str(_free_port())
    procs, dirs = [], []
    for node in (0, 1) if start_node1 else (0,):
        run_dir = str(tmp_path / f"node{node}")
        env = {**os.environ, "OMP_NUM_THREADS": "1", "NNODES": "2", "NODE_RANK": str(node), "NPROC_PER_NODE": "1",
               "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": port}
        args = [*_common(tiny, data, run_dir, "full"), "--per_device_train_batch_size", "2", "--save_steps", "100",
                *flags, *(node1_flags if node else ())]
        procs.append(subprocess.Popen([sys.executable, "-m", "swiftkit", "sft", *args], env=env, text=True,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE))
        dirs.append(run_dir)
    outputs = [p.communicate(timeout=timeout) for p in procs]
    return [(p.returncode, out, err) for p, (out, err) in zip(procs, outputs, strict=True)], dirs


def test_two_nodes_follow_the_single_process_curve(tiny, data, baselines, tmp_path):
    """NNODES=2: each launch starts one rank, they meet at MASTER_ADDR:MASTER_PORT and train as
    one DDP job of world size 2 (not two jobs of one): the curve is one process's at the same
    global batch. The nodes do not share their output folders, as on two machines."""
    ((rc0, out0, err0), (rc1, _out1, err1)), (node0, node1) = _two_nodes(tiny, data, tmp_path)
    assert (rc0, rc1) == (0, 0), out0[-2000:] + err0[-3000:] + err1[-3000:]
    assert "launching 1 process(es) on node 0 of 2 with torchrun (world size 2)" in out0
    losses = _losses(node0)
    assert sorted(losses) == list(range(1, STEPS + 1)), losses
    for step in losses:
        assert losses[step] == pytest.approx(baselines["full"][step], rel=1e-4, abs=1e-5), (step, losses)
    assert os.path.isdir(os.path.join(node0, f"checkpoint-{STEPS}"))
    assert not os.path.exists(os.path.join(node1, "logging.jsonl"))  # rank 1 neither logs nor saves


def test_nodes_started_with_different_configurations_are_refused(tiny, data, tmp_path):
    other = tmp_path / "other.jsonl"
    shutil.copy(data, other)
    runs, _ = _two_nodes(tiny, data, tmp_path, node1_flags=("--dataset", str(other), "--learning_rate", "1e-3"))
    for rank, (rc, _out, err) in enumerate(runs):
        assert rc == 2, err[-3000:]
        assert f"rank {rank} of 2 failed: ConfigError: the nodes of this job were started with different run " in err
        assert "(2 key(s) differ" in err and "  dataset: " in err and "  learning_rate: " in err
    assert "learning_rate: 0.005 on rank 0 vs 0.001 on rank 1" in runs[0][2]


def test_a_node_that_never_arrives_ends_the_other_within_the_timeout(tiny, data, tmp_path):
    import time

    start = time.time()
    runs, _ = _two_nodes(tiny, data, tmp_path, start_node1=False, flags=("--ddp_timeout", "3"), timeout=120)
    rc, _out, err = runs[0]
    assert rc == 2, err[-3000:]
    assert "node 0 of 2 gave up after" in err and "did not join the rendezvous at 127.0.0.1:" in err
    assert "within 3 s (--ddp_timeout" in err
    assert time.time() - start < 60  # not torchrun's own 600 s, nor a hang


def test_run_fingerprints_compare_through_a_store():
    """No processes: two ranks' fingerprints in one store; node-local keys may differ, the
    world's shape may not, and a rank that never publishes ends the wait."""
    from concurrent.futures import ThreadPoolExecutor

    import torch.distributed as dist

    from swiftkit.core.errors import ConfigError
    from swiftkit.parallel.fingerprint import check_same_config

    config = {"model": "m", "dataset": ["d.jsonl"], "learning_rate": 5e-3, "output_dir": "/node0"}
    world = {"WORLD_SIZE": "2", "LOCAL_WORLD_SIZE": "1"}
    store = dist.HashStore()
    node1 = ThreadPoolExecutor(1).submit(check_same_config, {**config, "output_dir": "/node1"}, store, rank=1,
                                         world_size=2, timeout_s=5, environ=world)
    mine = check_same_config(config, store, rank=0, world_size=2, timeout_s=5, environ=world)
    assert node1.result() == mine  # output_dir is node-local: the same digest
    store = dist.HashStore()  # rank 0 of a 2-node world published; rank 1 thinks the world has 3 nodes
    store.set("swiftkit/run-config/none/0", __import__("json").dumps(
        {**{k: v for k, v in config.items() if k != "output_dir"}, "world_size": 2, "nproc_per_node": 1, "nnodes": 2}))
    with pytest.raises(ConfigError) as err:
        check_same_config({**config, "model": "other"}, store, rank=1, world_size=3, timeout_s=5,
                          environ={"WORLD_SIZE": "3", "LOCAL_WORLD_SIZE": "1"})
    assert "(3 key(s) differ between rank 1 and rank 0)" in str(err.value)
    assert "model: 'other' on rank 1 vs 'm' on rank 0" in str(err.value) and "world_size: 3 on rank 1 vs 2" in str(err.value)
    with pytest.raises(ConfigError, match=r"rank\(s\) \[1\] did not publish their run configuration within 1 s"):
        check_same_config(config, dist.HashStore(), rank=0, world_size=2, timeout_s=1, environ=world)


def test_the_same_paths_holding_other_files_are_refused(tmp_path):
    """--model and --dataset name the same paths on both nodes, but node 1's files differ."""
    import json

    import torch.distributed as dist

    from swiftkit.core.errors import ConfigError
    from swiftkit.parallel.fingerprint import EDGE_BYTES, check_same_config, local_contents, run_fingerprint

    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "config.json").write_text(json.dumps({"vocab_size": 512}))
    (tmp_path / "train.jsonl").write_text("x\n" * 3)
    config = {"model": str(tmp_path / "model"), "dataset": [f"{tmp_path / 'train.jsonl'}#10"], "output_dir": "/o"}
    world = {"WORLD_SIZE": "2", "LOCAL_WORLD_SIZE": "1"}
    store = dist.HashStore()  # node 0 published what it read at these paths
    store.set("swiftkit/run-config/none/0", json.dumps(run_fingerprint(config, world), sort_keys=True))
    assert check_same_config(config, store, rank=1, world_size=2, timeout_s=5, environ=world)  # same files
    (tmp_path / "model" / "config.json").write_text(json.dumps({"vocab_size": 256}))  # node 1's model is another
    (tmp_path / "train.jsonl").write_text("y\n" * 3)  # same size, other rows
    with pytest.raises(ConfigError) as err:
        check_same_config(config, store, rank=1, world_size=2, timeout_s=5, environ=world)
    assert "(2 key(s) differ between rank 1 and rank 0)" in str(err.value)
    assert "contents:dataset:" in str(err.value) and "contents:model:" in str(err.value)
    big = tmp_path / "big.bin"  # large files: their size and both ends are read, not the middle
    big.write_bytes(b"a" * (3 * EDGE_BYTES))
    before = local_contents({"dataset": [str(big)]})
    big.write_bytes(b"a" * (3 * EDGE_BYTES - 1) + b"b")
    assert local_contents({"dataset": [str(big)]}) != before
    assert local_contents({"model": "Qwen/Qwen2.5-0.5B-Instruct"}) == {}  # a hub id: compared by name only


def test_several_nodes_wait_for_each_other_at_most_the_arrival_timeout():
    from swiftkit.core.parallel.env import ParallelEnv
    from swiftkit.parallel.launch import MAX_ARRIVAL_S, arrival_timeout, launcher_command

    assert arrival_timeout({"ddp_timeout": 5}) == 5
    assert arrival_timeout({"ddp_timeout": 18000000}) == arrival_timeout({}) == MAX_ARRIVAL_S  # ms-swift's default: no hang
    two = launcher_command("torchrun", ParallelEnv(nproc_per_node=1, nnodes=2), [], "/l", rdzv_timeout=5)
    assert two[two.index("--rdzv_conf") + 1] == "timeout=5"
    assert "--rdzv_conf" not in launcher_command("torchrun", ParallelEnv(nproc_per_node=2), [], "/l", rdzv_timeout=5)
