"""Reading the JSON files Pulumi writes (preview digests, stack exports) with one-line errors.

Every error names the file (with line and column for JSON syntax errors) and says how to
regenerate the file. No message ever quotes file content: a file may hold secrets.
"""

from __future__ import annotations

import codecs
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from checks.errors import InputError
from checks.model import SourceKind
from checks.raw import RawResource

if TYPE_CHECKING:  # the stdlib parser is imported when orjson cannot read a file as it would (issue 13)
    import json

MAX_DEPTH = 100  # levels of nested arrays and objects: Pulumi files use a few dozen at most
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_QUOTED = re.compile(rb'"[^"]*"')
_NOT_STRUCTURE = bytes(sorted(set(range(256)) - set(b'"[]{}')))  # bytes deleted before strings are removed
_PARENS = bytes.maketrans(b"[{]}", b"(())")
_DIGITS = bytes.maketrans(b"123456789", b"000000000")
_LONG_DIGITS = b"0" * 19  # a run of digits orjson may read differently from the stdlib (beyond 64-bit integers)
_NOT_READ = object()


class FileKind(StrEnum):
    PREVIEW = "preview"
    STATE = "state"

    @property
    def noun(self) -> str:
        return "preview" if self is FileKind.PREVIEW else "stack export"

    def regenerate(self, path: Path) -> str:
        """The command that writes this kind of file at `path`."""
        if self is FileKind.PREVIEW:
            return f"pulumi preview --json > {path}"
        return f"pulumi stack export --file {path}"

    @property
    def option(self) -> str:
        return "--preview" if self is FileKind.PREVIEW else "--state"


@dataclass(frozen=True, slots=True)
class FileSource:
    """The raw resources read from a preview or state file, with what the file says about them.

    `ops` maps each resource URN to its step op (preview files only); `pending_replacement` holds the
    URNs a stack export marks `pendingReplacement` (state files only).
    """

    path: Path
    source: SourceKind
    resources: list[RawResource]
    project: str | None = None
    stack: str | None = None
    warnings: list[str] = field(default_factory=list)
    ops: Mapping[str, str] = field(default_factory=dict)
    pending_replacement: frozenset[str] = frozenset()
    program_dir: Path | None = None  # the Pulumi program the file belongs to, when known (absolute)


@dataclass(frozen=True, slots=True)
class JsonFile:
    """A parsed file and what it is expected to be, to build errors that say how to fix it."""

    path: Path
    kind: FileKind
    data: dict[str, Any]

    def error(self, problem: str) -> InputError:
        """A structural problem at a JSON path: `steps[3] has no 'op'`."""
        return InputError(
            f"{problem}: the file is not a complete {self.kind.noun}; "
            f"regenerate it with '{self.kind.regenerate(self.path)}'",
            where=str(self.path),
        )


def load_json_file(path: Path, kind: FileKind) -> JsonFile:
    """Read `path` as one JSON object expected to be of `kind`; raise InputError on any problem."""
    data = _parse(_read_bytes(path, kind), path, kind)
    found = detect_kind(data)
    if found is not None and found is not kind:
        raise InputError(
            f"this is a {_describe(found)}, not a {_describe(kind)}: use '{found.option} {path}'",
            where=str(path),
        )
    if found is None:
        raise InputError(
            f"this is not a {_describe(kind)} (no '{_key(kind)}' at the top level): "
            f"regenerate it with '{kind.regenerate(path)}'",
            where=str(path),
        )
    return JsonFile(path, kind, data)


def detect_kind(data: Mapping[str, Any]) -> FileKind | None:
    """A preview digest has `steps` (or only its summary fields); a stack export has `deployment`."""
    if "deployment" in data:
        return FileKind.STATE
    if "steps" in data or data.keys() & {"changeSummary", "diagnostics", "duration"}:
        return FileKind.PREVIEW
    return None


def _describe(kind: FileKind) -> str:
    if kind is FileKind.PREVIEW:
        return "preview file ('pulumi preview --json')"
    return "state file ('pulumi stack export')"


def _key(kind: FileKind) -> str:
    return "steps" if kind is FileKind.PREVIEW else "deployment"


def _read_bytes(path: Path, kind: FileKind) -> bytes:
    where = str(path)
    regen = kind.regenerate(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"file not found: check the path, or create it with '{regen}'", where=where) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file: give the path of the JSON file", where=where) from None
    except PermissionError:
        raise InputError("cannot be read (permission denied): check the file's permissions", where=where) from None
    except OSError as err:
        raise InputError(f"cannot be read ({err.strerror}): check the path", where=where) from None
    if not raw.strip():
        raise InputError(f"the file is empty: regenerate it with '{regen}'", where=where)
    return raw


def _decode(raw: bytes, where: str, regen: str) -> str:
    """UTF-8, with or without BOM; UTF-16 with BOM (what Windows PowerShell's `>` writes)."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise InputError(
            f"the file is not {encoding.removesuffix('-sig').upper()} text (undecodable byte on line {line}): "
            f"regenerate it with '{regen}'",
            where=where,
        ) from None


def _parse(raw: bytes, path: Path, kind: FileKind) -> dict[str, Any]:
    """orjson reads the file when it can; anything it refuses (or might read differently) is read again by the
    stdlib parser, whose errors name the line and column, so a refused file gets exactly the same message."""
    regen = kind.regenerate(path)
    body = _fast_body(raw)
    data: Any = _NOT_READ
    if body is not None:
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            data = _NOT_READ
    fast = body is not None and data is not _NOT_READ
    if not fast:
        text = _decode(raw, str(path), regen)
        data = _parse_text(text, path, regen)
        body = text.encode("utf-8", "surrogatepass")
    assert body is not None
    if _depth(body) > MAX_DEPTH:
        if fast:  # orjson reads deeper than the stdlib: a file the stdlib cannot read keeps the stdlib's message
            _parse_text(_decode(raw, str(path), regen), path, regen)
        raise InputError(f"the JSON is nested too deeply to read (more than {MAX_DEPTH} levels): "
                         f"regenerate it with '{regen}'", where=str(path))
    if not isinstance(data, dict):
        raise InputError(
            f"expected a JSON object at the top level, found {_json_type(data)}: regenerate it with '{regen}'",
            where=str(path),
        )
    return data


def _fast_body(raw: bytes) -> bytes | None:
    """The bytes orjson may read, or None when only the stdlib parser reads the file as clearance always has:
    UTF-16 text, and integers of 19 digits or more (orjson reads those beyond 64 bits as floats). orjson refuses
    the rest of what it would read differently (NaN, Infinity, 1e400, lone surrogates, invalid UTF-8)."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    body = raw.removeprefix(codecs.BOM_UTF8)
    return None if _LONG_DIGITS in body.translate(_DIGITS) else body


def _parse_text(text: str, path: Path, regen: str) -> Any:
    import json

    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(
            f"invalid JSON ({err.msg}): {_syntax_advice(text, err)}; regenerate it with '{regen}'",
            where=f"{path}:{err.lineno}:{err.colno}",
        ) from None
    except RecursionError:
        raise InputError(f"the JSON is nested too deeply to read: regenerate it with '{regen}'",
                         where=str(path)) from None
    except ValueError:  # int() refuses numbers of more than sys.get_int_max_str_digits() digits
        raise InputError(f"a number has more than {sys.get_int_max_str_digits()} digits: the file is damaged; "
                         f"regenerate it with '{regen}'", where=f"{path}{_long_number_line(text)}") from None


def _depth(body: bytes) -> int:
    """How deeply the arrays and objects of valid JSON `body` (UTF-8) nest, counted up to MAX_DEPTH + 1.

    Strings are removed first (escaped backslashes, then escaped quotes, then everything but quotes and brackets;
    what then lies between two quotes is a string), then innermost bracket pairs, one level a pass. A quote or a
    backslash byte is never part of a multi-byte UTF-8 character; without one, there is nothing to unescape."""
    unescaped = body.replace(b"\\\\", b"").replace(b'\\"', b"") if b"\\" in body else body
    outside = _QUOTED.sub(b"", unescaped.translate(None, _NOT_STRUCTURE).replace(b'""', b""))
    brackets = outside.translate(_PARENS)
    depth = 0
    while brackets and depth <= MAX_DEPTH:
        inner_removed = brackets.replace(b"()", b"")
        if len(inner_removed) == len(brackets):  # unbalanced: not valid JSON, which was parsed already
            break
        brackets = inner_removed
        depth += 1
    return depth


def _long_number_line(text: str) -> str:
    """`:line` of the first number outside strings with too many digits, or nothing."""
    limit = sys.get_int_max_str_digits()
    for match in re.finditer(rf"{_STRING.pattern}|\d{{{limit + 1},}}", text):
        if not match.group().startswith('"'):
            return f":{text.count(chr(10), 0, match.start()) + 1}"
    return ""


def _syntax_advice(text: str, err: json.JSONDecodeError) -> str:
    if err.pos >= len(text.rstrip()) or err.msg == "Unterminated string starting at":
        return "the file looks truncated"  # the JSON stops before it is complete
    if err.msg == "Extra data":
        return "the file holds more than one JSON document"
    if err.pos == len(text) - len(text.lstrip()):
        return "the file does not start with JSON"
    return "the file is damaged"


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"
