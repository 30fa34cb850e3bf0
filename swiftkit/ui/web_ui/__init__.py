"""``swift web-ui``: a browser board that builds, runs and watches swift runs.

The forms are composed from the run-config JSON Schema the CLI validates against
(:func:`swiftkit.core.config.compose_schema` with the plugins the form's values select), so a
plugin's options appear without UI code: :mod:`.form` (schema -> fields, grouped),
:mod:`.command` (values <-> the ``swift ...`` command line). :mod:`.runs` launches commands as
subprocesses, tails their logs and ``logging.jsonl``, lists and stops them. :mod:`.page` lays it
out with gradio (imported there only, inside functions).
"""
