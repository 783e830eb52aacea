"""checks/checkov/merge.py and scan.py: checkov's results as clearance findings in clearance's report."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest

from checks.baseline import Baseline, BaselineEntry, apply_baseline
from checks.catalog.loader import load_catalog
from checks.checkov.merge import (
    DEFAULT_SEVERITY,
    Merged,
    Target,
    is_checkov_id,
    load_equivalents,
    merge_results,
    merged_report,
    targets,
)
from checks.checkov.runner import parse_output
from checks.checkov.scan import with_checkov
from checks.engine import fingerprint
from checks.errors import ClearanceError, InputError
from checks.flows.assess import Options, prepare
from checks.model import Asset, Finding, Location, Severity, SourceKind, Status
from checks.raw import RawResource
from checks.report import Report
from checks.waivers import Waiver
from reports.base import get_renderer
from reports.json import report_schema_path

DATA = Path(__file__).parent / "data"
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
RESULT = parse_output((DATA / "checkov-output.json").read_text())
KEY_URN = "urn:pulumi:dev::app::aws:kms/key:Key::data"
SG_URN = "urn:pulumi:dev::app::aws:ec2/securityGroup:SecurityGroup::web"
KEY = Asset(kind="kms.key", id=KEY_URN, name="data", source=SourceKind.PLANNED, attributes={}, urn=KEY_URN,
            location=Location("__main__.py", 10))
SG = Asset(kind="ec2.security_group", id=SG_URN, name="web", source=SourceKind.PLANNED, attributes={}, urn=SG_URN,
           location=Location("__main__.py", 20))
WHERE = {"aws_kms_key.data": Target(KEY, "aws_kms_key.data"), "aws_security_group.web": Target(SG, "aws_sg.web")}
EQUIVALENTS = {"CKV_AWS_7": ("KEY-01",), "CKV_AWS_24": ("NET-03",), "CKV_AWS_25": ("NET-03",)}


def clearance(control: str, asset: Asset, status: Status, detail: str | None = None) -> Finding:
    return Finding(control_id=control, severity=Severity.HIGH, status=status, asset_kind=asset.kind,
                   asset_id=asset.id, asset_name=asset.name, source=SourceKind.PLANNED, message=f"{control} says so",
                   fingerprint=fingerprint(control, asset), location=asset.location, detail=detail)


def waiver(control: str, asset: str, expires: dt.date = dt.date(2027, 1, 31)) -> Waiver:
    return Waiver(control, asset, "accepted", "sec@example.com", expires, "waivers.yaml", 3, 1)


def merged(waivers: list[Waiver] | None = None) -> tuple[dict[tuple[str, str], Finding], Merged]:
    ours = [clearance("KEY-01", KEY, Status.FAIL), clearance("NET-03", SG, Status.FAIL, detail="port 22")]
    out = merge_results(ours, RESULT, WHERE, equivalents=EQUIVALENTS, waivers=waivers or [], now=NOW,
                        view=SourceKind.PLANNED)
    return {(f.control_id, f.asset_name): f for f in out.findings}, out


def test_equivalent_results_that_agree_are_shown_once_with_both_ids() -> None:
    found, out = merged()
    assert found[("KEY-01", "data")].detail == "also checkov CKV_AWS_7"
    assert found[("NET-03", "web")].detail == "port 22; also checkov CKV_AWS_24"
    assert ("CKV_AWS_7", "data") not in found and ("CKV_AWS_24", "web") not in found
    # checkov passes RDP where NET-03 fails the group (for SSH): they disagree, so checkov's result stays
    assert found[("CKV_AWS_25", "web")].status is Status.PASS


def test_a_checkov_failure_is_a_finding_on_the_pulumi_resource() -> None:
    found, out = merged()
    f = found[("CKV2_AWS_64", "data")]
    assert f == Finding(control_id="CKV2_AWS_64", severity=DEFAULT_SEVERITY, status=Status.FAIL, asset_kind="kms.key",
                        asset_id=KEY_URN, asset_name="data", source=SourceKind.PLANNED,
                        message="data: Ensure KMS key Policy is defined (checkov CKV2_AWS_64)",
                        fingerprint=fingerprint("CKV2_AWS_64", KEY), location=Location("__main__.py", 10),
                        detail="checkov CKV2_AWS_64 on aws_kms_key.data; evaluated policy, resource_type")
    control = out.controls["CKV2_AWS_64"]
    assert (control.title, control.severity, control.tags) == ("Ensure KMS key Policy is defined", Severity.MEDIUM,
                                                               ("checkov",))
    assert "CKV_AWS_7" not in out.controls  # shown only as a note on KEY-01


def test_the_provider_block_of_the_converted_plan_is_left_out_and_counted() -> None:
    found, out = merged()
    assert not any(f.asset_id == "aws.default" for f in out.findings)
    assert out.provider_results == 1 and out.warnings == ()


def test_waivers_of_checkov_ids_apply_and_report_their_problems() -> None:
    found, out = merged([waiver("CKV2_AWS_5", "web"), waiver("CKV_AWS_23", "web"),
                         waiver("CKV2_AWS_64", "data", expires=dt.date(2026, 11, 1))])
    assert found[("CKV2_AWS_5", "web")].status is Status.WAIVED
    assert found[("CKV2_AWS_5", "web")].waiver is not None
    assert found[("CKV2_AWS_64", "data")].status is Status.FAIL  # expired: no longer waives
    assert out.waiver_problems == (
        "waivers.yaml:3: waiver of CKV2_AWS_64 for 'data' (approved by sec@example.com) expired on 2026-11-01: it no "
        "longer waives; renew or remove it",
        "waivers.yaml:3: waiver of CKV_AWS_23 for 'web' (approved by sec@example.com) matched no failing resource: "
        "remove it if it is no longer needed")


def test_the_baseline_matches_checkov_findings_by_fingerprint() -> None:
    found, out = merged()
    entry = BaselineEntry(fingerprint("CKV2_AWS_64", KEY), "CKV2_AWS_64", KEY_URN, "data")
    applied = apply_baseline(Baseline("b.yaml", (entry,)), out.findings, "t")
    assert [f.control_id for f in applied.findings if f.in_baseline] == ["CKV2_AWS_64"]


def test_a_result_on_an_address_without_a_pulumi_resource_is_kept_and_warned() -> None:
    where = {"aws_kms_key.data": WHERE["aws_kms_key.data"]}
    out = merge_results([], RESULT, where, equivalents={}, waivers=[], now=NOW, view=SourceKind.PLANNED)
    strays = {f.asset_id for f in out.findings if f.asset_kind == "terraform:aws_security_group"}
    assert strays == {"aws_security_group.web"}
    assert out.warnings == ("checkov judged 1 address(es) that are no Pulumi resource: aws_security_group.web",)


def test_a_side_resource_is_its_own_asset_and_names_its_owner() -> None:
    rule_urn = "urn:pulumi:dev::app::aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::ssh"
    rule = RawResource(type="aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", urn=rule_urn, name="ssh",
                       props={}, source=SourceKind.PLANNED, location=Location("__main__.py", 30),
                       property_dependencies={"securityGroupId": (SG_URN,)})
    got = targets({"aws_vpc_security_group_ingress_rule.ssh": rule_urn, "aws_security_group.web": SG_URN},
                  [rule], [KEY, SG], SourceKind.PLANNED)
    side = got["aws_vpc_security_group_ingress_rule.ssh"]
    assert (side.asset.kind, side.asset.name, side.asset.location) == (rule.type, "ssh", Location("__main__.py", 30))
    assert side.owners == (SG,)
    assert got["aws_security_group.web"].asset is SG


def report_with(findings: tuple[Finding, ...]) -> Report:
    catalog = load_catalog()
    return Report(findings=findings, controls={"KEY-01": catalog.controls["KEY-01"],
                                               "NET-03": catalog.controls["NET-03"]},
                  view=SourceKind.PLANNED, target="program app/ (stack dev)", asset_count=2, generated_at=NOW,
                  tool_version="0")


def test_reports_describe_checkov_checks(tmp_path: Path) -> None:
    found, out = merged()
    report = merged_report(report_with(()), out, RESULT, 2)
    assert report.warnings[-1] == (
        "checkov 3.3.30 scanned 2 of the 2 converted Terraform resources (checkov severities default to medium: "
        "checkov gives none without a Prisma Cloud API key); 1 result on the converted plan's provider block left "
        "out (the converter makes it; the program does not declare it)")
    doc = json.loads(get_renderer("json").render(report))
    jsonschema.validate(doc, json.loads(report_schema_path().read_text()))
    assert doc["controls"]["CKV2_AWS_64"]["title"] == "Ensure KMS key Policy is defined"
    sarif = json.loads(get_renderer("sarif").render(report))
    rule = next(r for r in sarif["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "CKV2_AWS_64")
    assert rule["shortDescription"]["text"] == "Ensure KMS key Policy is defined"
    assert "CKV2_AWS_64" in get_renderer("console").render(report)


def test_equivalents_name_checkov_ids_and_catalog_controls() -> None:
    table = load_equivalents()
    controls = load_catalog().controls
    assert table["CKV_AWS_7"] == ("KEY-01",) and table["CKV2_AWS_12"] == ("NET-11",)
    assert all(is_checkov_id(k) for k in table)
    assert {c for ids in table.values() for c in ids} <= set(controls)


def test_a_bad_equivalents_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "eq.yaml"
    bad.write_text("equivalents:\n  KEY-01: [CKV_AWS_7]\n")
    with pytest.raises(InputError) as err:
        load_equivalents(bad)
    assert str(err.value) == f"{bad}:2: 'KEY-01' must be a checkov id mapped to a list of control ids"


@pytest.mark.parametrize(("text", "ok"), [("CKV_AWS_7", True), ("CKV2_AWS_12", True), ("KEY-01", False),
                                          ("CKV", False), ("CKV_", False), ("ckv_aws_7", False)])
def test_checkov_ids(text: str, ok: bool) -> None:
    assert is_checkov_id(text) is ok


def test_waivers_may_name_checkov_checks_only_with_checkov(tmp_path: Path) -> None:
    file = tmp_path / "waivers.yaml"
    file.write_text("waivers:\n"
                    "  - {control: KEY-01, asset: data, reason: r, approver: a, expires: 2026-12-31}\n"
                    "  - {control: CKV_AWS_7, asset: data, reason: r, approver: a, expires: 2026-12-31}\n")
    prepared = prepare(Options(anchor=tmp_path, waivers=file, other_ids=is_checkov_id), NOW)
    assert [w.control for w in prepared.waivers] == ["KEY-01"]
    assert [w.control for w in prepared.other_waivers] == ["CKV_AWS_7"]
    with pytest.raises(InputError, match="waiver #2: field 'control': unknown control 'CKV_AWS_7'"):
        prepare(Options(anchor=tmp_path, waivers=file), NOW)


def test_nothing_convertible_is_an_error(tmp_path: Path) -> None:
    raw = RawResource(type="aws:nothing/thing:Thing", urn="urn:pulumi:dev::app::aws:nothing/thing:Thing::x",
                      name="x", props={}, source=SourceKind.PLANNED)
    with pytest.raises(ClearanceError) as err:
        with_checkov(report_with(()), [raw], [], executable=tmp_path / "checkov", waivers=[], now=NOW)
    assert str(err.value) == ("--with-checkov: checkov has nothing to scan: none of the 1 resources has a Terraform "
                              "resource type clearance converts (leave out --with-checkov for this program)")
