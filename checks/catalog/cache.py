"""The catalog, compiled once: what `load_catalog` returns, stored as JSON, reused while nothing it came from changed.

Loading the catalog parses ~100 YAML files with line numbers and validates them against JSON Schemas (~0.25 s of
every run, issue 13). The result is written to `<cache dir>/catalog-<location>.json` (orjson, written atomically
with checks.fsutil) under a key: the blake2b digest of the cache format, clearance's version, the code that builds
the catalog (so a changed loader in a checkout is never served an old catalog) and the path and bytes of every file
the load read: the controls, the frameworks, the control and framework schemas and every asset schema (`reads` are
checked against them). Any change to any of them is a miss: the catalog is loaded and validated from the files
again, and rewritten.

- JSON only, read with orjson: loading a cache file can never execute code (no pickle: a cache folder is a place
  other programs write to). Controls are rebuilt as the dataclasses they are, and expressions from their cached
  trees (`Expression.from_tree`), without validating them again (and without pydantic): they were validated when
  the file was written.
- A load that fails is never cached, so the user always gets the exact errors of the files.
- A cache file that is unreadable, corrupt, truncated, of another format or version, or of another key is ignored
  (and rewritten); an unwritable cache folder means no cache, with one debug log line.
- Where: `$CLEARANCE_CACHE_DIR`, else `$XDG_CACHE_HOME/clearance`, else `~/.cache/clearance`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from checks import tool_version
from checks.catalog.controls import FIELD_NAMES, Control, Remediation
from checks.catalog.expressions import Expression
from checks.catalog.frameworks import Evidence, Framework, Requirement
from checks.catalog.messages import _FIELD, MessageTemplate
from checks.model import Severity
from checks.paths import PathDisplay

CACHE_FORMAT = 3  # bump when the layout below changes (3: controls are dataclasses, no fields-set list)
CACHE_ENV = "CLEARANCE_CACHE_DIR"
_PACKAGE = Path(__file__).resolve().parent
# the code whose behaviour decides what a cached catalog holds (besides the catalog's own files)
_CODE = (*sorted(_PACKAGE.glob("*.py")), _PACKAGE.parent / "model.py", _PACKAGE.parent / "yamlfile.py")
_CORRUPT = (KeyError, TypeError, ValueError, IndexError, AttributeError)  # orjson.JSONDecodeError is a ValueError
# what checks.catalog.loader.Catalog holds: controls, frameworks and message templates, by id
Parts = tuple[dict[str, Control], dict[str, Framework], dict[str, MessageTemplate]]


def cache_dir() -> Path:
    """`$CLEARANCE_CACHE_DIR`, else `$XDG_CACHE_HOME/clearance`, else `~/.cache/clearance` (empty values unset)."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg) / "clearance" if xdg else Path.home() / ".cache" / "clearance"


@dataclass(frozen=True)
class CatalogCache:
    """The cache entry of one catalog location (its folders) and the key of the files there now."""

    file: Path
    key: str

    @classmethod
    def of(cls, controls: Sequence[Path], frameworks: Sequence[Path], schemas: Sequence[Path],
           folders: Sequence[Path]) -> CatalogCache | None:
        """The entry for a load that reads these files; None when one cannot be read (the load reports it)."""
        where = hashlib.blake2b("\0".join(str(f.absolute()) for f in folders).encode(), digest_size=8).hexdigest()
        digest = hashlib.blake2b(f"clearance catalog cache {CACHE_FORMAT} {tool_version()}\0".encode())
        try:
            for group, paths in (("code", _CODE), ("controls", controls), ("frameworks", frameworks),
                                 ("schemas", schemas)):
                digest.update(f"{group} {len(paths)}\0".encode())
                for path in paths:
                    name = str(path.absolute())
                    with open(name, "rb", buffering=0) as file:  # unbuffered: one read of a small file
                        data = file.readall()
                    digest.update(f"{name}\0{len(data)}\0".encode())
                    digest.update(data)
            folder = cache_dir()
        except (OSError, RuntimeError):  # RuntimeError: Path.home() without a home folder
            return None
        return cls(file=folder / f"catalog-{where}.json", key=digest.hexdigest())

    def load(self) -> Parts | None:
        """The cached catalog's parts, or None when there is none for this key (or it cannot be read back)."""
        try:
            blob = self.file.read_bytes()
        except OSError:
            return None
        try:
            data = orjson.loads(blob)
            if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT or data.get("key") != self.key:
                return None
            return _catalog(data)
        except _CORRUPT:
            return None

    def store(self, parts: Parts) -> bool:
        """Write the catalog for this key; False (and one debug line) when it cannot be cached."""
        from checks.fsutil import atomic_write

        controls, frameworks, templates = parts
        payload = {"format": CACHE_FORMAT, "key": self.key, "cwd": str(Path.cwd().resolve()),
                   "frameworks": [_framework_data(f) for f in frameworks.values()],
                   "controls": [_control_data(c, templates[cid]) for cid, c in controls.items()]}
        try:
            blob = orjson.dumps(payload, option=orjson.OPT_PASSTHROUGH_DATETIME)
            if orjson.loads(blob) != payload:  # NaN, or anything else JSON would not give back as it was
                raise ValueError("a value does not survive JSON")
            atomic_write(self.file, blob)
        except (OSError, TypeError, ValueError) as err:  # orjson.JSONEncodeError is a TypeError
            import logging

            logging.getLogger(__name__).debug("catalog not cached in %s: %s", self.file, err)
            return False
        return True


# --- to JSON ------------------------------------------------------------------------------------------------------


def _expression_data(expr: Expression | None) -> list[Any] | None:
    if expr is None:
        return None
    return [expr.source, expr.tree, sorted(expr.root_fields), sorted(expr.param_refs)]


def _control_data(control: Control, template: MessageTemplate) -> dict[str, Any]:
    values = {name: getattr(control, name) for name in FIELD_NAMES}
    return {
        "fields": {**values, "severity": str(control.severity), "reads": list(control.reads),
                   "tags": list(control.tags), "frameworks": {k: list(v) for k, v in control.frameworks.items()},
                   "assert_": _expression_data(control.assert_), "applies_if": _expression_data(control.applies_if),
                   "remediation": {"pulumi": control.remediation.pulumi, "cli": control.remediation.cli}},
        "template": [template.text, {name: _expression_data(e) for name, e in template.fields.items()}],
    }


def _framework_data(framework: Framework) -> dict[str, Any]:
    return {"id": framework.id, "name": framework.name, "file": framework.file, "version": framework.version,
            "url": framework.url, "description": framework.description,
            "requirements": [[r.id, r.title, r.manual, r.description, str(r.evidence), r.evidence_why]
                             for r in framework.requirements.values()]}


# --- from JSON ----------------------------------------------------------------------------------------------------


def _catalog(data: dict[str, Any]) -> Parts:
    shown = _Shown(data["cwd"])
    frameworks = {f["id"]: _framework(f, shown) for f in data["frameworks"]}
    controls: dict[str, Control] = {}
    templates: dict[str, MessageTemplate] = {}
    for item in data["controls"]:
        control = _control(item, shown)
        controls[control.id] = control
        templates[control.id] = _template(item["template"])
    return controls, frameworks, templates


class _Shown:
    """A file name as `display_path` shows it from here. It was shown relative to the working folder the cache was
    written from (else absolute): from another folder, it is shown again."""

    def __init__(self, written_from: str) -> None:
        if not isinstance(written_from, str):
            raise TypeError("no working folder")
        self.written_from = Path(written_from)
        self.display = PathDisplay()  # display_path, with the working folder and each folder resolved once
        self.moved = self.written_from != self.display.cwd

    def __call__(self, shown: str) -> str:
        return self.display(self.written_from / shown) if self.moved else shown


def _expression(value: Any) -> Expression | None:
    if value is None:
        return None
    source, tree, root_fields, param_refs = value
    if not isinstance(source, str) or not isinstance(tree, dict):
        raise TypeError("not an expression")
    return Expression.from_tree(source, tree, frozenset(root_fields), frozenset(param_refs))


def _control(item: dict[str, Any], shown: _Shown) -> Control:
    fields = dict(item["fields"])
    remediation = fields["remediation"]
    fields.update(
        severity=Severity(fields["severity"]), reads=tuple(fields["reads"]), tags=tuple(fields["tags"]),
        frameworks={k: tuple(v) for k, v in fields["frameworks"].items()},
        assert_=_expression(fields["assert_"]), applies_if=_expression(fields["applies_if"]),
        remediation=Remediation(pulumi=remediation["pulumi"], cli=remediation["cli"]),
        file=shown(fields["file"]))
    if set(fields) != set(FIELD_NAMES) or fields["assert_"] is None:
        raise KeyError("not the fields of a control")
    return Control(**fields)


def _template(value: Any) -> MessageTemplate:
    """A MessageTemplate as its constructor builds it, from the cached trees of its placeholders."""
    text, trees = value
    template = MessageTemplate.__new__(MessageTemplate)
    template.text = text
    template.fields = {}
    template._pieces = []
    pos = 0
    for match in _FIELD.finditer(text):
        name = match.group(1)
        if name not in template.fields:
            expr = _expression(trees[name])
            if expr is None:
                raise TypeError(f"no tree for placeholder {name}")
            template.fields[name] = expr
        template._pieces += [text[pos:match.start()], (name, template.fields[name])]
        pos = match.end()
    template._pieces.append(text[pos:])
    return template


def _framework(item: dict[str, Any], shown: _Shown) -> Framework:
    requirements = {r[0]: Requirement(r[0], r[1], r[2], r[3], Evidence(r[4]), r[5]) for r in item["requirements"]}
    return Framework(item["id"], item["name"], requirements, shown(item["file"]), version=item["version"],
                     url=item["url"], description=item["description"])


def source_files(folder: Path, patterns: Iterable[str]) -> list[Path]:
    """The files of `folder` matching each pattern in turn, each sorted: the order the loaders read them in."""
    return [path for pattern in patterns for path in sorted(folder.glob(pattern))]
