"""Hostile preview files: one line naming the file (and step or line), never a traceback, never a vanished
resource."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checks.errors import InputError
from checks.model import UNKNOWN, Secret
from checks.raw import SECRET_SIG, SIG_KEY, convert_value
from checks.sources.preview import load_preview

FIXTURES = Path(__file__).parent.parent / "fixtures" / "preview"
SAMPLE = FIXTURES / "sample_creates_typescript_v6_bucket.json"
REGEN = "regenerate it with 'pulumi preview --json > preview.json'"
SUFFIX = f": the file is not a complete preview; {REGEN}"
DOCS = "urn:pulumi:dev::sample::aws:s3/bucket:Bucket::docs"


@pytest.fixture
def in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def error_of(text: str) -> str:
    Path("preview.json").write_text(text)
    with pytest.raises(InputError) as info:
        load_preview(Path("preview.json"))
    assert "\n" not in str(info.value)
    return str(info.value)


def sample() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SAMPLE.read_text())
    return data


def test_steps_null_is_an_error(in_tmp: Path) -> None:
    assert error_of('{"steps": null}') == f"preview.json: 'steps' is null{SUFFIX}"


@pytest.mark.parametrize("op", ["create", "update", "same", "replace", "create-replacement", "import"])
@pytest.mark.parametrize("missing", [lambda s: s.pop("newState"), lambda s: s.update(newState=None)])
def test_a_step_without_new_state_does_not_vanish(in_tmp: Path, op: str, missing: Any) -> None:
    data = sample()
    data["steps"][1]["op"] = op
    missing(data["steps"][1])
    assert error_of(json.dumps(data)) == f"preview.json: steps[1] ({DOCS}) is a '{op}' step without 'newState'{SUFFIX}"


def test_delete_steps_without_new_state_are_skipped(in_tmp: Path) -> None:
    data = sample()
    data["steps"][1]["op"] = "delete"
    data["steps"][1]["oldState"] = data["steps"][1].pop("newState")
    Path("preview.json").write_text(json.dumps(data))
    assert "docs" not in [r.name for r in load_preview(Path("preview.json")).resources]


def test_json_nested_500_deep_in_inputs(in_tmp: Path) -> None:
    data = sample()
    data["steps"][1]["newState"]["inputs"]["tags"] = "DEEP"
    text = json.dumps(data).replace('"DEEP"', "[" * 500 + "]" * 500)
    assert error_of(text) == f"preview.json: the JSON is nested too deeply to read (more than 100 levels): {REGEN}"


def test_brackets_inside_strings_do_not_count(in_tmp: Path) -> None:
    data = sample()
    data["steps"][1]["newState"]["inputs"]["tags"] = {"note": "[" * 500 + '\\"{'}
    Path("preview.json").write_text(json.dumps(data))
    assert len(load_preview(Path("preview.json")).resources) == 4


def test_a_5000_digit_integer(in_tmp: Path) -> None:
    text = json.dumps(sample(), indent=1).replace('"steps": [', '"x": ' + "9" * 5000 + ',\n "steps": [', 1)
    line = text[: text.index("9" * 5000)].count("\n") + 1
    assert error_of(text) == f"preview.json:{line}: a number has more than 4300 digits: the file is damaged; {REGEN}"


@pytest.mark.parametrize(("plaintext", "expected"), [
    (5, UNKNOWN),                                 # not JSON text: the value cannot be read
    (None, UNKNOWN),
    ({"a": 1}, UNKNOWN),
    ("[" * 5000 + "]" * 5000, UNKNOWN),           # deeper than json.loads reads
    ("[" * 60 + "]" * 60, UNKNOWN),               # deeper than MAX_PLAINTEXT_DEPTH
    ('{"a": [1, 2.0]}', Secret({"a": [1, 2]})),
    ("hunter2", Secret("hunter2")),               # not JSON: the text itself
    ("1" * 5000, Secret("1" * 5000)),             # more digits than int() converts: the text itself
])
def test_hostile_secret_plaintext_never_crashes(plaintext: Any, expected: Any) -> None:
    value = convert_value({SIG_KEY: SECRET_SIG, "plaintext": plaintext})
    if expected is UNKNOWN:
        assert value is UNKNOWN
    else:
        assert isinstance(value, Secret) and value.value == expected.value
