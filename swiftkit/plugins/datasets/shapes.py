"""The coloured-shapes task (behaviour of the ``coloured-shapes*`` datasets registered in
:mod:`swiftkit.plugins.datasets.demo`): small images of one coloured shape, generated with PIL,
and questions a tiny vision-language model can learn to answer in a few hundred steps, the
proof that pixels reach the loss.

Every image shows one of :data:`SHAPES` in one of :data:`COLOURS` on a white background, at a
random size and a position near the centre; each row asks one question about it (:data:`QUESTIONS`), so chance
is ``1 / 4`` for both. Generation is deterministic: subset ``train`` and subset ``test`` draw
from their own seeds (:data:`SEEDS`), so held-out images are never training images.

Files: ``<folder>/v<VERSION>/<subset>/<row>.png`` and the rows beside them,
``<folder>/v<VERSION>/<kind>-<subset>.jsonl``, with image paths relative to it (how ms-swift
rows reference local images). A finished file is reused; files are written to a temporary name
and renamed, so an interrupted run never leaves half a dataset.

Row kinds, one registered dataset each (ms-swift's multimodal formats):

- ``sft`` (``messages``): the question and the right answer;
- ``pairs`` (``messages_rejected``): the right answer as the reply, a wrong one as
  ``rejected_response`` (DPO);
- ``kto`` (``kto``): a reply and ``label`` (right or wrong, alternating);
- ``prompts`` (``prompt_only``): the question and ``solution`` (GRPO with an accuracy reward).
"""

from __future__ import annotations

import json
import os
import random
from typing import Any

__all__ = ["COLOURS", "QUESTIONS", "SHAPES", "answer_of", "draw", "generate", "pairs", "prompts", "kto", "sft"]

#: colour name -> RGB
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 30), "green": (30, 160, 50), "blue": (30, 70, 220), "yellow": (235, 200, 20),
}
SHAPES: tuple[str, ...] = ("circle", "square", "triangle", "cross")
#: attribute -> the question asking for it
QUESTIONS: dict[str, str] = {"colour": "What colour is the shape?", "shape": "What shape is it?"}
#: rows per subset
SIZES: dict[str, int] = {"train": 1000, "test": 200}
SEEDS: dict[str, int] = {"train": 1234, "test": 98765}
#: the side of every image in pixels (Qwen2-VL reads it as 4 x 4 patches of 14 px)
IMAGE_SIDE = 56
#: how far (pixels) a shape may sit off the centre, on each axis
JITTER = 4
#: bump when the images or rows change for the same seed
VERSION = "3"
KINDS = ("sft", "pairs", "kto", "prompts")


def place(rng: random.Random, side: int = IMAGE_SIDE) -> tuple[int, int, int]:
    """``(size, x0, y0)``: a shape's size (60-80 % of the side) and top-left corner, near the
    centre (up to :data:`JITTER` pixels off). Large and roughly centred, the shape covers the same
    patches in every image, which a tiny vision tower can learn in a few hundred steps."""
    size = rng.randint(int(side * 0.6), int(side * 0.8))
    centre = (side - size) // 2
    return (size, min(max(0, centre + rng.randint(-JITTER, JITTER)), side - size),
            min(max(0, centre + rng.randint(-JITTER, JITTER)), side - size))


def draw(colour: str, shape: str, size: int, x0: int, y0: int, side: int = IMAGE_SIDE) -> Any:
    """One RGB image of ``shape`` in ``colour``, ``size`` pixels wide with its top-left corner at
    ``(x0, y0)``, on white."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (side, side), (255, 255, 255))
    pen = ImageDraw.Draw(img)
    x1, y1 = x0 + size - 1, y0 + size - 1
    fill = COLOURS[colour]
    if shape == "circle":
        pen.ellipse((x0, y0, x1, y1), fill=fill)
    elif shape == "square":
        pen.rectangle((x0, y0, x1, y1), fill=fill)
    elif shape == "triangle":
        pen.polygon([((x0 + x1) / 2, y0), (x1, y1), (x0, y1)], fill=fill)
    elif shape == "cross":
        bar = max(2, size // 3)
        mid_x, mid_y = x0 + (size - bar) // 2, y0 + (size - bar) // 2
        pen.rectangle((mid_x, y0, mid_x + bar - 1, y1), fill=fill)
        pen.rectangle((x0, mid_y, x1, mid_y + bar - 1), fill=fill)
    else:
        raise ValueError(f"unknown shape {shape!r}; known: {', '.join(SHAPES)}")
    return img


def answer_of(question: str, colour: str, shape: str) -> str:
    """The right answer to ``question`` (a value of :data:`QUESTIONS`) about the image."""
    return colour if question == QUESTIONS["colour"] else shape


def _draws(subset: str) -> list[tuple[str, str, tuple[int, int, int], str]]:
    """What each image of ``subset`` shows: ``(colour, shape, (size, x0, y0), question)``.
    A held-out image is never one of the training images (a repeat is drawn again)."""
    taken = set() if subset == "train" else {(c, s, p) for c, s, p, _ in _draws("train")}
    rng = random.Random(SEEDS[subset])
    out = []
    while len(out) < SIZES[subset]:
        colour, shape = rng.choice(list(COLOURS)), rng.choice(SHAPES)
        question = rng.choice(list(QUESTIONS.values()))
        where = place(rng)
        if (colour, shape, where) in taken:
            continue
        if subset == "train":
            taken.add((colour, shape, where))
        out.append((colour, shape, where, question))
    return out


def _images(folder: str, subset: str) -> list[dict[str, Any]]:
    """The subset's images (written once) and what they show: ``image`` (path relative to the
    version folder), ``colour``, ``shape``, ``question``, ``answer``, ``wrong`` (a wrong answer)."""
    if subset not in SIZES:
        raise ValueError(f"unknown subset {subset!r}; the coloured-shapes subsets are {', '.join(SIZES)}")
    image_dir = os.path.join(folder, subset)
    os.makedirs(image_dir, exist_ok=True)
    items = []
    wrong_rng = random.Random(SEEDS[subset] + 1)
    for i, (colour, shape, where, question) in enumerate(_draws(subset)):
        img = draw(colour, shape, *where)
        right = answer_of(question, colour, shape)
        choices = list(COLOURS) if question == QUESTIONS["colour"] else list(SHAPES)
        wrong = wrong_rng.choice([c for c in choices if c != right])
        name = f"{i:05d}.png"
        path = os.path.join(image_dir, name)
        if not os.path.isfile(path):
            tmp = f"{path}.{os.getpid()}.tmp"
            img.save(tmp, format="PNG")
            os.replace(tmp, path)
        items.append({"image": f"{subset}/{name}", "colour": colour, "shape": shape, "question": question,
                      "answer": right, "wrong": wrong})
    return items


def _row(kind: str, i: int, item: dict[str, Any]) -> dict[str, Any]:
    user = {"role": "user", "content": "<image>" + item["question"]}
    images = [item["image"]]
    if kind == "sft":
        return {"messages": [user, {"role": "assistant", "content": item["answer"]}], "images": images}
    if kind == "pairs":
        return {"messages": [user, {"role": "assistant", "content": item["answer"]}],
                "rejected_response": item["wrong"], "images": images}
    if kind == "kto":
        good = i % 2 == 0
        return {"messages": [user, {"role": "assistant", "content": item["answer"] if good else item["wrong"]}],
                "label": good, "images": images}
    if kind == "prompts":
        return {"messages": [user], "solution": item["answer"], "images": images}
    raise ValueError(f"unknown row kind {kind!r}; known: {', '.join(KINDS)}")


def generate(folder: str, subset: str, kind: str = "sft") -> str:
    """Write (once) the images of ``subset`` and its rows of ``kind`` under ``folder``; return
    the rows' ``.jsonl`` path."""
    folder = os.path.join(folder, f"v{VERSION}")
    path = os.path.join(folder, f"{kind}-{subset or 'train'}.jsonl")
    if os.path.isfile(path):
        return path
    items = _images(folder, subset or "train")
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        for i, item in enumerate(items):
            fh.write(json.dumps(_row(kind, i, item)) + "\n")
    os.replace(tmp, path)
    return path


def sft(folder: str, subset: str) -> str:
    """``coloured-shapes``: question, right answer."""
    return generate(folder, subset, "sft")


def pairs(folder: str, subset: str) -> str:
    """``coloured-shapes-pairs``: right answer chosen, a wrong one rejected."""
    return generate(folder, subset, "pairs")


def kto(folder: str, subset: str) -> str:
    """``coloured-shapes-kto``: one answer per row, labelled right or wrong."""
    return generate(folder, subset, "kto")


def prompts(folder: str, subset: str) -> str:
    """``coloured-shapes-prompts``: the question and its ``solution``."""
    return generate(folder, subset, "prompts")
