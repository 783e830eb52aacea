"""The drift report renderers (`clearance drift`): one module per format, each a pure function of a
`checks.drift.model.DriftReport` to text, and `write_drift_reports`, which renders every format asked for in memory
and publishes the files as one set (`reports._publish`) in their own --out folder (default clearance-out/drift), so
the drift set and the check set never replace each other's files.

| format     | file           | module        |
|------------|----------------|---------------|
| `html`     | `drift.html`   | html.py       |
| `json`     | `drift.json`   | json.py       |
| `markdown` | `drift.md`     | markdown.py   |
| `csv`      | `evidence.csv` | csv.py        |

These are not check-report formats: nothing here registers in `reports.base.RENDERERS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from checks.drift.model import DriftReport

DRIFT_FORMATS: tuple[str, ...] = ("html", "json", "markdown", "csv")
FILE_NAMES: Mapping[str, str] = {"html": "drift.html", "json": "drift.json", "markdown": "drift.md",
                                 "csv": "evidence.csv"}


def drift_renderer(name: str) -> Callable[[DriftReport], str]:
    """The render function of a drift format, or a ValueError that lists the known formats (one line)."""
    if name == "html":
        from reports.drift.html import render_html
        return render_html
    if name == "json":
        from reports.drift.json import render_json
        return render_json
    if name == "markdown":
        from reports.drift.markdown import render_drift_markdown
        return render_drift_markdown
    if name == "csv":
        from reports.drift.csv import render_csv
        return render_csv
    raise ValueError(f"unknown drift report format {name!r} (known formats: {', '.join(DRIFT_FORMATS)})")


def write_drift_reports(drift: DriftReport, formats: Sequence[str], out_dir: Path) -> list[Path]:
    """Render every format (each once, in the order asked), then publish the files in `out_dir` as one set.

    Nothing is written unless every format rendered; the set replaces the previous drift set as a whole. Returns the
    paths, `out_dir / FILE_NAMES[format]`, in the order asked.
    """
    from reports._publish import publish

    chosen = list(dict.fromkeys(formats))
    renderers = [(FILE_NAMES.get(name, ""), drift_renderer(name)) for name in chosen]  # unknown: raises first
    # Encode up front: a stray lone surrogate becomes "?" instead of failing half-way through the writes.
    rendered = {file: render(drift).encode("utf-8", errors="replace") for file, render in renderers}
    if not rendered:
        return []
    out_dir.mkdir(parents=True, exist_ok=True)
    publish(out_dir, rendered, set(FILE_NAMES.values()))
    return [out_dir / name for name in rendered]
