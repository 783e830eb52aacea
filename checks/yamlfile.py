"""The one YAML loader of clearance: plain data with the line of every key, hardened against hostile files.

Every YAML file clearance reads (controls, frameworks, waivers, the review register, stack configuration) goes
through `load_yaml` (a file) or `parse_yaml` (text). They build the document from libyaml's event stream without
recursion and turn every problem into one InputError naming file and line:

- syntax errors, and more than one document in the file;
- values that cannot be built (`2027-02-30`, `!!int "high"`, an integer of 5,000 digits);
- tags other than YAML's plain ones (null, bool, int, float, str, timestamp, map, seq): python tags
  (`!!python/name:os.system`) are refused, and so are `!!binary`, `!!set`, `!custom`;
- an alias inside the value it refers to (a recursive structure), more than MAX_ALIASES aliases, or aliases that
  expand to more than MAX_ALIAS_VALUES values (a "billion laughs" alias bomb);
- nesting deeper than MAX_DEPTH levels (aliases count with the depth of what they expand to).

Merge keys (`<<: *defaults`) work as in PyYAML's SafeLoader.
"""

from __future__ import annotations

import copy
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from checks.errors import InputError

PathKey = tuple[str | int, ...]
# libyaml's parser (10x faster) when PyYAML was built with it; its events carry the same marks
_PARSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_DEPTH = 100              # levels of nested lists and mappings
MAX_ALIASES = 1_000          # uses of `*anchor` in one file
MAX_ALIAS_VALUES = 100_000   # values those aliases expand to, together

_YAML_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_YAML_TAG}{name}": label for name, label in (
    ("null", "null"), ("bool", "boolean"), ("int", "integer"), ("float", "number"), ("str", "string"),
    ("timestamp", "date"))}
_MAP_TAG, _SEQ_TAG = f"{_YAML_TAG}map", f"{_YAML_TAG}seq"
_TEXT_TAGS = frozenset({f"{_YAML_TAG}merge", f"{_YAML_TAG}value"})  # `<<` and `=` outside a key: their text
_MERGE = object()  # the pending key of a mapping is a merge key `<<`
_NO_KEY = object()


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


def load_yaml(path: Path, display: str | None = None) -> LinedDocument:
    """Read and parse a YAML file; every problem is an InputError naming `display` (default: the path) and line."""
    where = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", where=where) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file", where=where, hint="give the path of the YAML file") from None
    except UnicodeDecodeError as err:
        raise InputError(f"the file is not UTF-8 text (undecodable byte at offset {err.start})", where=where,
                         hint="save it as UTF-8") from None
    except OSError as err:
        raise InputError(f"cannot read file: {err.strerror or err}", where=where) from None
    return parse_yaml(text, where)


def parse_yaml(text: str, where: str) -> LinedDocument:
    """The document in `text` (None when it is empty) with the line of every node; `where` names it in errors."""
    builder = _Builder(where)
    try:
        for event in yaml.parse(text, Loader=_PARSER):
            builder.feed(event)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = err.problem or err.context or "syntax error"
        raise InputError(f"invalid YAML: {problem}", where=f"{where}{line}", hint="fix the YAML syntax") from None
    except yaml.YAMLError as err:
        raise InputError(f"invalid YAML: {' '.join(str(err).split())}", where=where,
                         hint="fix the YAML syntax") from None
    return LinedDocument(data=builder.root, lines=builder.lines or {(): 1}, file=where)


@dataclass
class _Frame:
    """A list or mapping being built. `path` is None inside a merged value (it records no lines)."""

    value: dict[str, Any] | list[Any]
    path: PathKey | None
    anchor: str | None
    size: int = 1        # values in it, itself included, aliases expanded
    height: int = 1      # levels of nesting in it, itself included
    key: Any = _NO_KEY   # a mapping's key waiting for its value
    key_line: int = 0
    merges: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class _Anchored:
    value: Any
    size: int
    height: int


class _Builder:
    """Builds plain data from parser events: no recursion, bounded depth and alias expansion."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.loader = yaml.SafeLoader("")  # its resolver and constructor, for scalars only
        self.stack: list[_Frame] = []
        self.anchors: dict[str, _Anchored] = {}
        self.lines: dict[PathKey, int] = {}
        self.root: Any = None
        self.documents = 0
        self.aliases = 0
        self.expanded = 0

    def error(self, line: int, message: str, hint: str | None = None) -> InputError:
        return InputError(message, where=f"{self.where}:{line}", hint=hint)

    def feed(self, event: yaml.Event) -> None:
        line = event.start_mark.line + 1 if event.start_mark is not None else 1
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise self.error(line, "the file holds more than one YAML document",
                                 hint="keep one document (remove the '---' line)")
        elif isinstance(event, yaml.ScalarEvent):
            value = self._scalar(event, line)
            self._add(value, line, event.anchor, 1, 0)
        elif isinstance(event, yaml.AliasEvent):
            self._alias(event, line)
        elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            self._start(event, line)
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            frame = self.stack.pop()
            if isinstance(frame.value, dict):
                for merged in frame.merges:  # keys written in the mapping win over merged ones
                    for key, value in merged.items():
                        frame.value.setdefault(key, value)
            if frame.anchor is not None:
                self.anchors[frame.anchor] = _Anchored(frame.value, frame.size, frame.height)
            self._attach(frame.value, frame.size, frame.height)

    def _child_path(self, line: int) -> PathKey | None:
        """The path of the node starting now (recording its line), None for a mapping key or inside one."""
        if not self.stack:
            self.lines[()] = line
            return ()
        top = self.stack[-1]
        if top.path is None:
            return None
        if isinstance(top.value, list):
            path: PathKey = top.path + (len(top.value),)
        elif top.key is _NO_KEY:
            return None
        elif top.key is _MERGE:
            return None  # merged values keep no lines: their keys point at the mapping
        else:
            path = top.path + (top.key,)
        self.lines[path] = top.key_line if isinstance(top.value, dict) else line
        return path

    def _start(self, event: yaml.MappingStartEvent | yaml.SequenceStartEvent, line: int) -> None:
        is_map = isinstance(event, yaml.MappingStartEvent)
        tag = event.tag
        if tag not in (None, "!", _MAP_TAG if is_map else _SEQ_TAG):
            raise self._bad_tag(tag, line)
        if len(self.stack) >= MAX_DEPTH:
            raise self._too_deep(line)
        if self.stack and isinstance(self.stack[-1].value, dict) and self.stack[-1].key is _NO_KEY:
            raise self.error(line, "a mapping key must be a plain value, not a list or mapping")
        path = self._child_path(line)
        self.stack.append(_Frame({} if is_map else [], path, event.anchor))

    def _scalar(self, event: yaml.ScalarEvent, line: int) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag in _TEXT_TAGS:
            top = self.stack[-1] if self.stack else None
            if tag == f"{_YAML_TAG}merge" and top is not None and isinstance(top.value, dict) \
                    and top.key is _NO_KEY:
                return _MERGE
            return event.value
        label = _SCALAR_TAGS.get(tag)
        if label is None:
            raise self._bad_tag(tag, line)
        node = yaml.ScalarNode(tag, event.value, None, None, event.style)  # errors are mapped below
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError, TypeError, LookupError, AttributeError, yaml.YAMLError) as err:
            shown = event.value if len(event.value) <= 40 else event.value[:37] + "..."
            reason = str(err).split("\n")[0] if label == "date" and isinstance(err, ValueError) else ""
            if "digits" in str(err):
                reason = f"more than {sys.get_int_max_str_digits()} digits"
            raise self.error(line, f"'{shown}' is not a valid {label}" + (f" ({reason})" if reason else ""),
                             hint="fix the value or quote it to make it text") from None

    def _alias(self, event: yaml.AliasEvent, line: int) -> None:
        name = event.anchor or ""
        anchored = self.anchors.get(name)
        if anchored is None:
            if any(f.anchor == name for f in self.stack):
                raise self.error(line, f"alias '*{name}' is inside the value it refers to (a recursive structure)",
                                 hint="YAML that refers to itself is not supported")
            raise self.error(line, f"alias '*{name}' refers to no anchor '&{name}' defined before it")
        self.aliases += 1
        self.expanded += anchored.size
        if self.aliases > MAX_ALIASES or self.expanded > MAX_ALIAS_VALUES:
            raise self.error(line, "too many aliases (YAML alias bomb?)",
                             hint=f"at most {MAX_ALIASES} aliases expanding to {MAX_ALIAS_VALUES} values in all")
        if len(self.stack) + anchored.height > MAX_DEPTH:
            raise self._too_deep(line)
        value = anchored.value
        if isinstance(value, dict | list):
            top = self.stack[-1] if self.stack else None
            if top is not None and isinstance(top.value, dict) and top.key is _NO_KEY:
                raise self.error(line, "a mapping key must be a plain value, not a list or mapping")
            value = copy.deepcopy(value)
        self._child_path(line)
        self._attach(value, anchored.size, anchored.height, line)

    def _add(self, value: Any, line: int, anchor: str | None, size: int, height: int) -> None:
        """A scalar: record its line (a value in a list, a mapping's value) and attach it."""
        top = self.stack[-1] if self.stack else None
        if not (top is not None and isinstance(top.value, dict) and top.key is _NO_KEY):
            self._child_path(line)
        else:
            top.key_line = line
        if anchor is not None:
            self.anchors[anchor] = _Anchored(value, size, height)
        self._attach(value, size, height, line)

    def _attach(self, value: Any, size: int, height: int, line: int = 0) -> None:
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        top.size += size
        top.height = max(top.height, height + 1)
        if isinstance(top.value, list):
            top.value.append(value)
        elif top.key is _NO_KEY:  # a key
            key = value if value is _MERGE or isinstance(value, str) else str(value)
            if key is not _MERGE and key in top.value:
                raise self.error(line or top.key_line, f"duplicate key '{key}'")
            top.key = key
            top.key_line = line or top.key_line
        else:
            if top.key is _MERGE:
                top.merges.extend(self._merged(value, top.key_line))
            else:
                top.value[top.key] = value
            top.key = _NO_KEY

    def _merged(self, value: Any, line: int) -> list[dict[str, Any]]:
        if isinstance(value, dict):
            return [value]
        if isinstance(value, list) and all(isinstance(v, dict) for v in value):
            return list(value)
        raise self.error(line, "a merge key '<<' needs a mapping or a list of mappings")

    def _bad_tag(self, tag: str | None, line: int) -> InputError:
        shown = str(tag).replace(_YAML_TAG, "!!")
        if str(tag).startswith(f"{_YAML_TAG}python/") or str(tag).startswith("!python/"):
            return self.error(line, f"python tags are not allowed ('{shown}')",
                              hint="clearance reads plain YAML data only")
        return self.error(line, f"unsupported tag '{shown}'",
                          hint="use plain YAML values: text, numbers, booleans, dates, lists and mappings")

    def _too_deep(self, line: int) -> InputError:
        return self.error(line, f"the YAML is nested more than {MAX_DEPTH} levels deep",
                          hint="flatten the document")
