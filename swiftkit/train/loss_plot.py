"""A line chart of the loss drawn with Pillow.

Pillow is loaded already when a run ends (transformers and datasets import it), while importing
matplotlib there cost 0.4 CPU s and tens of MB on the benchmark machine, after the last step,
for one small picture. The chart: a title, a grid with round-number ticks, one line per
series (markers on a series flagged so, and on any series of one point) and a legend.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

#: the picture's size in pixels (drawn at ``_SCALE`` times this, then reduced: smooth lines)
WIDTH, HEIGHT = 700, 400
_SCALE = 2
_COLORS = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40))
_GRID, _AXES, _TEXT = (225, 225, 225), (60, 60, 60), (20, 20, 20)


@dataclass
class Series:
    label: str
    points: list[tuple[float, float]]
    markers: bool = False


def nice_ticks(low: float, high: float, count: int = 6) -> list[float]:
    """Round-number ticks (steps of 1, 2 or 5 times a power of ten) covering ``low..high``."""
    if not high > low:
        return [low]
    raw = (high - low) / max(1, count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        if value >= low - step * 1e-9:
            ticks.append(round(value, 12))
        value += step
    return ticks


def _label(value: float) -> str:
    return f"{value:.4g}"


def _font(size: int) -> Any:
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)  # a scalable font where Pillow has FreeType
    except TypeError:  # Pillow < 10.1: the fixed bitmap font
        return ImageFont.load_default()


def draw_chart(path: str, series: list[Series], *, title: str, xlabel: str, ylabel: str) -> None:
    """Write a PNG chart of ``series`` (non-finite values are left out) to ``path``."""
    from PIL import Image, ImageDraw

    s = _SCALE
    series = [Series(x.label, [(a, b) for a, b in x.points if math.isfinite(a) and math.isfinite(b)], x.markers)
              for x in series]
    series = [x for x in series if x.points]
    xs = [p[0] for x in series for p in x.points] or [0.0]
    ys = [p[1] for x in series for p in x.points] or [0.0]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    if x1 == x0:
        x0, x1 = x0 - 1, x1 + 1
    pad = (y1 - y0) * 0.05 or max(abs(y0) * 0.05, 0.05)
    y0, y1 = y0 - pad, y1 + pad

    img = Image.new("RGB", (WIDTH * s, HEIGHT * s), "white")
    draw = ImageDraw.Draw(img)
    font, small = _font(13 * s), _font(11 * s)
    left, right, top, bottom = 70 * s, (WIDTH - 20) * s, 36 * s, (HEIGHT - 48) * s

    def px(x: float, y: float) -> tuple[float, float]:
        return (left + (x - x0) / (x1 - x0) * (right - left), bottom - (y - y0) / (y1 - y0) * (bottom - top))

    for value in nice_ticks(y0, y1):
        y = px(x0, value)[1]
        draw.line([(left, y), (right, y)], fill=_GRID, width=s)
        draw.text((left - 6 * s, y), _label(value), fill=_TEXT, font=small, anchor="rm")
    for value in nice_ticks(x0, x1):
        x = px(value, y0)[0]
        draw.line([(x, top), (x, bottom)], fill=_GRID, width=s)
        draw.text((x, bottom + 6 * s), _label(value), fill=_TEXT, font=small, anchor="mt")
    draw.rectangle([left, top, right, bottom], outline=_AXES, width=s)

    for i, x in enumerate(series):
        color = _COLORS[i % len(_COLORS)]
        points = [px(a, b) for a, b in sorted(x.points)]
        if len(points) > 1:
            draw.line(points, fill=color, width=2 * s, joint="curve")
        if x.markers or len(points) == 1:
            for cx, cy in points:
                draw.ellipse([cx - 3 * s, cy - 3 * s, cx + 3 * s, cy + 3 * s], fill=color)

    draw.text(((left + right) / 2, top / 2), title, fill=_TEXT, font=font, anchor="mm")
    draw.text(((left + right) / 2, HEIGHT * s - 12 * s), xlabel, fill=_TEXT, font=font, anchor="md")
    label = Image.new("RGB", (int(draw.textlength(ylabel, font=font)) + 4 * s, 20 * s), "white")
    ImageDraw.Draw(label).text((2 * s, 10 * s), ylabel, fill=_TEXT, font=font, anchor="lm")
    label = label.rotate(90, expand=True)
    img.paste(label, (8 * s, int((top + bottom) / 2 - label.height / 2)))

    if series:  # the legend, top right inside the axes
        width = max(draw.textlength(x.label, font=small) for x in series) + 40 * s
        lx, ly = right - width - 8 * s, top + 8 * s
        draw.rectangle([lx, ly, lx + width, ly + (len(series) * 18 + 6) * s], fill="white", outline=_GRID, width=s)
        for i, x in enumerate(series):
            color, y = _COLORS[i % len(_COLORS)], ly + (12 + 18 * i) * s
            draw.line([(lx + 6 * s, y), (lx + 26 * s, y)], fill=color, width=2 * s)
            if x.markers:
                draw.ellipse([lx + 13 * s, y - 3 * s, lx + 19 * s, y + 3 * s], fill=color)
            draw.text((lx + 32 * s, y), x.label, fill=_TEXT, font=small, anchor="lm")

    img.resize((WIDTH, HEIGHT), Image.LANCZOS).save(path, format="PNG")
