"""Where a resource was declared: Pulumi source positions -> file and line, relative to what the user sees."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from checks.model import Location


def source_location(value: Any, cwd: Path, project: str = "") -> Location | None:
    """`project:///index.ts#5,20` -> index.ts:5 (under `project`, the project folder relative to the working folder,
    when known); `file:///abs/x.py#7` -> x.py:7 relative to `cwd` when inside it."""
    if not isinstance(value, str):
        return None
    uri, _, fragment = value.partition("#")
    line_text = fragment.split(",", 1)[0]
    if not line_text.isdigit() or int(line_text) < 1:
        return None
    file = _source_file(uri, cwd, project)
    return Location(file, int(line_text)) if file else None


@lru_cache(maxsize=4096)
def _source_file(uri: str, cwd: Path, project: str = "") -> str | None:
    """The file of a source position URI (most resources of a program share a few files: cached)."""
    parts = urlsplit(uri)
    if not parts.path:
        return None
    file_path = PurePosixPath(unquote(parts.path))
    if parts.scheme == "project":
        file = file_path.relative_to("/").as_posix() if file_path.is_absolute() else file_path.as_posix()
        if project and file:
            file = (PurePosixPath(project) / file).as_posix()
    elif parts.scheme == "file":
        file = _relative_to(Path(file_path), cwd)
    else:
        return None
    return None if file in ("", ".", "/") else file


def _relative_to(path: Path, cwd: Path) -> str:
    for base in (cwd, cwd.resolve()):
        if path.is_relative_to(base):
            return path.relative_to(base).as_posix()
    return path.as_posix()



def project_folder(path: Path, cwd: Path) -> str:
    """The Pulumi project a state or preview file sits in (a Pulumi.yaml beside it), relative to `cwd`, so that
    `project:///` source positions name files as the user sees them; "" when unknown or outside `cwd`."""
    folder = path.resolve().parent
    if not (folder / "Pulumi.yaml").is_file():
        return ""
    try:
        rel = folder.relative_to(cwd.resolve()).as_posix()
    except ValueError:
        return ""
    return "" if rel == "." else rel
