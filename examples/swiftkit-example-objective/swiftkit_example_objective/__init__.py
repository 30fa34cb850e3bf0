"""swiftkit-example-objective: a training objective whose rows no built-in objective reads.

- the objective ``contrastive`` (``swift rlhf --rlhf_type contrastive``): InfoNCE (or a
  triplet margin loss) on mean-pooled last hidden states, so that an anchor's embedding moves
  toward its positive and away from its negative -- :mod:`.methods` (registration),
  :mod:`.objective` (behaviour);
- its data layout ``triplet`` (rows ``{anchor, positive, negative}``: how they are checked,
  tokenized and batched) -- :mod:`.layout`;
- the dataset format ``triplets`` that feeds that layout -- :mod:`.formats` (registration),
  :mod:`.converter` (behaviour).

Nothing in swiftkit names any of them: the objective returns its layout from
``data_layout()``, and the format's converter names the layout in its ``modes``. This
``__init__`` imports nothing on purpose: swiftkit imports it on the way to each entry point.
"""

__version__ = "0.1.0"
