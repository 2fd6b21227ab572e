"""A report as plain text, for the terminal, report.txt and Telegram. It shows only what
the ``Report`` holds: a suppressed figure (None) reads "<5"."""
from __future__ import annotations

from datetime import datetime
from typing import Optional
from zoneinfo import ZoneInfo

from bot.services.reports import Report, Timing


def count_text(value: Optional[int], small_cell: int) -> str:
    return f"<{small_cell}" if value is None else str(value)


def number_text(value: Optional[float], small_cell: int, unit: str = "") -> str:
    return f"<{small_cell}" if value is None else f"{value:.1f}{unit}"


def local(instant: datetime, report: Report, pattern: str = "%a %d %b %Y %H:%M") -> str:
    return instant.astimezone(ZoneInfo(report.timezone)).strftime(pattern)


def attendance_lines(report: Report) -> list[str]:
    k = report.small_cell
    lines = ["ATTENDANCE (sessions held in the period)"]
    for series in report.series:
        where = f", {series.group}" if series.group else ""
        lines.append(f"{series.name} ({series.key}{where}): {series.held} held, "
                     f"{count_text(series.total_present, k)} present in all, "
                     f"{number_text(series.mean_present, k)} per session")
        lines += [f"  {local(o.starts_at, report)}: {count_text(o.present, k)} present, "
                  f"{count_text(o.said_yes, k)} said yes" for o in series.occurrences]
    return lines if report.series else [*lines, "No sessions were held."]


def trend_lines(report: Report) -> list[str]:
    k = report.small_cell
    lines = ["CHECK-IN TRENDS (per week from the start of the period; totals only)"]
    for trend in report.trends:
        lines.append(trend.title)
        for week in trend.weeks:
            head = f"  week from {local(week.week_start, report, '%d %b')}: "
            if week.people is None:
                lines.append(f"{head}<{k} people, not shown")
            else:
                lines.append(f"{head}{week.people} people, {week.checkins} check-ins, "
                             f"mean mood {number_text(week.mean_mood, k)}")
    return lines


def timing_text(label: str, figures: Timing, small_cell: int) -> str:
    if figures.median is None:
        return f"{label}: <{small_cell} cases, not shown"
    return f"{label} ({figures.cases} cases): median {figures.median:.1f} min, p90 {figures.p90:.1f} min"


def escalation_lines(report: Report) -> list[str]:
    k = report.small_cell
    lines = ["ESCALATIONS (raised in the period, by priority)"]
    for row in report.escalations:
        lines.append(f"{row.priority}: {row.cases} cases, {row.open_now} not closed yet")
        lines.append(f"  {timing_text('time to claim', row.to_claim, k)}")
        lines.append(f"  {timing_text('time to close', row.to_close, k)}")
    return lines


def caseload_lines(report: Report) -> list[str]:
    lines = ["PSW CASELOAD"]
    lines += [f"{row.name}: {row.claimed} claimed, {row.closed} closed, {row.held_now} held now, "
              f"{row.duty_hours:.1f} h on duty" for row in report.caseload]
    return lines if report.caseload else [*lines, "No peer support workers yet."]


PLAN_USE_WORDS = {"made": "made", "changed": "changed", "opened": "opened by their owner",
                  "offered": "offered in a crisis", "shown_to_psw": "shown to the PSW who took the case"}


def plan_lines(report: Report) -> list[str]:
    k = report.small_cell
    return ["SAFETY PLANS (times, never contents)"] + [
        f"{PLAN_USE_WORDS[kind]}: {count_text(count, k)}" for kind, count in report.plan_uses]


def report_text(report: Report) -> str:
    k = report.small_cell
    head = [f"Report from {local(report.start, report)} to {local(report.end, report)} ({report.timezone})",
            f"Made {local(report.generated_at, report)}. Figures about fewer than {k} people (or timings over "
            f"fewer than {k} cases) are shown as <{k} and left out of the charts."]
    sections = [head, attendance_lines(report), trend_lines(report), escalation_lines(report),
                caseload_lines(report), plan_lines(report)]
    return "\n\n".join("\n".join(section) for section in sections) + "\n"


