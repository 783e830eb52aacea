"""Finding messages: `{path}` placeholders filled from the asset document, secrets redacted.

A placeholder that is a path is redacted whole when it overlaps a secret path. A placeholder that is an expression
(`{a && join('', ['key ', b]) || 'none'}`) is evaluated on a copy of the document in which every secret value is
REDACTED, so a secret can never flow through an expression into the text."""

from __future__ import annotations

import re
from typing import Any

from checks.catalog.expressions import Expression, ExpressionError
from checks.model import path_segments, paths_overlap

_FIELD = re.compile(r"\{([^{}]+)\}")
_PATH = re.compile(r"[A-Za-z0-9_]+(\[\])?(\.[A-Za-z0-9_]+(\[\])?)*")
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
        sealed: dict[str, Any] | None = None
        for piece in self._pieces:
            if isinstance(piece, str):
                out.append(piece)
                continue
            name, expr = piece
            if not secrets:
                out.append(_show(expr.search(doc, evaluator)))
            elif _PATH.fullmatch(name):
                out.append(REDACTED if any(paths_overlap(name, s) for s in secrets) else
                           _show(expr.search(doc, evaluator)))
            else:
                sealed = sealed if sealed is not None else _redacted(doc, secrets)
                out.append(_show(expr.search(sealed, evaluator)))
        return "".join(out)


def _redacted(doc: dict[str, Any], secrets: frozenset[str]) -> dict[str, Any]:
    """A copy of `doc` with the value at every secret path REDACTED (through lists: `rules[].peer`)."""
    copy: Any = _copy(doc)
    for path in secrets:
        _seal(copy, list(path_segments(path)))
    return dict(copy)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _seal(node: Any, segments: list[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _seal(item, segments)
    elif isinstance(node, dict) and segments and segments[0] in node:
        if len(segments) == 1:
            node[segments[0]] = REDACTED
        else:
            _seal(node[segments[0]], segments[1:])


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
