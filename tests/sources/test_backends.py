"""load_states: `--state FILE` (repeatable) and `--backend file://DIR` checkpoint files, read without the Pulumi CLI."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from checks.errors import InputError
from checks.model import UNKNOWN
from checks.sources.backends import StateSet, load_states
from checks.sources.state import load_state

FIXTURES = Path(__file__).parent.parent / "fixtures"
STATE = FIXTURES / "state"
DIY = FIXTURES / "backends" / "diy"
LEGACY = FIXTURES / "backends" / "legacy"
ESTATE = "v6_kms_sse_v2_side_resource_sg_secret_rds.json"
SAMPLE = "sample_export_v6_legacy_bucket.json"
NO_ENV: dict[str, str] = {}


def states(files: list[Path], backend: str | None = None, stacks: tuple[str, ...] = (), **kw: Any) -> list[StateSet]:
    return load_states(files, backend, list(stacks), env=kw.pop("env", NO_ENV), **kw)


def error_of(files: list[Path], backend: str | None = None, stacks: tuple[str, ...] = (), **kw: Any) -> str:
    with pytest.raises(InputError) as info:
        states(files, backend, stacks, **kw)
    message = str(info.value)
    assert "\n" not in message
    return message


def copy_diy(tmp_path: Path) -> Path:
    shutil.copytree(DIY, tmp_path / "state")
    return tmp_path / "state"


def ciphertexts(path: Path) -> set[str]:
    return set(re.findall(r'"ciphertext": "([^"]+)"', path.read_text(encoding="utf-8")))


# ---------------------------------------------------------------- --state FILE (repeatable)


def test_several_state_files_one_set_each_with_the_resources_of_load_state() -> None:
    sets = states([STATE / ESTATE, STATE / SAMPLE])
    assert [(s.name, s.origin) for s in sets] == [("orders/prod", str(STATE / ESTATE)),
                                                  ("sample/dev", str(STATE / SAMPLE))]
    assert sets[0].resources == tuple(load_state(STATE / ESTATE).resources)
    assert len(sets[0].resources) == 7 and sets[0].warnings == ()


def test_an_empty_stack_export_is_named_by_its_file_and_warns() -> None:
    [empty] = states([STATE / "empty_stack_after_destroy.json"])
    assert empty.name == "empty_stack_after_destroy" and empty.resources == ()
    assert empty.warnings == ("the stack export lists no resources: the stack is empty",)


def test_a_file_that_is_not_a_stack_export_names_the_file() -> None:
    preview = FIXTURES / "preview" / sorted(p.name for p in (FIXTURES / "preview").glob("*.json"))[0]
    assert error_of([STATE / SAMPLE, preview]).startswith(f"{preview}: this is a preview file")


def test_the_same_stack_twice_is_refused() -> None:
    assert error_of([STATE / SAMPLE, STATE / SAMPLE]) == (
        f"{STATE / SAMPLE}: stack sample/dev is given twice ({STATE / SAMPLE} and {STATE / SAMPLE}): give each "
        f"stack once")


def test_nothing_given_and_stack_without_backend() -> None:
    assert error_of([]) == ("--state: no state given: give --state FILE (repeatable) or --backend URL "
                            "(file://DIR, s3://BUCKET[/prefix] or https://api.pulumi.com)")
    assert error_of([STATE / SAMPLE], stacks=("sample/dev",)) == (
        "--stack: --stack selects stacks of a backend: give --backend URL too, or leave --stack out")


def test_pulumi_backend_url_names_the_backend_when_nothing_is_given() -> None:
    sets = states([], env={"PULUMI_BACKEND_URL": f"file://{LEGACY}"})
    assert [s.name for s in sets] == ["sample/dev"]


# ---------------------------------------------------------------- --backend file://DIR


def test_file_backend_reads_every_stack_plain_and_gzipped() -> None:
    sets = states([], f"file://{DIY}")
    assert [s.name for s in sets] == ["orders/prod", "sample/dev", "sample/fresh"]
    assert sets[0].origin == f"file://{DIY}/.pulumi/stacks/orders/prod.json"
    assert sets[1].origin == f"file://{DIY}/.pulumi/stacks/sample/dev.json.gz"
    assert sets[0].resources == tuple(load_state(STATE / ESTATE).resources)
    assert sets[1].resources == tuple(load_state(STATE / SAMPLE).resources)
    assert sets[2].resources == ()
    assert sets[2].warnings == (f"{sets[2].origin}: the stack has no deployment yet: it is empty",)


def test_file_backend_relative_folder_and_chosen_stacks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DIY.parent)
    sets = states([], "file://./diy", ("orders/prod", "dev"))
    assert [(s.name, s.origin) for s in sets] == [
        ("orders/prod", "file://./diy/.pulumi/stacks/orders/prod.json"),
        ("sample/dev", "file://./diy/.pulumi/stacks/sample/dev.json.gz")]


def test_legacy_layout_without_projects_names_the_stack_from_its_urns() -> None:
    [legacy] = states([], f"file://{LEGACY}", ("sample/dev",))
    assert (legacy.name, legacy.origin) == ("sample/dev", f"file://{LEGACY}/.pulumi/stacks/dev.json")
    assert len(legacy.resources) == 4


def test_state_files_and_a_backend_together() -> None:
    sets = states([STATE / ESTATE], f"file://{LEGACY}")
    assert [s.name for s in sets] == ["orders/prod", "sample/dev"]
    assert error_of([STATE / SAMPLE], f"file://{LEGACY}").endswith(
        "stack sample/dev is given twice (" f"{STATE / SAMPLE} and file://{LEGACY}/.pulumi/stacks/dev.json): "
        "give each stack once")


def test_unknown_stack_lists_the_stacks_found() -> None:
    assert error_of([], f"file://{DIY}", ("orders/staging",)) == (
        f"file://{DIY}: no stack orders/staging in this backend (found: orders/prod, sample/dev, sample/fresh): "
        f"give one of them with --stack")


def test_a_stack_name_in_two_projects_is_ambiguous(tmp_path: Path) -> None:
    root = copy_diy(tmp_path)
    shutil.copy(root / ".pulumi/stacks/orders/prod.json", root / ".pulumi/stacks/sample/prod.json")
    assert error_of([], f"file://{root}", ("prod",)) == (
        f"file://{root}: --stack prod matches 2 stacks (orders/prod, sample/prod): give project/stack")


def test_folder_without_pulumi_stacks(tmp_path: Path) -> None:
    assert error_of([], f"file://{tmp_path}") == (
        f"file://{tmp_path}: no Pulumi state here (no .pulumi/stacks folder in {tmp_path}): give the URL you "
        f"logged in to with 'pulumi login'")


def test_corrupt_gzip_names_the_checkpoint(tmp_path: Path) -> None:
    root = copy_diy(tmp_path)
    gz = root / ".pulumi/stacks/sample/dev.json.gz"
    gz.write_bytes(gz.read_bytes()[:200])  # truncated
    assert error_of([], f"file://{root}", ("sample/dev",)) == (
        f"file://{root}/.pulumi/stacks/sample/dev.json.gz: the gzipped checkpoint is corrupt or truncated: restore "
        f"it from the backend's .pulumi/backups, or export the stack and give it with --state")
    gz.write_bytes(b"not gzip at all")
    assert "the gzipped checkpoint is corrupt or truncated" in error_of([], f"file://{root}", ("sample/dev",))


def test_newer_of_json_and_json_gz_wins_with_a_warning(tmp_path: Path) -> None:
    root = copy_diy(tmp_path)
    stacks = root / ".pulumi/stacks/sample"
    (stacks / "dev.json").write_bytes(gzip.decompress((stacks / "dev.json.gz").read_bytes()))
    os.utime(stacks / "dev.json.gz", (1_000_000, 1_000_000))
    [dev] = states([], f"file://{root}", ("sample/dev",))
    assert dev.origin.endswith("/sample/dev.json")
    assert dev.warnings[0] == (f"file://{root}/.pulumi/stacks/sample/dev.json.gz and {dev.origin} both hold stack "
                               f"sample/dev: read the newer, {dev.origin}")


@pytest.mark.parametrize(("content", "expected"), [
    ({"version": 3, "deployment": {"resources": []}}, None),
    ({"version": 1, "checkpoint": {}}, "checkpoint version 1 is not supported: upgrade it by running 'pulumi "
                                       "refresh' on the stack with Pulumi CLI 3.x"),
    ({"checkpoint": {}}, "the checkpoint has no numeric 'version': it is not a Pulumi checkpoint, or is damaged; "
                         "restore it from the backend's .pulumi/backups, or export the stack and give it with --state"),
    ({"version": 3, "stack": "x"}, "not a Pulumi checkpoint (no 'checkpoint' object at the top level): restore it "
                                   "from the backend's .pulumi/backups, or export the stack and give it with --state"),
    ({"version": 3, "checkpoint": {"latest": {"manifest": {}, "resources": [{"urn": "urn:pulumi:a::b::t::n"}]}}},
     "checkpoint.latest.resources[0] (urn:pulumi:a::b::t::n) has no 'type'"),
    ([1, 2], "expected a JSON object at the top level"),
])
def test_damaged_checkpoints(tmp_path: Path, content: Any, expected: str | None) -> None:
    stacks = tmp_path / ".pulumi/stacks/p"
    stacks.mkdir(parents=True)
    (stacks / "s.json").write_text(json.dumps(content))
    where = f"file://{tmp_path}/.pulumi/stacks/p/s.json"
    if expected is None:  # an export placed in the backend's folder is read as one
        assert states([], f"file://{tmp_path}")[0].name == "p/s"
        return
    message = error_of([], f"file://{tmp_path}")
    assert message.startswith(f"{where}: ") and expected.removeprefix("checkpoint.latest.") in message


def test_invalid_json_names_line_and_column_without_quoting(tmp_path: Path) -> None:
    root = copy_diy(tmp_path)
    prod = root / ".pulumi/stacks/orders/prod.json"
    text = prod.read_text()
    cut = text.index("v1:AbCdEfGhIjKlMnOp") + 10
    prod.write_text(text[:cut])  # cut inside a ciphertext
    message = error_of([], f"file://{root}", ("orders/prod",))
    assert message.startswith(f"file://{root}/.pulumi/stacks/orders/prod.json: invalid JSON (Unterminated string "
                              f"starting at) at line ")
    assert "AbCdE" not in message


def test_unsupported_backend_scheme() -> None:
    assert error_of([], "gs://user:pw@bucket/x?k=v") == (
        "gs://bucket/x: this backend is not supported: use file://DIR, s3://BUCKET[/prefix] or "
        "https://api.pulumi.com, or export the stack with 'pulumi stack export --file FILE' and give it with --state")


# ---------------------------------------------------------------- secrets stay encrypted


def test_ciphertexts_are_unknown_and_never_kept_printed_or_quoted(tmp_path: Path) -> None:
    secrets = ciphertexts(DIY / ".pulumi/stacks/orders/prod.json")
    assert len(secrets) == 4
    [prod] = states([], f"file://{DIY}", ("orders/prod",))
    version = next(r for r in prod.resources if r.type.endswith("SecretVersion"))
    assert version.props["secretString"] is UNKNOWN and version.props["secretBinary"] is UNKNOWN
    shown = repr(prod) + str(prod)
    assert not any(s in shown or s.split(":")[-1] in shown for s in secrets)
    root = copy_diy(tmp_path)   # and no error quotes one: a resource without a type, beside its secret outputs
    prod_file = root / ".pulumi/stacks/orders/prod.json"
    data = json.loads(prod_file.read_text())
    for res in data["checkpoint"]["latest"]["resources"]:
        if res["type"].endswith("SecretVersion"):
            del res["type"]
    prod_file.write_text(json.dumps(data))
    message = error_of([], f"file://{root}", ("orders/prod",))
    assert "has no 'type'" in message and not any(s.split(":")[-1] in message for s in secrets)
