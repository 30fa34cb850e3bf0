"""Continuous batching for the ``pt`` engine: a running batch that admits rows between decode
steps and retires each row the step it finishes.

The batch keeps one transformers ``DynamicCache`` for all its rows, left-padded to a common
length, with the 2-D attention mask that hides the padding. Admitting rows prefills them in one
forward pass (left-padded among themselves, position ids from the mask; rows with the same
prompt, such as ``n`` samples of one request, share its prefill), picks their first tokens,
and concatenates their cache to the running one along the batch axis (the shorter side padded
on the left). Each decode step feeds every row's last token at its own position
(the count of its real tokens so far). A finished or cancelled row is removed from the cache
at once, and the columns that became padding for every remaining row are cut, so the cache
never holds more than the longest live row needs.

Token choice, stop strings, streaming and cancellation are :class:`BatchHooks`' work, exactly
as inside ``generate()``: greedy rows give the tokens they give alone (left padding is masked
out; only float noise from other matmul shapes could matter at exact ties).

Only models whose every cache layer is a plain ``DynamicLayer`` qualify (:func:`supports`):
sliding-window, hybrid and linear-attention layers cannot be padded and merged this way, and
the engine runs those with ``generate()``.

torch and transformers are imported inside the functions only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from swiftkit.plugins.engines.pt_batch import Abandoned, BatchHooks, Row


def supports(model: Any) -> bool:
    """Whether ``model`` (a transformers causal LM) can decode in a :class:`RunningBatch`."""
    import inspect

    from transformers import DynamicCache
    from transformers.cache_utils import DynamicLayer

    config = getattr(model, "config", None)
    if config is None or getattr(config, "is_encoder_decoder", False):
        return False
    params = inspect.signature(model.forward).parameters
    if not {"past_key_values", "position_ids", "attention_mask"} <= set(params):
        return False
    try:
        cache = DynamicCache(config=config)
    except Exception:  # a config the cache cannot read: generate() knows better
        return False
    return bool(cache.layers) and all(type(layer) is DynamicLayer for layer in cache.layers)


def _left_pad(x: Any, width: int, dim: int) -> Any:
    """``x`` padded with zeros on the left of ``dim`` up to ``width``."""
    import torch

    missing = width - x.shape[dim]
    if missing <= 0:
        return x
    shape = list(x.shape)
    shape[dim] = missing
    return torch.cat([x.new_zeros(shape), x], dim=dim)


class RunningBatch:
    """The rows decoding now, their shared cache and mask (see the module docstring).

    ``on_forward(hooks)`` is called with the hooks of the rows of each forward pass before it
    runs and with ``None`` after (the engine's abort hooks read it); ``counters`` are the
    scheduler's (``tokens``, ``cancelled``) plus ``prefills`` and ``decode_steps``.
    """

    def __init__(
        self,
        model: Any,
        pad_token_id: int,
        start_row: Callable[[Row], None],
        token_text: Callable[[int], str],
        counters: dict[str, int],
        step_counters: dict[str, int],
        on_forward: Callable[[BatchHooks | None], None],
    ):
        import inspect

        self.model = model
        self.config = model.config
        self.pad_token_id = pad_token_id
        self.start_row = start_row
        self.token_text = token_text
        self.counters = counters
        self.step_counters = step_counters
        self.on_forward = on_forward
        self.device = model.device
        self.keep_last = "logits_to_keep" in inspect.signature(model.forward).parameters  # the LM's own
        self.rows: list[Row] = []
        self.cache: Any = None  # DynamicCache over self.rows
        self.mask: Any = None  # (rows, cache length) long: 1 where a row has a real token
        self.last: Any = None  # (rows,) the token each row feeds at the next step

    def __len__(self) -> int:
        return len(self.rows)

    # ------------------------------------------------------------------ forward + choice

    def _forward(self, rows: list[Row], expand: Any = None, **inputs: Any) -> Any:
        """Run the model over ``rows``; their next tokens (a tensor), or ``None`` when every row
        was cancelled mid-pass. Rows that end here are marked ``done`` by the hooks.
        ``expand``: the inputs hold distinct prompts only, row ``i``'s being ``expand[i]``."""
        import torch

        hooks = BatchHooks(rows, self.token_text, self.counters)
        if self.keep_last:
            inputs["logits_to_keep"] = 1
        self.on_forward(hooks)
        try:
            with torch.inference_mode():
                out = self.model(use_cache=True, return_dict=True, **inputs)
                logits = out.logits[:, -1, :].to(dtype=torch.float32)  # as generate() scores them
                if expand is not None:
                    logits = logits.index_select(0, expand)
                return hooks.pick(logits)
        except Abandoned:
            hooks.drop_cancelled()
            return None
        finally:
            self.on_forward(None)

    # ------------------------------------------------------------------ admit / step / retire

    def admit(self, rows: list[Row]) -> None:
        """Prefill ``rows`` in one pass, choose their first tokens, and join them to the batch.
        Rows with the same prompt (several samples of one prompt: GRPO's groups, ``n`` > 1)
        share one prefill: each distinct prompt runs once and its cache is copied to its rows."""
        import torch
        from transformers import DynamicCache

        if not rows:
            return
        distinct: dict[tuple[int, ...], int] = {}
        source = [distinct.setdefault(tuple(row.prompt_ids), len(distinct)) for row in rows]
        prompts = list(distinct)
        width = max(len(p) for p in prompts)
        ids = torch.full((len(prompts), width), self.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(prompts), width), dtype=torch.long)
        for i, prompt in enumerate(prompts):
            ids[i, width - len(prompt) :] = torch.as_tensor(prompt, dtype=torch.long)
            mask[i, width - len(prompt) :] = 1
        for row in rows:
            self.start_row(row)
        positions = (mask.cumsum(-1) - 1).masked_fill_(mask == 0, 1)
        cache = DynamicCache(config=self.config)
        ids, mask, positions = ids.to(self.device), mask.to(self.device), positions.to(self.device)
        expand = torch.tensor(source, device=self.device) if len(prompts) < len(rows) else None
        self.step_counters["prefills"] += 1
        chosen = self._forward(
            rows,
            expand,
            input_ids=ids,
            attention_mask=mask,
            position_ids=positions,
            past_key_values=cache,
            cache_position=torch.arange(width, device=self.device),
        )
        if chosen is None:
            return
        if expand is not None:
            mask = mask.index_select(0, expand)
            for layer in cache.layers:  # each on its own device (a model spread over GPUs)
                here = expand.to(layer.keys.device)
                layer.keys, layer.values = layer.keys.index_select(0, here), layer.values.index_select(0, here)
        self._merge(rows, cache, mask, chosen)
        self._retire()

    def _merge(self, rows: list[Row], cache: Any, mask: Any, chosen: Any) -> None:
        import torch

        if not self.rows:
            self.rows, self.cache, self.mask, self.last = list(rows), cache, mask, chosen
            return
        width = max(self.mask.shape[1], mask.shape[1])
        for mine, theirs in zip(self.cache.layers, cache.layers, strict=True):
            mine.keys = torch.cat([_left_pad(mine.keys, width, -2), _left_pad(theirs.keys, width, -2)], dim=0)
            mine.values = torch.cat([_left_pad(mine.values, width, -2), _left_pad(theirs.values, width, -2)], dim=0)
        self.mask = torch.cat([_left_pad(self.mask, width, 1), _left_pad(mask, width, 1)], dim=0)
        self.last = torch.cat([self.last, chosen], dim=0)
        self.rows.extend(rows)

    def step(self) -> None:
        """One decode step of every row."""
        import torch

        if not self.rows:
            return
        length = self.mask.shape[1]
        positions = self.mask.sum(dim=1, keepdim=True)  # a row's real tokens so far: the new one's position
        self.mask = torch.cat([self.mask, self.mask.new_ones((len(self.rows), 1))], dim=1)
        self.step_counters["decode_steps"] += 1
        chosen = self._forward(
            self.rows,
            input_ids=self.last.unsqueeze(1),
            attention_mask=self.mask,
            position_ids=positions,
            past_key_values=self.cache,
            cache_position=torch.tensor([length], device=self.device),
        )
        if chosen is None:  # every row was cancelled
            self._clear()
            return
        self.last = chosen
        self._retire()

    def _retire(self) -> None:
        """Remove the rows that are done; cut the columns that are padding for every row left."""
        import torch

        keep = [i for i, row in enumerate(self.rows) if not row.done]
        if len(keep) == len(self.rows):
            return
        if not keep:
            self._clear()
            return
        index = torch.tensor(keep, device=self.device)
        self.rows = [self.rows[i] for i in keep]
        self.mask = self.mask.index_select(0, index)
        self.last = self.last.index_select(0, index)
        start = int(self.mask.any(dim=0).nonzero()[0])  # the first column some row still uses
        self.mask = self.mask[:, start:]
        for layer in self.cache.layers:  # each on its own device (a model spread over GPUs)
            here = index.to(layer.keys.device)
            layer.keys = layer.keys.index_select(0, here)[..., start:, :]
            layer.values = layer.values.index_select(0, here)[..., start:, :]

    def _clear(self) -> None:
        self.rows, self.cache, self.mask, self.last = [], None, None, None
