"""Where a resource was declared: Pulumi source positions -> file and line, relative to the repository root; and which
Pulumi program a state or preview file belongs to.

A `project:///components/x.py#5` position is relative to the Pulumi project folder: joined with the program folder
(when known), then made relative to the repository root (`checks.paths.repo_root`), so that GitHub can place it
whatever folder clearance ran from. A `file:///abs/x.py#7` position is made relative to that root when inside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from checks.errors import InputError
from checks.model import Location
from checks.paths import GIT_MARKER, PROJECT_FILES, display_path, repo_path, repo_root


@dataclass(frozen=True, slots=True)
class Places:
    """How a source position becomes a repository path: `program_dir` is the Pulumi project folder `project:///`
    positions are relative to (None: unknown, the path is kept as the file names it); `root` the repository root."""

    root: Path
    program_dir: Path | None = None

    @classmethod
    def of(cls, program_dir: Path | None, cwd: Path | None = None) -> Places:
        folder = None if program_dir is None else ((cwd or Path.cwd()) / program_dir).resolve()
        return cls(repo_root(folder, cwd), folder)


def source_location(value: Any, places: Places) -> Location | None:
    """`project:///index.ts#5,20` -> `<program folder>/index.ts:5` relative to the repository root (`index.ts:5`
    when the program folder is unknown); `file:///abs/x.py#7` -> x.py:7 relative to the root when inside it."""
    if not isinstance(value, str):
        return None
    uri, _, fragment = value.partition("#")
    line_text = fragment.split(",", 1)[0]
    if not line_text.isdigit() or int(line_text) < 1:
        return None
    file = _source_file(uri, places)
    return Location(file, int(line_text)) if file else None


@lru_cache(maxsize=4096)
def _source_file(uri: str, places: Places) -> str | None:
    """The file of a source position URI (most resources of a program share a few files: cached)."""
    parts = urlsplit(uri)
    if not parts.path:
        return None
    file_path = PurePosixPath(unquote(parts.path))
    if parts.scheme == "project":
        file = file_path.relative_to("/").as_posix() if file_path.is_absolute() else file_path.as_posix()
        if places.program_dir is not None and file not in ("", "."):
            file = repo_path(places.program_dir / file, places.root)
    elif parts.scheme == "file":
        file = repo_path(Path(file_path), places.root)
    else:
        return None
    return None if file in ("", ".", "/") else file


# ---------------------------------------------------------------- the program a file belongs to


def project_name(folder: Path) -> str | None:
    """The `name:` of the Pulumi.yaml in `folder`; None when there is none, or it cannot be read or names nothing."""
    for file_name in PROJECT_FILES:
        path = folder / file_name
        if path.is_file():
            from checks.yamlfile import load_yaml  # PyYAML only when there is a Pulumi.yaml to read (issue 13)

            try:
                data = load_yaml(path, display_path(path)).data
            except InputError:
                return None
            name = data.get("name") if isinstance(data, dict) else None
            return name if isinstance(name, str) and name.strip() else None
    return None


def has_project_file(folder: Path) -> bool:
    return any((folder / name).is_file() for name in PROJECT_FILES)


def find_program(project: str | None, near: Path | None, cwd: Path | None = None,
                 candidates: Sequence[Path] = ()) -> Path | None:
    """The folder of the Pulumi program named `project` (the project in a state or preview file's URNs): the first
    of `candidates`, then the folder of the file `near` and its parents (up to the repository root), then the
    working folder, whose Pulumi.yaml has that `name:`. Nothing below those folders is searched. None when not found
    (or the project is not known)."""
    if not project:
        return None
    cwd = cwd or Path.cwd()
    folders = [cwd / c for c in candidates]
    if near is not None:
        for folder in ((cwd / near).resolve().parent, *(cwd / near).resolve().parent.parents):
            folders.append(folder)
            if (folder / GIT_MARKER).exists():
                break
    folders.append(cwd)
    for folder in dict.fromkeys(f.resolve() for f in folders if f.is_dir()):
        if project_name(folder) == project:
            return folder
    return None


def program_of(project: str | None, *, given: Path | None, near: Path | None, cwd: Path | None,
               warnings: list[str], candidates: Sequence[Path] = ()) -> Path | None:
    """The program folder of a state or preview file: `given` (--program-dir; a warning when its Pulumi.yaml names
    another project than the file's), else the one `find_program` finds."""
    if given is None:
        return find_program(project, near, cwd, candidates)
    folder = ((cwd or Path.cwd()) / given).resolve()
    name = project_name(folder)
    if project and name is not None and name != project:
        warnings.append(f"{display_path(given)} is the Pulumi project '{name}' but the file's resources belong to "
                        f"'{project}': source files are named as if they were in {display_path(given)}")
    return folder
