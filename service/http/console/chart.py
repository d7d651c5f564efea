"""Bar charts drawn on the server as SVG: the geometry is computed here, the template draws it.

No inline styles (the console's CSP allows none, and an SVG `style=` attribute is one): bars take
their colour from `svg.chart .bar` in console.css and their size from presentation attributes.
"""

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 600
HEIGHT = 200
_PLOT_TOP = 16
_PLOT_BOTTOM = 170  # room under the bars for the day labels
_GAP = 0.2  # share of each bar's slot left empty


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    label_x: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    baseline: int
    highest: int
    bars: list[Bar]


def bar_chart(values: Sequence[tuple[str, int]]) -> BarChart:
    """Bars of equal width across the chart, scaled to the highest value (a chart of zeros is flat)."""
    highest = max((value for _, value in values), default=0)
    slot = WIDTH / max(len(values), 1)
    bars = []
    for i, (label, value) in enumerate(values):
        height = (_PLOT_BOTTOM - _PLOT_TOP) * value / highest if highest else 0.0
        x = i * slot + slot * _GAP / 2
        bars.append(
            Bar(
                label,
                value,
                round(x, 2),
                round(_PLOT_BOTTOM - height, 2),
                round(slot * (1 - _GAP), 2),
                round(height, 2),
                round(i * slot + slot / 2, 2),
            )
        )
    return BarChart(WIDTH, HEIGHT, _PLOT_BOTTOM, highest, bars)


PROGRESS_HEIGHT = 64
_TRACK_TOP = 24  # room above the track for the figures
_TRACK_HEIGHT = 28


@dataclass(frozen=True)
class ProgressBar:
    """One bar of a total against its target: the track stands for the target, the filled part for the total."""

    width: int
    height: int
    track_y: int
    track_height: int
    filled: float
    percent: str


def share_percent(total: int, target: int) -> str:
    """The share of the target reached, in %, rounded down to a tenth: never "100" before the target is reached."""
    tenths = min(total * 1000 // target, 1000)
    whole, tenth = divmod(tenths, 10)
    return f"{whole}.{tenth}" if tenth else str(whole)


def progress_bar(total: int, target: int) -> ProgressBar:
    """The bar of `total` out of `target` (> 0): full once the total reaches the target, however far beyond."""
    filled = WIDTH * min(total, target) / target
    return ProgressBar(
        WIDTH, PROGRESS_HEIGHT, _TRACK_TOP, _TRACK_HEIGHT, round(filled, 2), share_percent(total, target)
    )
