"""`clearance drift` through the real entry point, against one sandbox with infra/ applied (the story of
scripts/demo.sh): a baseline in sync, out-of-band changes, the history that follows them, bad input, PostgreSQL.

The drift runs form one story in one store (`Story.upto(step)` runs every step up to `step` once, in order), so any
test can run alone and the module starts the sandbox and applies infra/ only once.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from checks.sandbox import read_sandbox
from checks.sandbox.landing import remove_default_vpc
from reports.drift.json import drift_schema_path
from tests.e2e.sandboxes import running_sandbox
from tests.store.conftest import PgServer, pg_server  # noqa: F401  (the session's PostgreSQL server, or its skip)

CLEARANCE = str(Path(sys.executable).parent / "clearance")
REPO = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"   # infra/Pulumi.dev.yaml: aws:region
ACCOUNT = "123456789012"
REPORT_FILES = ["drift.html", "drift.json", "drift.md", "evidence.csv"]
DELETED_BUCKET = f"aptly-dev-cloudtrail-{ACCOUNT}-{REGION}"
UNENCRYPTED_BUCKET = f"aptly-dev-customer-data-{ACCOUNT}-{REGION}"
NEW_FAILURES = {("NET-03", "aptly-dev-app"), ("FW-01", "aptly-dev-app"), ("KEY-01", "alias/aptly-dev-backup"),
                ("NET-02", "aptly-dev-app"), ("NET-10", "aptly-dev-app"),
                ("ENC-01", UNENCRYPTED_BUCKET), ("ENC-01", "aptly-shadow-exports"), ("S3-02", "aptly-shadow-exports")}
INCOMPLETE = "INCOMPLETE: some lists could not be read; see the report's warnings"


def clearance(*args: str, cwd: Path, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_",))}
    env.update(extra_env, AWS_CONFIG_FILE=str(cwd / "no-aws-config"), AWS_SHARED_CREDENTIALS_FILE=str(cwd / "none"))
    return subprocess.run([CLEARANCE, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300,
                          check=False)


def demo_script() -> ModuleType:
    """scripts/demo_out_of_band.py, the out-of-band changes `make demo` makes."""
    spec = importlib.util.spec_from_file_location("demo_out_of_band", REPO / "scripts" / "demo_out_of_band.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class DriftRun:
    proc: subprocess.CompletedProcess[str]
    out: Path

    @property
    def doc(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads((self.out / "drift.json").read_text(encoding="utf-8"))
        return parsed

    @property
    def lines(self) -> list[str]:
        return self.proc.stdout.splitlines()


@dataclass
class Story:
    root: Path
    sandbox: Path
    session: Any
    runs: list[DriftRun] = field(default_factory=list)

    def drift(self, name: str, *extra: str, store: str | None = None) -> DriftRun:
        out = self.root / name
        # from the repository root, as in the README: --program infra gives infra/'s settings, waivers and register
        proc = clearance("drift", "--state", str(self.sandbox / "sandbox-state.json"), "--program", "infra",
                         "--sandbox-dir", str(self.sandbox), "--regions", REGION,
                         "--store", store or str(self.root / "history.db"), "--out", str(out), *extra, cwd=REPO)
        assert "Traceback" not in proc.stderr, proc.stderr
        return DriftRun(proc, out)

    def key_id(self) -> str:
        """The KMS key whose rotation the out-of-band change turned off (from the second run's report)."""
        [key] = [i for i in self.upto(1)[1].doc["configuration_drift"]["changed"] if i["kind"] == "kms.key"]
        return str(key["id"]).rsplit("/", 1)[1]

    def upto(self, step: int) -> list[DriftRun]:
        """0 baseline, 1 after the out-of-band changes, 2 again unchanged, 3 rotation back on, 4 off again."""
        while len(self.runs) <= step:
            done = len(self.runs)
            if done == 1:
                assert demo_script().main("change", str(self.sandbox), REGION) == 0
            elif done == 3:
                self.session.client("kms").enable_key_rotation(KeyId=self.key_id())
            elif done == 4:
                self.session.client("kms").disable_key_rotation(KeyId=self.key_id())
            self.runs.append(self.drift(f"run-{done}"))
        return self.runs[: step + 1]


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    root = tmp_path_factory.mktemp("drift")
    with running_sandbox(clearance, root) as folder:
        info = read_sandbox(folder)
        assert info is not None
        session = info.session(REGION)
        remove_default_vpc(session)
        applied = clearance("sandbox", "apply", str(REPO / "infra"), "--out", str(folder), cwd=root)
        assert applied.returncode == 0, applied.stdout + applied.stderr
        yield Story(root=root, sandbox=folder, session=session)


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(drift_schema_path().read_text(encoding="utf-8")),
                                format_checker=FormatChecker())


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def findings(items: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(i["control"], i["asset"]["name"]) for i in items}


def test_baseline_is_in_sync_and_incomplete_only_where_moto_cannot_answer(
        story: Story, validator: Draft202012Validator) -> None:
    [base] = story.upto(0)
    assert base.proc.returncode == 4, base.proc.stdout + base.proc.stderr
    assert sorted(p.name for p in base.out.iterdir() if not p.name.startswith(".")) == REPORT_FILES
    doc = base.doc
    assert [e.message for e in validator.iter_errors(doc)] == []
    conf = doc["configuration_drift"]
    assert (conf["changed"], conf["missing"], conf["unmanaged"]) == ([], [], [])
    assert doc["compliance_drift"] == {"previous_run": None, "previous_at": None, "new": [], "regressed": [],
                                       "recurring": [], "resolved": []}
    assert doc["unreviewed_rules"] == []
    assert doc["summary"]["drift_found"] is False
    errors = sorted(f["control"] for f in doc["evaluation"]["findings"] if f["status"] == "error")
    assert errors == ["BAK-02", "BAK-05", "ENC-14"]   # backup selections, GetEbsDefaultKmsKeyId: moto has none
    assert [f for f in doc["evaluation"]["findings"] if f["status"] == "fail"] == []
    in_sync = doc["summary"]["configuration"]["in_sync"]
    info = read_sandbox(story.sandbox)
    assert info is not None
    endpoint = info.endpoint
    assert base.lines[1:] == [
        f"drift of account {ACCOUNT} ({REGION}) at {endpoint} against aptly/dev",
        f"configuration: {in_sync} in sync, 0 changed, 0 missing, 0 unmanaged "
        f"({conf['ignored']} ignored as AWS defaults or by your rules)",
        "compliance: first recorded run of this account: the baseline for the next ones",
        INCOMPLETE,
        f"recorded as run {doc['run_id']} in sqlite:///{story.root / 'history.db'}",
        "no drift",
        *(f"wrote {base.out / name}" for name in REPORT_FILES),
    ]


def test_out_of_band_changes_are_configuration_and_compliance_drift(
        story: Story, validator: Draft202012Validator) -> None:
    first, changed = story.upto(1)
    assert changed.proc.returncode == 3, changed.proc.stdout + changed.proc.stderr
    doc = changed.doc
    assert [e.message for e in validator.iter_errors(doc)] == []
    conf = doc["configuration_drift"]
    assert sorted((i["kind"], i["name"]) for i in conf["changed"]) == [
        ("ec2.security_group", "aptly-dev-app"), ("kms.key", "alias/aptly-dev-backup"),
        ("s3.bucket", f"aptly-dev-customer-data-{ACCOUNT}-{REGION}")]  # the live (AWS) names, as in the findings
    by_kind = {i["kind"]: i for i in conf["changed"]}
    key_arn = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{story.key_id()}"
    assert by_kind["kms.key"]["id"] == key_arn
    assert by_kind["kms.key"]["changes"] == [
        {"path": "rotation.enabled", "secret": False, "state": True, "live": False, "note": None}]
    [rule] = doc["unreviewed_rules"]
    app = story.session.client("ec2").describe_security_groups(GroupNames=["aptly-dev-app"])["SecurityGroups"][0]
    group_arn = f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/{app['GroupId']}"
    assert rule == {"group_id": group_arn, "group_name": "aptly-dev-app", "fingerprint": rule["fingerprint"],
                    "rule": "ingress tcp 22 from 0.0.0.0/0",
                    "command": f"clearance sg review infra --reviewer <you> --fingerprint {rule['fingerprint']}"}
    group = by_kind["ec2.security_group"]
    assert group["id"] == group_arn and group["stack"] == "aptly/dev"
    rules = {c["path"]: c for c in group["changes"]}["rules"]
    ssh = {"direction": "ingress", "protocol": "tcp", "from_port": 22, "to_port": 22, "peer_type": "cidr_ipv4",
           "peer": "0.0.0.0/0", "description": None, "fingerprint": rule["fingerprint"], "reviewed": False}
    assert ssh in rules["live"] and ssh not in rules["state"]
    assert sorted(map(canonical, rules["live"])) == sorted(map(canonical, [*rules["state"], ssh]))
    assert {c["path"]: (c["state"], c["live"]) for c in group["changes"]}["unreviewed_rules"] == (
        [], [rule["fingerprint"]])
    assert [(i["kind"], i["id"], i["stack"]) for i in conf["missing"]] == [
        ("s3.bucket", f"arn:aws:s3:::{DELETED_BUCKET}", "aptly/dev")]
    assert [(i["kind"], i["id"], i["stack"], i["urn"]) for i in conf["unmanaged"]] == [
        ("s3.bucket", "arn:aws:s3:::aptly-shadow-exports", None, None)]
    comp = doc["compliance_drift"]
    assert comp["previous_run"] == first.doc["run_id"]
    assert (comp["regressed"], comp["recurring"], comp["resolved"]) == ([], [], [])
    assert findings(comp["new"]) == NEW_FAILURES and len(comp["new"]) == len(NEW_FAILURES)
    assert {i["status"] for i in comp["new"]} == {"fail"}
    assert [i["asset"]["id"] for i in comp["new"] if i["control"] == "KEY-01"] == [key_arn]
    summary = doc["summary"]["configuration"]
    assert (summary["changed"], summary["missing"], summary["unmanaged"]) == (3, 1, 1)
    assert changed.lines[2:8] == [
        f"configuration: {summary['in_sync']} in sync, 3 changed, 1 missing, 1 unmanaged "
        f"({conf['ignored']} ignored as AWS defaults or by your rules)",
        f"compliance since the last run: {len(NEW_FAILURES)} new, 0 recurring, 0 regressed, 0 resolved",
        f"security-group rules live without review: 1 (review with: {rule['command']})",
        INCOMPLETE,
        f"recorded as run {doc['run_id']} in sqlite:///{story.root / 'history.db'}",
        "drift found",
    ]


def test_a_run_without_changes_sees_every_failure_recurring(story: Story) -> None:
    runs = story.upto(2)
    again = runs[2]
    assert again.proc.returncode == 3, again.proc.stdout + again.proc.stderr   # the configuration drift remains
    comp = again.doc["compliance_drift"]
    assert comp["previous_run"] == runs[1].doc["run_id"]
    assert (comp["new"], comp["regressed"], comp["resolved"]) == ([], [], [])
    assert findings(comp["recurring"]) == NEW_FAILURES and len(comp["recurring"]) == len(NEW_FAILURES)
    assert [p["run_id"] for p in again.doc["trend"]] == [r.doc["run_id"] for r in runs]
    assert [p["total"] for p in again.doc["trend"]] == [0, len(NEW_FAILURES), len(NEW_FAILURES)]
    assert f"compliance since the last run: 0 new, {len(NEW_FAILURES)} recurring, 0 regressed, 0 resolved" \
        in again.lines


def test_rotation_back_on_is_resolved_and_off_again_is_regressed(story: Story) -> None:
    runs = story.upto(4)
    on, off = runs[3], runs[4]
    key_arn = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{story.key_id()}"
    assert on.proc.returncode == 3, on.proc.stdout + on.proc.stderr
    comp = on.doc["compliance_drift"]
    assert [(i["control"], i["asset"]["id"], i["status"]) for i in comp["resolved"]] == [("KEY-01", key_arn, "pass")]
    assert (comp["new"], comp["regressed"]) == ([], [])
    assert findings(comp["recurring"]) == NEW_FAILURES - {("KEY-01", "alias/aptly-dev-backup")}
    assert "kms.key" not in {i["kind"] for i in on.doc["configuration_drift"]["changed"]}   # back in sync
    assert off.proc.returncode == 3, off.proc.stdout + off.proc.stderr
    comp = off.doc["compliance_drift"]
    trend = off.doc["trend"]
    assert [(i["control"], i["asset"]["id"], i["status"], i["first_seen"], i["last_seen"]) for i in comp["regressed"]] \
        == [("KEY-01", key_arn, "fail", trend[1]["at"], trend[4]["at"])]
    assert (comp["new"], comp["resolved"]) == ([], [])
    assert "compliance since the last run: 0 new, 7 recurring, 1 regressed, 0 resolved" in off.lines
    assert len(trend) == 5


def test_a_corrupt_store_stops_the_run_and_keeps_the_last_report(story: Story) -> None:
    [base] = story.upto(0)
    before = {name: (base.out / name).read_bytes() for name in REPORT_FILES}
    current = os.readlink(base.out / ".clearance-reports" / "current")
    garbage = story.root / "garbage.db"
    garbage.write_bytes(b"this is not a history store\x00\x01\x02" * 200)
    proc = story.drift(base.out.name, store=str(garbage))
    assert proc.proc.returncode == 2, proc.proc.stdout + proc.proc.stderr
    assert proc.proc.stderr.splitlines() == [
        f"error: sqlite:///{garbage}: not a clearance history store: the file is not a SQLite database (corrupt or "
        "another kind of file) (give another store, or move the file away)"]
    assert {name: (base.out / name).read_bytes() for name in REPORT_FILES} == before
    assert os.readlink(base.out / ".clearance-reports" / "current") == current
    assert garbage.read_bytes() == b"this is not a history store\x00\x01\x02" * 200


def test_no_state_and_a_file_that_is_not_a_stack_export_are_one_line(story: Story) -> None:
    out, store = story.root / "bad-input", story.root / "bad-input.db"
    none = clearance("drift", "--sandbox-dir", str(story.sandbox), "--store", str(store), "--out", str(out),
                     cwd=story.root)
    assert none.returncode == 2, none.stdout + none.stderr
    assert none.stderr.splitlines() == [
        "error: --state / --backend: drift compares the live account with what Pulumi deployed: give the state "
        "(--state FILE (a `pulumi stack export`, repeatable) or --backend file://DIR | s3://BUCKET)"]
    not_state = story.root / "not-state.json"
    not_state.write_text('{"hello": "world"}\n', encoding="utf-8")
    wrong = clearance("drift", "--state", str(not_state), "--sandbox-dir", str(story.sandbox), "--store", str(store),
                      "--out", str(out), cwd=story.root)
    assert wrong.returncode == 2, wrong.stdout + wrong.stderr
    assert wrong.stderr.splitlines() == [
        f"error: {not_state}: this is not a state file ('pulumi stack export') (no 'deployment' at the top level): "
        f"regenerate it with 'pulumi stack export --file {not_state}'"]
    assert not out.exists() and not store.exists()


def test_history_on_postgresql(story: Story, pg_server: PgServer) -> None:  # noqa: F811
    runs = story.upto(4)   # the sandbox as the story left it: every out-of-band change, rotation off
    url = pg_server.fresh_database()
    first = story.drift("pg-1", store=url)
    second = story.drift("pg-2", store=url)
    for run in (first, second):
        assert run.proc.returncode == 3, run.proc.stdout + run.proc.stderr
        assert run.doc["store"] == url
        assert f"recorded as run {run.doc['run_id']} in {url}" in run.lines
    assert first.doc["compliance_drift"]["previous_run"] is None
    assert "compliance: first recorded run of this account: the baseline for the next ones" in first.lines
    comp = second.doc["compliance_drift"]
    assert comp["previous_run"] == first.doc["run_id"]
    assert (comp["new"], comp["regressed"], comp["resolved"]) == ([], [], [])
    assert findings(comp["recurring"]) == NEW_FAILURES
    assert [p["run_id"] for p in second.doc["trend"]] == [first.doc["run_id"], second.doc["run_id"]]
    assert len(runs[4].doc["trend"]) == 5   # the SQLite store of the story is not the one written

