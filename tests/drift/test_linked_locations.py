"""Live findings placed where Pulumi declared the resource: `clearance drift`'s live assets matched to a state asset
take its source location (repository-relative through the program folder); an unmanaged one has none. A small state
(one KMS key) against moto, through the drift flow."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from checks.drift.locate import declared, placed
from checks.drift.model import DriftClass, DriftReport
from checks.model import Asset, Finding, Location, Severity, SourceKind, Status

pytest.importorskip("moto", reason="the live side is moto in-process")

from moto import mock_aws  # noqa: E402

from checks.flows.drift import DriftRequest, run_drift  # noqa: E402
from checks.flows.scan import ScanRequest  # noqa: E402

REGION = "us-east-1"
DECLARED = Location("stacks/web/components/keys.py", 7)


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    for var in list(os.environ):
        if var.startswith("AWS_ENDPOINT_URL") or var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "MOTO_ACCOUNT_ID"):
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield boto3.Session(region_name=REGION)


def estate(session: boto3.Session, tmp_path: Path) -> tuple[Path, Path, str, str]:
    """A repository (tmp/repo) with the program stacks/web; live, a managed key (rotation off: KEY-01 fails) and an
    unmanaged one; the state export (outside the repository) of the managed key, declared at components/keys.py:7.
    Returns the program folder, the export, and the two keys' ARNs."""
    program = tmp_path / "repo" / "stacks" / "web"
    program.mkdir(parents=True)
    (tmp_path / "repo" / ".git").mkdir()
    (program / "Pulumi.yaml").write_text("name: web\nruntime: python\n")
    kms = session.client("kms")
    managed = kms.create_key(Description="data")["KeyMetadata"]
    unmanaged = kms.create_key(Description="stray")["KeyMetadata"]
    export = tmp_path / "exports" / "dev.json"
    export.parent.mkdir()
    props = {"arn": managed["Arn"], "keyId": managed["KeyId"], "description": "data", "enableKeyRotation": False,
             "keyUsage": "ENCRYPT_DECRYPT", "customerMasterKeySpec": "SYMMETRIC_DEFAULT", "isEnabled": True}
    export.write_text(json.dumps({"version": 3, "deployment": {"manifest": {}, "resources": [
        {"urn": "urn:pulumi:dev::web::pulumi:pulumi:Stack::web-dev", "custom": False, "type": "pulumi:pulumi:Stack"},
        {"urn": "urn:pulumi:dev::web::aws:kms/key:Key::data", "custom": True, "type": "aws:kms/key:Key",
         "id": managed["KeyId"], "inputs": {"description": "data", "enableKeyRotation": False},
         "outputs": {**props, "region": REGION}, "sourcePosition": "project:///components/keys.py#7,5"}]}}))
    return program, export, managed["Arn"], unmanaged["Arn"]


def drift(session: boto3.Session, tmp_path: Path, export: Path, program: Path | None) -> DriftReport:
    scan = ScanRequest(session=session, regions=(REGION,), services=("kms",), max_workers=1)
    return run_drift(DriftRequest(scan=scan, states=(export,), program=None if program is None else str(program),
                                  store=str(tmp_path / "history.db")))


def key_findings(result: DriftReport, arn: str) -> list[Finding]:
    return [f for f in result.report.findings if f.asset_id == arn]


def test_live_findings_of_a_declared_resource_point_at_its_declaration(session: boto3.Session, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    program, export, managed, unmanaged = estate(session, tmp_path)
    monkeypatch.chdir(tmp_path)  # outside the repository: paths are still relative to its root
    result = drift(session, tmp_path, export, program)
    failing = [f for f in key_findings(result, managed) if f.status is Status.FAIL]
    assert [f.control_id for f in failing if f.control_id == "KEY-01"] == ["KEY-01"]
    assert {f.location for f in key_findings(result, managed)} == {DECLARED}
    assert {f.location for f in key_findings(result, unmanaged)} == {None}  # no state declares it
    [asset] = [a for a in result.assets if a.id == managed]
    assert asset.location == DECLARED and asset.source is SourceKind.LIVE
    [item] = [i for i in result.configuration.items if i.id == managed]
    assert (item.drift, item.location) == (DriftClass.IN_SYNC, DECLARED)


def test_the_program_is_found_from_the_working_folder_without_program(session: boto3.Session, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    program, export, managed, _ = estate(session, tmp_path)
    monkeypatch.chdir(program)
    assert {f.location for f in key_findings(drift(session, tmp_path, export, None), managed)} == {DECLARED}
    monkeypatch.chdir(tmp_path)  # not found: the export's project-relative name, still the declaring line
    found = {f.location for f in key_findings(drift(session, tmp_path, export, None), managed)}
    assert found == {Location("components/keys.py", 7)}


def asset(kind: str, id_: str, source: SourceKind, location: Location | None = None) -> Asset:
    return Asset(kind, id_, id_.rsplit("/", 1)[-1], source, {}, location=location)


def finding(a: Asset, location: Location | None = None) -> Finding:
    return Finding("KEY-01", Severity.HIGH, Status.FAIL, a.kind, a.id, a.name, a.source, "m", "fp", location)


def test_matching_is_by_arn_or_aws_id_never_by_name() -> None:
    arn = "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-1"
    at = Location("infra/components/security_groups.py", 12)
    state = [asset("ec2.security_group", arn, SourceKind.STATE, at),
             asset("ec2.vpc", "vpc-1", SourceKind.STATE, Location("infra/components/network.py", 3)),
             asset("kms.key", "urn:pulumi:dev::p::aws:kms/key:Key::k", SourceKind.STATE, Location("x.py", 1))]
    live = [asset("ec2.security_group", "sg-1", SourceKind.LIVE),            # by AWS id
            asset("ec2.vpc", "arn:aws:ec2:eu-west-1:1:vpc/vpc-2", SourceKind.LIVE),  # another vpc: unmanaged
            asset("kms.key", "k", SourceKind.LIVE)]                            # the state's URN names it: no match
    out = declared(state, live)
    assert [a.location for a in out] == [at, None, None]
    assert [f.location for f in placed([finding(live[0]), finding(live[1])], out)] == [at, None]
    own = Location("elsewhere.py", 9)  # a finding that has a location keeps it
    assert placed([finding(live[0], own)], out)[0].location == own
