"""The trend chart of the HTML report: failing findings by severity over the stored runs, as inline SVG drawn here
(server-side: no script, no external file). One stacked bar per run, most severe at the bottom, with axes, axis
labels, a legend and an accessible <title>/<desc>; every bar segment has its own <title> (a tooltip).

`sparkline_svg` draws the account view's tiny line of one account's failing findings per stored run, in the same
colours (the line takes the colour of the worst severity still failing in the latest run)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from html import escape

from checks.drift.model import TrendPoint
from reports.base import SEVERITY_ORDER, plural
from reports.drift.common import SEVERITY_COLOURS

WIDTH = 760
HEIGHT = 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 40, 58
MAX_LABELS = 10
SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 96, 22, 3
CLEAN_COLOUR = "#15803d"   # the report's --good: nothing failing in the latest run


def nice_step(top: int, ticks: int = 5) -> int:
    """A round tick step (1, 2, 5 x 10^n) so that about `ticks` ticks cover 0..top."""
    raw = max(1.0, top / ticks)
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * power >= raw:
            return int(m * power)
    return int(10 * power)  # pragma: no cover - the loop always returns


def trend_svg(points: Sequence[TrendPoint], title: str = "Failing findings by severity per run") -> str:
    """The chart as one <svg> element (a string of markup; every text in it is escaped)."""
    pts = sorted(points, key=lambda p: (p.at, p.run_id))
    at = [_utc(p.at) for p in pts]
    totals = [sum(int(p.failing.get(s, 0)) for s in SEVERITY_ORDER) for p in pts]
    top = max(totals, default=0)
    step = nice_step(top)
    y_max = max(step, math.ceil(top / step) * step)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    desc = _description(pts, at, totals)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-labelledby="trend-title trend-desc">',
        f'<title id="trend-title">{escape(title)}</title>',
        f'<desc id="trend-desc">{escape(desc)}</desc>',
        '<g font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="11" fill="#334155">',
    ]
    out += _legend()
    for tick in range(0, y_max + 1, step):
        y = TOP + plot_h - tick / y_max * plot_h
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#e2e8f0"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    out.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="#64748b"/>')
    out.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#64748b"/>')
    out.append(f'<text x="14" y="{TOP + plot_h / 2:.1f}" text-anchor="middle" '
               f'transform="rotate(-90 14 {TOP + plot_h / 2:.1f})">failing findings</text>')
    out.append(f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle">stored run (UTC)</text>')
    band = plot_w / max(1, len(pts))
    bar = min(56.0, max(2.0, band * 0.68))
    every = max(1, math.ceil(len(pts) / MAX_LABELS))
    for i, p in enumerate(pts):
        x = LEFT + band * i + (band - bar) / 2
        y = TOP + plot_h
        for sev in SEVERITY_ORDER:   # stacked from the bottom: critical lowest
            n = int(p.failing.get(sev, 0))
            if not n:
                continue
            h = n / y_max * plot_h
            y -= h
            tip = f"{at[i]:%Y-%m-%d %H:%M} ({p.run_id}): {n} {sev.value}"
            out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                       f'fill="{SEVERITY_COLOURS[sev]}"><title>{escape(tip)}</title></rect>')
        cx = x + bar / 2
        if totals[i] and band >= 14:
            out.append(f'<text x="{cx:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-weight="600">{totals[i]}</text>')
        if i % every == 0 or i == len(pts) - 1:
            out.append(f'<text x="{cx:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">{at[i]:%Y-%m-%d}</text>')
            out.append(f'<text x="{cx:.1f}" y="{TOP + plot_h + 29}" text-anchor="middle" fill="#64748b">'
                       f'{at[i]:%H:%M}</text>')
    if not pts:
        out.append(f'<text x="{LEFT + plot_w / 2:.1f}" y="{TOP + plot_h / 2:.1f}" text-anchor="middle">'
                   'no stored runs yet</text>')
    out.append("</g></svg>")
    return "\n".join(out)


def sparkline_svg(points: Sequence[TrendPoint], label: str) -> str:
    """One account's failing findings per stored run as a tiny inline <svg> line (no axes; its <title> says the
    runs, the first and the latest count); "" without any stored run."""
    pts = sorted(points, key=lambda p: (p.at, p.run_id))
    if not pts:
        return ""
    totals = [sum(int(p.failing.get(s, 0)) for s in SEVERITY_ORDER) for p in pts]
    top = max(1, *totals)
    inner_w, inner_h = SPARK_WIDTH - 2 * SPARK_PAD, SPARK_HEIGHT - 2 * SPARK_PAD
    step = inner_w / (len(pts) - 1) if len(pts) > 1 else 0.0
    xy = [(SPARK_PAD + (step * i if len(pts) > 1 else inner_w / 2), SPARK_PAD + inner_h - n / top * inner_h)
          for i, n in enumerate(totals)]
    worst = next((s for s in SEVERITY_ORDER if int(pts[-1].failing.get(s, 0))), None)
    colour = SEVERITY_COLOURS[worst] if worst else CLEAN_COLOUR
    last = _utc(pts[-1].at)
    tip = (f"{label}: failing findings in {len(pts)} stored run{'s' if len(pts) != 1 else ''}: "
           f"{totals[0]} then {totals[-1]} in the latest ({last:%Y-%m-%d %H:%M} UTC)" if len(pts) > 1 else
           f"{label}: {plural(totals[0], 'failing finding')} in 1 stored run ({last:%Y-%m-%d %H:%M} UTC)")
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    x, y = xy[-1]
    return (f'<svg class="spark" viewBox="0 0 {SPARK_WIDTH} {SPARK_HEIGHT}" width="{SPARK_WIDTH}" '
            f'height="{SPARK_HEIGHT}" role="img" aria-label="{escape(tip)}"><title>{escape(tip)}</title>'
            + (f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="1.5" '
               'stroke-linejoin="round" stroke-linecap="round"/>' if len(pts) > 1 else "")
            + f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.2" fill="{colour}"/></svg>')


def _legend() -> list[str]:
    out: list[str] = []
    x = LEFT
    for sev in SEVERITY_ORDER:
        out.append(f'<rect x="{x}" y="12" width="12" height="12" rx="2" fill="{SEVERITY_COLOURS[sev]}"/>')
        out.append(f'<text x="{x + 17}" y="22">{sev.value}</text>')
        x += 30 + 7 * len(sev.value)
    return out


def _utc(at: dt.datetime) -> dt.datetime:
    return at.astimezone(dt.UTC) if at.tzinfo else at


def _description(pts: Sequence[TrendPoint], at: Sequence[dt.datetime], totals: Sequence[int]) -> str:
    if not pts:
        return "No stored runs of this target yet."
    last = pts[-1]
    parts = ", ".join(f"{int(last.failing.get(s, 0))} {s.value}" for s in SEVERITY_ORDER)
    return (f"{len(pts)} stored run{'s' if len(pts) != 1 else ''} from {at[0]:%Y-%m-%d %H:%M} to "
            f"{at[-1]:%Y-%m-%d %H:%M} UTC. Failing findings went from {totals[0]} to {totals[-1]}; "
            f"the latest run has {parts}.")
