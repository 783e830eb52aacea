"""Report renderers: one module per format, named for it (`reports/<format>.py`), each registering one renderer
in `reports.base.RENDERERS` when imported; `base.py` holds the protocol, the registry and the shared helpers.

A new format is one new module. `format_names()` lists the formats without importing them (the CLI's help stays
fast); `reports.base.renderers()` imports every format module once and returns the registry.
"""

from __future__ import annotations

import pkgutil

NOT_FORMATS = frozenset({"base"})
# each format's file extension (`clearance.<extension>`), so that writing one format need not import the others
# (reports.base checks it against the renderers: a format missing here imports them all)
EXTENSIONS = {"console": "txt", "json": "json", "junit": "junit.xml", "markdown": "md", "sarif": "sarif"}


def format_names() -> tuple[str, ...]:
    """Every format of the check report, by module name, sorted; nothing is imported. Sub-packages are other
    reports (`reports/drift/`: the drift report's formats)."""
    return tuple(sorted(m.name for m in pkgutil.iter_modules(__path__)
                        if not m.ispkg and m.name not in NOT_FORMATS and not m.name.startswith("_")))
