"""Text made safe for GitHub-flavoured Markdown: table cells, code cells, one line of HTML text.

Shared by the check report (`reports/markdown.py`, which re-exports these) and the drift report. Each is one
`str.translate` (C) over a table built once: called for every cell of every row, a loop over characters in Python
was most of the Markdown report's time.
"""

from __future__ import annotations

import re

MAX_CELL = 500                            # characters of one table cell
_MARKDOWN_SPECIALS = "\\`*_[]<>|~"
_CONTROLS = [*range(0x00, 0x20), *range(0x7F, 0xA0)]
_HAS_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")

# escape_cell: a line break is <br>, a tab a space, `&` an entity, a Markdown special escaped; other control
# characters (escape codes included) have no place in a summary.
_CELL: dict[int, str | None] = {code: None for code in _CONTROLS}
_CELL.update({ord("\n"): "<br>", ord("\r"): "<br>", ord("\t"): " ", ord("&"): "&amp;"})
_CELL.update({ord(ch): "\\" + ch for ch in _MARKDOWN_SPECIALS})

# html_text: line breaks and tabs become spaces, other control characters go, `&`, `<` and `>` are entities.
_HTML: dict[int, str | None] = {code: None for code in _CONTROLS}
_HTML.update({ord("\n"): " ", ord("\r"): " ", ord("\t"): " ", ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;"})


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def escape_cell(text: str, limit: int = MAX_CELL) -> str:
    """Make any text safe inside a GFM table cell: no HTML, no formatting, no `|`, no line breaks."""
    text = clip(text, limit)
    if "\r" in text:
        text = text.replace("\r\n", "\n")   # one break, one <br>
    return text.translate(_CELL)


def code_cell(text: str) -> str:
    """Identifiers and paths as code (so `__main__.py` stays as written); falls back to `escape_cell`."""
    if not text or "`" in text or len(text) > MAX_CELL or _HAS_CONTROL.search(text):
        return escape_cell(text)
    return "`" + text.replace("|", "\\|") + "`"


def html_text(text: str, limit: int = MAX_CELL) -> str:
    """Text safe inside an HTML element on one line: &, < and > escaped, line breaks and control codes gone."""
    return clip(text, limit).translate(_HTML)
