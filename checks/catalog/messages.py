"""Finding messages: `{path}` placeholders filled from the asset document, secrets redacted."""

from __future__ import annotations

import re
from typing import Any

from checks.catalog.expressions import Expression, ExpressionError
from checks.model import paths_overlap

_FIELD = re.compile(r"\{([^{}]+)\}")
REDACTED = "****"


class MessageTemplate:
    """A compiled message; placeholders are attribute paths (`{rotation.enabled}`) or `{params.x}`."""

    __slots__ = ("text", "fields", "_pieces")

    def __init__(self, text: str) -> None:
        self.text = text
        self.fields: dict[str, Expression] = {}
        self._pieces: list[str | tuple[str, Expression]] = []
        pos = 0
        for match in _FIELD.finditer(text):
            name = match.group(1)
            if name not in self.fields:
                try:
                    self.fields[name] = Expression(name.replace("[]", "[*]"))
                except ExpressionError as err:
                    raise ExpressionError(f"placeholder {{{name}}}: {err}") from None
            self._pieces += [text[pos:match.start()], (name, self.fields[name])]
            pos = match.end()
        self._pieces.append(text[pos:])

    def render(self, doc: dict[str, Any], secrets: frozenset[str], evaluator: Any) -> str:
        if not self.fields:
            return self.text
        out = []
        for piece in self._pieces:
            if isinstance(piece, str):
                out.append(piece)
                continue
            name, expr = piece
            if secrets and any(paths_overlap(name, s) for s in secrets):
                out.append(REDACTED)
            else:
                out.append(_show(expr.search(doc, evaluator)))
        return "".join(out)


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
