"""The machinery of ``swift eval`` (and of evaluation during training).

Public names (what the command and the backends use):

- :func:`~swiftkit.evaluate.targets.resolve_target`: run config -> :class:`~swiftkit.core.eval.interface.EvalTarget`
  (``--model``/``--adapters``/checkpoint, or ``--eval_url``).
- :func:`~swiftkit.evaluate.datasets.resolve_datasets`: ``--eval_dataset`` (+ ``--eval_dataset_args``)
  -> :class:`~swiftkit.core.eval.interface.EvalDataset` list; :func:`~swiftkit.evaluate.datasets.offline`
  says whether the hub is off (``HF_HUB_OFFLINE`` / ``HF_DATASETS_OFFLINE``).
- :func:`~swiftkit.evaluate.local_files.read_local` / :class:`~swiftkit.evaluate.local_files.LocalEvalData`:
  a local evaluation file (multiple choice or open QA, our columns or EvalScope's) as normalized rows.
- :func:`~swiftkit.evaluate.report.write_report` / :func:`~swiftkit.evaluate.report.report_table`:
  ``report.json`` + ``report.md`` of a run.
- :func:`~swiftkit.evaluate.runner.run_eval` (a whole ``swift eval`` run from its config),
  :func:`~swiftkit.evaluate.runner.evaluate` (one backend on a target, for evaluation inside
  training), :func:`~swiftkit.evaluate.runner.default_backend`, :func:`~swiftkit.evaluate.runner.eval_options`.
"""
