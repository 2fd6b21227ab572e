"""What every chart shares: a figure of its own, PNG bytes, and a date axis that reads
well however few the points (the person's mood chart and the coordinators' report)."""
from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Sequence
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# The narrowest span a date axis shows: with one or two points, matplotlib's own
# choice spread a single week over four years of unlabelled "01 Jan / 01 Jul" ticks.
MIN_SPAN = timedelta(days=7)
MAX_TICKS = 8


def new_figure(width: float = 8, height: float = 4) -> Figure:
    """A figure of its own, not pyplot's shared state: charts may be drawn off the event loop."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100)


def png_of(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def date_axis(axes: Axes, times: Sequence[datetime], zone: str) -> None:
    """Limits around the data (at least MIN_SPAN, half a day of margin each side) and at
    most MAX_TICKS day-and-month labels in the reader's time zone."""
    import matplotlib.dates as mdates

    tz = ZoneInfo(zone)
    first, last = min(times), max(times)
    margin = max((MIN_SPAN - (last - first)) / 2, timedelta(hours=12))
    axes.set_xlim(first - margin, last + margin)
    axes.xaxis.set_major_locator(mdates.AutoDateLocator(tz=tz, minticks=2, maxticks=MAX_TICKS))
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%d %b", tz=tz))
