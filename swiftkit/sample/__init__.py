"""``swift sample``: N completions per prompt, scored, filtered, written as training data.

prompts.py (the prompts of ``--dataset``: shards, the ones already done), generate.py (an
engine in this process, or a running OpenAI-compatible server), scoring.py (reward plugins,
``module:function`` rewards, reward-model checkpoints), select.py (best-of-N, rejection, easy
prompts; SFT or preference rows), run.py (the loop, resumable). The CLI is
:mod:`swiftkit.cli.sample_cmd`.
"""
