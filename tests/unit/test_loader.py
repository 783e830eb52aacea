"""Control loading: each bad input gives one line naming file, line, control and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.catalog.loader import ControlLoadError, load_catalog
from checks.errors import InputError
from tests.unit.conftest import CONTROL


def write(folder: Path, text: str, name: str = "key-01.yaml") -> Path:
    path = folder / name
    path.write_text(text)
    return path


def errors_for(folder: Path) -> list[str]:
    with pytest.raises(ControlLoadError) as info:
        load_catalog(folder)
    return info.value.errors


def test_valid_control_loads_with_its_line(controls_dir: Path) -> None:
    catalog = load_catalog(controls_dir)
    control = catalog.controls["KEY-01"]
    assert control.params == {"max_rotation_days": 365}
    assert control.line == 1 and control.file.endswith("key-01.yaml")


def test_broken_yaml_names_file_line_and_column(tmp_path: Path) -> None:
    write(tmp_path, "id: KEY-01\ntitle: [unclosed\nseverity: high\n")
    [line] = errors_for(tmp_path)
    assert line.startswith(f"{tmp_path}/key-01.yaml:3:9: invalid YAML:")
    assert "\n" not in line


def test_unknown_field_is_named_with_its_line(tmp_path: Path) -> None:
    write(tmp_path, CONTROL + "asert: typo\n")
    assert errors_for(tmp_path) == [
        f"{tmp_path}/key-01.yaml:13: control KEY-01: field 'asert': unknown field (allowed: applies_if, assert, "
        "claim, description, frameworks, id, kind, message, params, reads, remediation, severity, tags, title)"
    ]


def test_bad_jmespath_names_the_field_and_column(tmp_path: Path) -> None:
    write(tmp_path, CONTROL.replace("assert: \"rotation.enabled == `true`", "assert: \"rotation.enabled == == `true`"))
    [line] = errors_for(tmp_path)
    assert line.startswith(f"{tmp_path}/key-01.yaml:7: control KEY-01: field 'assert': invalid JMESPath at column 21")


def test_unknown_function_is_rejected_at_load_time(tmp_path: Path) -> None:
    write(tmp_path, CONTROL.replace("applies_if: \"manager == 'customer'",
                                    "applies_if: \"no_such(manager) == 'customer'"))
    assert errors_for(tmp_path) == [
        f"{tmp_path}/key-01.yaml:6: control KEY-01: field 'applies_if': unknown function no_such()"]


def test_reads_path_the_kind_does_not_have(tmp_path: Path) -> None:
    write(tmp_path, CONTROL.replace("rotation.period_days]", "rotation.period]"))
    errs = errors_for(tmp_path)
    assert errs[0] == (f"{tmp_path}/key-01.yaml:5: control KEY-01: field 'reads.3': 'rotation.period' is not an "
                       "attribute of kms.key (see policies/schema/assets/kms.key.schema.json)")


def test_expression_reading_an_undeclared_attribute(tmp_path: Path) -> None:
    write(tmp_path, CONTROL.replace("reads: [manager, spec,", "reads: [manager,"))
    assert errors_for(tmp_path) == [
        f"{tmp_path}/key-01.yaml:6: control KEY-01: field 'applies_if': reads spec which is not listed in 'reads' "
        "(add it there)"]


def test_tags_must_be_listed_in_reads_unlike_the_other_identity_fields(tmp_path: Path) -> None:
    # a live read of tags can fail: only a listed read turns that into an error result instead of a judgement on {}
    write(tmp_path, CONTROL.replace("applies_if: \"manager == 'customer'",
                                    "applies_if: \"tags.owner && name && manager == 'customer'")
          .replace("message: \"KMS key {name}:", "message: \"KMS key {name} of {tags.owner}:"))
    assert errors_for(tmp_path) == [
        f"{tmp_path}/key-01.yaml:6: control KEY-01: field 'applies_if': reads tags which is not listed in 'reads' "
        "(add it there)",
        f"{tmp_path}/key-01.yaml:9: control KEY-01: field 'message': placeholder {{tags.owner}} is not listed in "
        "'reads'"]
    write(tmp_path, CONTROL.replace("applies_if: \"manager == 'customer'",
                                    "applies_if: \"tags.owner && manager == 'customer'")
          .replace("reads: [manager,", "reads: [tags, manager,"))
    assert load_catalog(tmp_path).controls["KEY-01"].reads[0] == "tags"


def test_unknown_kind(tmp_path: Path) -> None:
    write(tmp_path, CONTROL.replace("kind: kms.key", "kind: kms.keys"))
    [line] = errors_for(tmp_path)
    assert line.startswith(f"{tmp_path}/key-01.yaml:4: control KEY-01: field 'kind': unknown asset kind 'kms.keys'")


def test_unknown_framework_and_requirement(tmp_path: Path) -> None:
    write(tmp_path, CONTROL.replace("frameworks: {soc2: [CC6.1]}", "frameworks: {soc2: [CC9.9], pci: [PCI-1]}"))
    errs = errors_for(tmp_path)
    assert errs[0].startswith(f"{tmp_path}/key-01.yaml:12: control KEY-01: field 'frameworks.soc2.0': 'CC9.9' is not "
                              "a requirement of SOC 2")
    assert errs[1].startswith(f"{tmp_path}/key-01.yaml:12: control KEY-01: field 'frameworks.pci': unknown framework")


def test_missing_required_field_and_bad_severity(tmp_path: Path) -> None:
    write(tmp_path, CONTROL.replace("severity: high\n", "severity: urgent\n").replace("message: ", "mesage: "))
    errs = errors_for(tmp_path)
    assert f"{tmp_path}/key-01.yaml:1: control KEY-01: field '(document)': 'message' is missing" in errs
    assert any("field 'severity': 'urgent' is not one of" in e and ":3:" in e for e in errs)


def test_undefined_param_is_rejected(tmp_path: Path) -> None:
    write(tmp_path, CONTROL.replace("params: {max_rotation_days: 365}", "params: {max_days: 365}"))
    assert errors_for(tmp_path) == [
        f"{tmp_path}/key-01.yaml:7: control KEY-01: field 'assert': uses params.max_rotation_days which 'params' "
        "does not define"]


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    write(tmp_path, CONTROL)
    write(tmp_path, CONTROL, "key-01.yml")
    assert any("duplicate id, also defined in" in e for e in errors_for(tmp_path))


def test_file_name_must_match_id(tmp_path: Path) -> None:
    write(tmp_path, CONTROL, "rotation.yaml")
    assert errors_for(tmp_path) == [
        f"{tmp_path}/rotation.yaml:1: control KEY-01: field 'id': must match the file name 'rotation' "
        "(rename the file to key-01.yaml)"]


def test_all_problems_of_all_files_are_reported_each_on_one_line(tmp_path: Path) -> None:
    write(tmp_path, CONTROL.replace("asert", "").replace("kind: kms.key", "kind: nope.nope"))
    write(tmp_path, "id: [", "key-02.yaml")
    err = errors_for(tmp_path)
    assert len(err) == 2 and all("\n" not in e for e in err)


def test_missing_controls_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="controls folder not found"):
        load_catalog(tmp_path / "nope")


@pytest.mark.parametrize(("message", "expected"), [
    # an expression placeholder (a plain word for a value that may be null) reads only what `reads` lists
    ("{rotation.enabled && 'on' || 'off (never rotates)'}", None),
    ("{rotation.enabled && join('', ['every ', to_string(rotation.period_days), ' days']) || 'never'}", None),
    ("{rotation.enabled && to_string(origin) || 'off'}", "is not listed in 'reads'"),
    ("{not_null(rotation.period_days, params.max_rotation_days)}", None),
    ("{not_null(rotation.period_days, params.max_days)}", "names a parameter that 'params' does not define"),
])
def test_message_placeholder_expressions_read_only_listed_fields(tmp_path: Path, message: str,
                                                                 expected: str | None) -> None:
    write(tmp_path, CONTROL.replace('message: "KMS key {name}: rotation is {rotation.enabled}"',
                                    f'message: "KMS key {{name}}: rotation {message}"'))
    if expected is None:
        assert load_catalog(tmp_path).controls["KEY-01"]
    else:
        assert errors_for(tmp_path) == [
            f"{tmp_path}/key-01.yaml:9: control KEY-01: field 'message': placeholder {message} {expected}"]
