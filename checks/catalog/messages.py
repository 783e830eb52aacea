"""Finding messages: `{path}` placeholders filled from the asset document, secrets redacted.

A placeholder that is a path is redacted whole when it overlaps a secret path. A placeholder that is an expression
(`{a && join('', ['key ', b]) || 'none'}`) is evaluated on a copy of the document in which every secret value is
REDACTED, so a secret can never flow through an expression into the text."""

from __future__ import annotations

import pickle
import re
from typing import Any

from checks.catalog.expressions import Expression, ExpressionError, reads_only
from checks.model import path_segments, paths_overlap

_FIELD = re.compile(r"\{([^{}]+)\}")
_NAMES = re.compile(r"[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*")
_PATH = re.compile(r"[A-Za-z0-9_]+(\[\])?(\.[A-Za-z0-9_]+(\[\])?)*")
REDACTED = "****"


class MessageTemplate:
    """A compiled message; placeholders are attribute paths (`{rotation.enabled}`) or `{params.x}`."""

    __slots__ = ("text", "fields", "_pieces", "_plain", "_tail")
    _plain: list[_Plain]
    _tail: str

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

    def render(self, doc: dict[str, Any], secrets: frozenset[str], evaluator: Any,
               memo: dict[tuple[int, bytes], str] | None = None) -> str:
        """The message for `doc`. `memo`: a dict the caller keeps for documents with the same `params` and the same
        evaluator, where a placeholder that is an expression keeps its text by the values of the fields it reads
        (documents without secrets only)."""
        if not self.fields:
            return self.text
        if not secrets:
            return self._render_plain(doc, evaluator, memo)
        out = []
        sealed: dict[str, Any] | None = None
        for piece in self._pieces:
            if isinstance(piece, str):
                out.append(piece)
                continue
            name, expr = piece
            if _PATH.fullmatch(name):
                out.append(REDACTED if any(paths_overlap(name, s) for s in secrets) else
                           _show(expr.search(doc, evaluator)))
            else:
                sealed = sealed if sealed is not None else _redacted(doc, secrets)
                out.append(_show(expr.search(sealed, evaluator)))
        return "".join(out)

    def _render_plain(self, doc: dict[str, Any], evaluator: Any, memo: dict[tuple[int, bytes], str] | None) -> str:
        """`render` without secrets: what the expressions give, a dotted path read as JMESPath reads it (a field
        of an object is its value or null, a field of null is null; anything else goes through the expression)."""
        try:
            plain, tail = self._plain, self._tail
        except AttributeError:  # built on first use (checks/catalog/cache.py builds templates from `_pieces`)
            plain, tail = self._plain_parts()
        out = []
        for index, (before, names, expr, reads) in enumerate(plain):
            out.append(before)
            if names is not None:
                value: Any = doc
                for name in names:
                    if type(value) is dict:
                        value = value.get(name)
                    elif value is not None:
                        value = expr.search(doc, evaluator)
                        break
                out.append(value if type(value) is str else _show(value))
                continue
            key = None if memo is None or reads is None else _memo_key(index, reads, doc)
            if memo is None or key is None:
                out.append(_show(expr.search(doc, evaluator)))
                continue
            text = memo.get(key)
            if text is None:
                text = memo[key] = _show(expr.search(doc, evaluator))
            out.append(text)
        out.append(tail)
        return "".join(out)

    def _plain_parts(self) -> tuple[list[_Plain], str]:
        """For `_render_plain`, from `_pieces`: (the text before, the field names of a placeholder that is a plain
        dotted path such as `encryption.enabled` or None, its expression, the root fields it reads but `params` when
        its value depends on the document through them alone, else None) per placeholder, and the text after."""
        plain: list[_Plain] = []
        before = ""
        for piece in self._pieces:
            if isinstance(piece, str):
                before = piece
                continue
            name, expr = piece
            fields = reads_only(expr)
            plain.append((before, tuple(name.split(".")) if _NAMES.fullmatch(name) else None, expr,
                          None if fields is None else tuple(sorted(fields - {"params"}))))
        tail = self._pieces[-1] if self._pieces and isinstance(self._pieces[-1], str) else ""
        self._plain, self._tail = plain, tail
        return plain, tail


_Plain = tuple[str, tuple[str, ...] | None, Expression, tuple[str, ...] | None]


def _memo_key(index: int, reads: tuple[str, ...], doc: dict[str, Any]) -> tuple[int, bytes] | None:
    """The placeholder and the values it reads, pickled (equal bytes: equal values of equal types); None for a
    value that cannot be pickled."""
    try:
        return index, pickle.dumps(tuple([doc.get(name) for name in reads]), 5)
    except (pickle.PicklingError, TypeError, AttributeError, ValueError, RecursionError):
        return None


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
