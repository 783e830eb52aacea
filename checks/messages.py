"""Finding messages: `{path}` placeholders filled from the asset document, secrets redacted."""

from __future__ import annotations

import re
from typing import Any

from checks.expressions import Expression, ExpressionError
from checks.model import paths_overlap

_FIELD = re.compile(r"\{([^{}]+)\}")
REDACTED = "****"


class MessageTemplate:
    """A compiled message; placeholders are attribute paths (`{rotation.enabled}`) or `{params.x}`."""

    __slots__ = ("text", "fields")

    def __init__(self, text: str) -> None:
        self.text = text
        self.fields: dict[str, Expression] = {}
        for name in _FIELD.findall(text):
            try:
                self.fields[name] = Expression(name.replace("[]", "[*]"))
            except ExpressionError as err:
                raise ExpressionError(f"placeholder {{{name}}}: {err}") from None

    def render(self, doc: dict[str, Any], secrets: frozenset[str], evaluator: Any) -> str:
        if not self.fields:
            return self.text

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if any(paths_overlap(name, s) for s in secrets):
                return REDACTED
            return _show(self.fields[name].search(doc, evaluator))

        return _FIELD.sub(fill, self.text)


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value) if value else "none"
    return str(value)
