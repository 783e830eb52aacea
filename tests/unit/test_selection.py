"""Which controls run (--check, --skip-check, --severity, --framework), and the honesty of coverage when some do not."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.catalog.controls import Control
from checks.catalog.frameworks import Framework
from checks.catalog.loader import load_catalog
from checks.coverage import CoverageStatus, coverage
from checks.errors import InputError
from checks.flows.assess import Options, prepare, selection_note
from checks.model import Finding, Severity, SourceKind, Status
from checks.selection import Selection


@pytest.fixture(scope="module")
def catalog_ids() -> list[str]:
    return sorted(load_catalog().controls)


def chosen(selection: Selection) -> list[str]:
    return sorted(c.id for c in load_catalog().controls.values() if selection.matches(c))


def test_option_values_are_split_and_normalized() -> None:
    sel = Selection.of(check=["net-0*, KEY-01", "key-01"], skip_check=["Net-03"], severity=["HIGH,critical"],
                       framework=["SOC2"])
    assert sel == Selection(checks=("NET-0*", "KEY-01"), skip_checks=("NET-03",),
                            severities=(Severity.HIGH, Severity.CRITICAL), frameworks=("soc2",))
    assert sel.describe() == "--check NET-0*,KEY-01 --skip-check NET-03 --severity high,critical --framework soc2"
    assert Selection.of().everything and not sel.everything


def test_check_globs_and_skip_wins(catalog_ids: list[str]) -> None:
    nets = [cid for cid in catalog_ids if cid.startswith("NET-")]
    assert chosen(Selection.of(check=["net-*"])) == nets
    assert chosen(Selection.of(check=["NET-*", "KEY-01"], skip_check=["NET-01", "KEY-01"])) == nets[1:]
    assert chosen(Selection.of(skip_check=["*-0?"])) == [c for c in catalog_ids if not c[-2:].startswith("0")]
    assert chosen(Selection()) == catalog_ids


def test_severity_is_a_list_and_framework_an_intersection() -> None:
    controls = load_catalog().controls.values()
    assert chosen(Selection.of(severity=["critical", "low"])) == sorted(
        c.id for c in controls if c.severity in (Severity.CRITICAL, Severity.LOW))
    cis_high = chosen(Selection.of(severity=["high"], framework=["cis_aws_v3"]))
    assert cis_high == sorted(c.id for c in controls if c.severity is Severity.HIGH and "cis_aws_v3" in c.frameworks)
    assert cis_high and len(cis_high) < len(chosen(Selection.of(severity=["high"])))


@pytest.mark.parametrize(("selection", "message"), [
    (Selection.of(check=["NOPE-*"]), "--check: 'NOPE-*' matches no control (known: BAK-01, BAK-02,"),
    (Selection.of(skip_check=["KEY-99"]), "--skip-check: 'KEY-99' matches no control (known: BAK-01,"),
    (Selection.of(framework=["pci"]),
     "--framework: unknown framework 'pci' (known: cis_aws_v3, iso27001_2022, nist_800_53, soc2, statement)"),
    (Selection.of(check=["KEY-01"], skip_check=["KEY-*"]),
     "--check KEY-01 --skip-check KEY-* selects no control (list them with 'clearance controls list')"),
])
def test_what_cannot_be_meant_is_one_line_naming_the_option(selection: Selection, message: str) -> None:
    catalog = load_catalog()
    with pytest.raises(InputError) as err:
        selection.validate(catalog.controls.values(), catalog.frameworks)
    assert err.value.render().startswith(message)
    assert "\n" not in err.value.render()


def test_an_unknown_severity_names_the_known_ones() -> None:
    with pytest.raises(InputError) as err:
        Selection.of(severity=["high,urgent"])
    assert err.value.render() == "--severity: unknown severity 'urgent' (known: critical, high, medium, low)"


def test_prepare_runs_only_the_selected_controls(tmp_path: Path) -> None:
    prepared = prepare(Options(anchor=tmp_path, selection=Selection.of(check=["KEY-*"], framework=["soc2"])))
    everything = load_catalog()
    keys = sorted(cid for cid, c in everything.controls.items() if cid.startswith("KEY-") and "soc2" in c.frameworks)
    assert sorted(prepared.catalog.controls) == keys
    assert sorted(prepared.not_run) == sorted(set(everything.controls) - set(keys))
    assert list(prepared.catalog.frameworks) == ["soc2"]  # the coverage shows only the chosen framework
    assert selection_note(prepared) == [
        f"--check KEY-* --framework soc2: {len(keys)} of {len(everything.controls)} controls evaluated; the other "
        f"{len(everything.controls) - len(keys)} did not run, and the framework requirements they back are not "
        "fully evaluated (incomplete in the coverage)"]
    assert selection_note(prepare(Options(anchor=tmp_path))) == []


def finding(control: Control, status: Status) -> Finding:
    return Finding(control_id=control.id, severity=control.severity, status=status, asset_kind=control.kind,
                   asset_id="a", asset_name="a", source=SourceKind.PLANNED, message="m", fingerprint=control.id)


def shared_requirement() -> tuple[Framework, str, list[Control]]:
    """A CIS requirement that several controls back, and those controls."""
    catalog = load_catalog()
    fw = catalog.frameworks["cis_aws_v3"]
    for rid in fw.requirements:
        mapped = [c for c in catalog.controls.values() if rid in c.frameworks.get("cis_aws_v3", ())]
        if len(mapped) > 1:
            return fw, rid, mapped
    raise AssertionError("no CIS requirement is backed by two controls")


def test_coverage_never_calls_a_requirement_met_by_controls_that_did_not_run() -> None:
    fw, rid, mapped = shared_requirement()
    ran, rest = mapped[0], mapped[1:]
    passing = [finding(ran, Status.PASS)]
    # the requirement's controls all ran and passed: pass
    full = coverage({fw.id: fw}, mapped, [finding(c, Status.PASS) for c in mapped])[0]
    assert next(r for r in full.requirements if r.id == rid).status is CoverageStatus.PASS
    # only one of them ran: incomplete, not pass; those that did not run are no-data
    part = coverage({fw.id: fw}, [ran], passing, not_run=rest)[0]
    req = next(r for r in part.requirements if r.id == rid)
    assert req.status is CoverageStatus.INCOMPLETE
    assert req.controls == {c.id: CoverageStatus.PASS if c is ran else CoverageStatus.NO_DATA
                            for c in sorted(mapped, key=lambda c: c.id)}
    # a requirement none of whose controls ran is incomplete, never manual (nothing to check)
    catalog = load_catalog()
    none_ran = coverage({fw.id: fw}, [], [], not_run=catalog.controls.values())[0]
    automated = [r for r in none_ran.requirements if not r.manual]
    assert automated and all(r.status is CoverageStatus.INCOMPLETE for r in automated)
    assert all(r.status is CoverageStatus.MANUAL for r in none_ran.requirements if r.manual)


def test_a_failure_stays_a_failure_when_other_controls_did_not_run() -> None:
    fw, rid, mapped = shared_requirement()
    result = coverage({fw.id: fw}, mapped[:1], [finding(mapped[0], Status.FAIL)], not_run=mapped[1:])[0]
    assert next(r for r in result.requirements if r.id == rid).status is CoverageStatus.FAIL
