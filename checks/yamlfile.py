"""YAML loading that remembers the line of every key, so errors can name file and line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from checks.errors import InputError

PathKey = tuple[str | int, ...]
# libyaml's parser (10x faster) when PyYAML was built with it; its nodes carry the same marks
_COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class LinedDocument:
    data: Any
    lines: dict[PathKey, int]
    file: str

    def line_of(self, path: PathKey) -> int:
        """The line of the deepest known node on `path` (1-based)."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


def _construct(node: yaml.Node, path: PathKey, lines: dict[PathKey, int], where: str,
               scalars: yaml.SafeLoader) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _construct(key_node, path + ("<key>",), {}, where, scalars)
            if not isinstance(key, str):
                key = str(key)
            if key in out:
                raise InputError(f"duplicate key '{key}'", where=f"{where}:{key_node.start_mark.line + 1}")
            out[key] = _construct(value_node, path + (key,), lines, where, scalars)
            lines[path + (key,)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, path + (i,), lines, where, scalars) for i, item in enumerate(node.value)]
    return scalars.construct_object(node, deep=True)  # scalars: PyYAML resolves the tag (int, bool, date)


def load_yaml(path: Path, display: str | None = None) -> LinedDocument:
    where = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", where=where) from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read file: {err}", where=where) from None
    try:
        node = yaml.compose(text, Loader=_COMPOSER)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = err.problem or err.context or "syntax error"
        raise InputError(f"invalid YAML: {problem}", where=f"{where}{line}", hint="fix the YAML syntax") from None
    except yaml.YAMLError as err:
        raise InputError(f"invalid YAML: {err}", where=where) from None
    if node is None:
        return LinedDocument(data=None, lines={(): 1}, file=where)
    lines: dict[PathKey, int] = {}
    data = _construct(node, (), lines, where, yaml.SafeLoader(""))
    return LinedDocument(data=data, lines=lines, file=where)
