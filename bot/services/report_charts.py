"""A report's charts as PNGs (attendance per session, mean mood per week, escalation
timings), drawn only from what the ``Report`` holds: a suppressed point is left out,
and a chart with nothing that may be drawn is not made."""
from __future__ import annotations

from datetime import datetime
from typing import Mapping, Optional, Sequence

from bot.services.charts import date_axis, new_figure, png_of
from bot.services.reports import Report
from bot.storage.models import ESCALATION_PRIORITIES

TIMING_METRICS = ("claim median", "claim p90", "close median", "close p90")


# The data each chart draws comes from these functions, so what is drawn can be checked
# (suppressed figures are None in the Report, and None is never plotted).

def attendance_points(report: Report) -> dict[str, list[tuple[datetime, int]]]:
    """Series name -> (session start, present), shown sessions only; series with none left out."""
    points = {s.name: [(o.starts_at, o.present) for o in s.occurrences if o.present is not None]
              for s in report.series}
    return {name: values for name, values in points.items() if values}


def mood_points(report: Report) -> dict[str, list[tuple[datetime, float]]]:
    """Group title -> (week start, mean mood), shown weeks only; groups with none left out."""
    points = {t.title: [(w.week_start, w.mean_mood) for w in t.weeks if w.mean_mood is not None]
              for t in report.trends}
    return {title: values for title, values in points.items() if values}


def timing_points(report: Report) -> dict[str, dict[str, float]]:
    """Metric ("claim median", ...) -> priority -> minutes, shown figures only."""
    points: dict[str, dict[str, float]] = {metric: {} for metric in TIMING_METRICS}
    for row in report.escalations:
        for metric, value in zip(TIMING_METRICS, (row.to_claim.median, row.to_claim.p90,
                                                  row.to_close.median, row.to_close.p90)):
            if value is not None:
                points[metric][row.priority] = value
    return {metric: values for metric, values in points.items() if values}


def line_chart(lines: Mapping[str, Sequence[tuple[datetime, float]]], title: str, ylabel: str, zone: str,
               ylim: tuple[Optional[float], Optional[float]]) -> bytes:
    from matplotlib.ticker import MaxNLocator

    figure = new_figure()
    axes = figure.subplots()
    for label, points in lines.items():
        axes.plot([x for x, _ in points], [y for _, y in points], marker="o", label=label)
    axes.set_title(title)
    axes.set_ylabel(ylabel)
    axes.set_ylim(*ylim)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    date_axis(axes, [x for points in lines.values() for x, _ in points], zone)
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small")
    figure.autofmt_xdate()
    return png_of(figure)


def bar_chart(bars: dict[str, dict[str, float]], title: str, ylabel: str) -> bytes:
    figure = new_figure()
    axes = figure.subplots()
    priorities = [p for p in ESCALATION_PRIORITIES if any(p in values for values in bars.values())]
    width = 0.8 / len(TIMING_METRICS)
    for metric, values in bars.items():
        offset = (TIMING_METRICS.index(metric) - (len(TIMING_METRICS) - 1) / 2) * width
        axes.bar([priorities.index(p) + offset for p in values], list(values.values()), width, label=metric)
    axes.set_xticks(range(len(priorities)), priorities)
    axes.set_xlim(-0.6, len(priorities) - 0.4)
    axes.set_title(title)
    axes.set_ylabel(ylabel)
    axes.grid(alpha=0.3, axis="y")
    axes.legend(fontsize="small")
    return png_of(figure)


def report_charts(report: Report) -> dict[str, bytes]:
    charts: dict[str, bytes] = {}
    attendance, moods, waits = attendance_points(report), mood_points(report), timing_points(report)
    if attendance:
        charts["attendance"] = line_chart(attendance, "People present per session", "present", report.timezone,
                                          (0, None))
    if moods:
        charts["mood"] = line_chart(moods, "Mean mood per week (1-5)", "mean mood", report.timezone, (0.5, 5.5))
    if waits:
        charts["escalations"] = bar_chart(waits, "Escalations: minutes to claim and to close", "minutes")
    return charts
