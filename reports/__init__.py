"""Report renderers: one module per format behind `reports.base.Renderer`.

Importing the package registers every built-in format in `RENDERERS` (console, json, sarif, markdown, junit).
"""

from reports import console, json_report, junit, markdown, sarif
from reports.base import RENDERERS, Renderer, get_renderer, output_name, register, write_reports

__all__ = [
    "RENDERERS",
    "Renderer",
    "console",
    "get_renderer",
    "json_report",
    "junit",
    "markdown",
    "output_name",
    "register",
    "sarif",
    "write_reports",
]
