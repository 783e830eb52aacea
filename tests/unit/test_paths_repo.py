"""Repository-relative paths (checks.paths) and the program a state or preview file belongs to
(checks.sources.positions): what reports name, whatever the working folder is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checks.model import Location
from checks.paths import repo_path, repo_root
from checks.sources.positions import Places, find_program, program_of, project_name, source_location
from checks.sources.preview import load_preview
from checks.sources.state import load_state

URN = "urn:pulumi:dev::web::aws:kms/key:Key::data"


def repo(tmp_path: Path) -> Path:
    """tmp/repo (a git checkout: a `.git` folder) holding the program stacks/web (project `web`)."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    program = root / "stacks" / "web"
    (program / "components").mkdir(parents=True)
    (program / "Pulumi.yaml").write_text("name: web\nruntime: python\n")
    return root


def export(path: Path, position: str = "project:///components/keys.py#7,5", project: str = "web") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 3, "deployment": {"manifest": {}, "resources": [{
        "urn": URN.replace("::web::", f"::{project}::"), "custom": True, "type": "aws:kms/key:Key", "id": "k-1",
        "inputs": {}, "outputs": {}, "sourcePosition": position}]}}))
    return path


def location_of(path: Path, **kwargs: object) -> Location | None:
    [res] = load_state(path, **kwargs).resources  # type: ignore[arg-type]
    return res.location


# ---------------------------------------------------------------- checks.paths


def test_repo_root_is_the_nearest_folder_with_git_above_the_program(tmp_path: Path) -> None:
    root = repo(tmp_path)
    assert repo_root(root / "stacks" / "web", cwd=tmp_path) == root.resolve()
    assert repo_root(Path("repo/stacks/web"), cwd=tmp_path) == root.resolve()  # relative to the working folder
    (root / "stacks" / ".git").write_text("gitdir: ../.git/worktrees/stacks\n")  # a worktree: `.git` is a file
    assert repo_root(root / "stacks" / "web", cwd=tmp_path) == (root / "stacks").resolve()


def test_repo_root_without_a_repository_or_program_is_the_working_folder(tmp_path: Path) -> None:
    (tmp_path / "prog").mkdir()
    assert repo_root(tmp_path / "prog", cwd=tmp_path / "prog") == (tmp_path / "prog").resolve()
    assert repo_root(None, cwd=tmp_path) == tmp_path.resolve()


def test_repo_path_is_relative_inside_the_root_and_absolute_outside(tmp_path: Path) -> None:
    root = repo(tmp_path)
    assert repo_path(root / "stacks" / "web" / "__main__.py", root) == "stacks/web/__main__.py"
    assert repo_path(tmp_path / "elsewhere.py", root) == f"{tmp_path}/elsewhere.py"
    (tmp_path / "link").symlink_to(root, target_is_directory=True)
    assert repo_path(tmp_path / "link" / "x.py", root) == "x.py"  # the same file through a symlink


# ---------------------------------------------------------------- source positions


def test_project_positions_are_joined_with_the_program_then_made_repository_relative(tmp_path: Path) -> None:
    root = repo(tmp_path)
    places = Places.of(root / "stacks" / "web", cwd=tmp_path / "anywhere")
    assert places == Places(root.resolve(), (root / "stacks" / "web").resolve())
    assert source_location("project:///components/keys.py#7,5", places) == Location("stacks/web/components/keys.py",
                                                                                  7)
    assert source_location((root / "lib" / "x.py").as_uri() + "#3", places) == Location("lib/x.py", 3)
    unknown = Places(root.resolve())  # no program folder: as the file names it
    assert source_location("project:///components/keys.py#7", unknown) == Location("components/keys.py", 7)


@pytest.mark.parametrize("cwd", ["repo", "repo/stacks", "repo/stacks/web/components", "."])
def test_a_state_beside_its_program_names_the_same_files_from_any_working_folder(tmp_path: Path, cwd: str) -> None:
    root = repo(tmp_path)
    state = export(root / "stacks" / "web" / "state.json")
    assert location_of(state, cwd=tmp_path / cwd) == Location("stacks/web/components/keys.py", 7)


# ---------------------------------------------------------------- the program a file belongs to


def test_project_name_reads_pulumi_yaml_or_yml_and_tolerates_broken_files(tmp_path: Path) -> None:
    assert project_name(tmp_path) is None
    (tmp_path / "Pulumi.yml").write_text("name: api\nruntime: python\n")
    assert project_name(tmp_path) == "api"
    (tmp_path / "Pulumi.yml").write_text("name: [unclosed\n")
    assert project_name(tmp_path) is None
    (tmp_path / "Pulumi.yml").write_text("- a list\n")
    assert project_name(tmp_path) is None


def test_find_program_looks_beside_the_file_then_its_parents_then_the_working_folder(tmp_path: Path) -> None:
    root = repo(tmp_path)
    program = (root / "stacks" / "web").resolve()
    assert find_program("web", program / "exports" / "dev.json", tmp_path) == program  # a parent of the file
    assert find_program("web", tmp_path / "out" / "dev.json", program) == program  # the working folder
    assert find_program("web", tmp_path / "out" / "dev.json", root) is None  # nothing below is searched
    assert find_program("api", program / "dev.json", tmp_path) is None  # a Pulumi.yaml of another project
    assert find_program(None, program / "dev.json", tmp_path) is None  # the file names no project
    assert find_program("web", tmp_path / "out" / "dev.json", tmp_path, candidates=[program]) == program


def test_the_search_stops_at_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: web\nruntime: python\n")  # above the repository
    root = repo(tmp_path)
    (root / "stacks" / "web" / "Pulumi.yaml").unlink()
    assert find_program("web", root / "stacks" / "web" / "dev.json", root / "stacks") is None


def test_a_given_program_of_another_project_is_used_with_a_warning(tmp_path: Path) -> None:
    root = repo(tmp_path)
    warnings: list[str] = []
    folder = program_of("shop", given=Path("stacks/web"), near=None, cwd=root, warnings=warnings)
    assert folder == (root / "stacks" / "web").resolve()
    assert warnings == ["stacks/web is the Pulumi project 'web' but the file's resources belong to 'shop': source "
                        "files are named as if they were in stacks/web"]


def test_a_state_outside_its_program_is_placed_with_program_dir_or_when_found(tmp_path: Path) -> None:
    root = repo(tmp_path)
    state = export(tmp_path / "exports" / "dev.json")
    program = root / "stacks" / "web"
    assert location_of(state, cwd=tmp_path) == Location("components/keys.py", 7)  # not found: as the file says
    assert load_state(state, cwd=tmp_path).program_dir is None
    assert location_of(state, cwd=tmp_path, program_dir=program) == Location("stacks/web/components/keys.py", 7)
    assert location_of(state, cwd=program) == Location("stacks/web/components/keys.py", 7)  # found: working folder
    assert load_state(state, cwd=program).program_dir == program.resolve()


def test_a_preview_is_placed_the_same_way(tmp_path: Path) -> None:
    root = repo(tmp_path)
    preview = root / "stacks" / "web" / "preview.json"
    preview.write_text(json.dumps({"steps": [{"op": "create", "urn": URN, "newState": {
        "urn": URN, "type": "aws:kms/key:Key", "custom": True, "inputs": {},
        "sourcePosition": "project:///__main__.py#12"}}]}))
    source = load_preview(preview, cwd=tmp_path)
    assert [r.location for r in source.resources] == [Location("stacks/web/__main__.py", 12)]
    assert source.program_dir == (root / "stacks" / "web").resolve()
