"""Ignore rules: the built-in AWS defaults and the user's ignore file (one-line errors naming file, line, field)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from checks.drift.ignore import (
    AWS_KEY,
    DEFAULT_GROUP,
    DEFAULT_SUBNET,
    DEFAULT_VAULT,
    DEFAULT_VPC,
    SINGLETON,
    IgnoreRules,
    singleton_reason,
)
from checks.errors import InputError
from checks.model import Asset, SourceKind


def live(kind: str, attrs: dict[str, Any], *, id_: str = "x-1", name: str = "n", tags: dict[str, str] | None = None
         ) -> Asset:
    return Asset(kind, id_, name, SourceKind.LIVE, attrs, tags=tags or {})


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "drift-ignore.yaml"
    path.write_text(text)
    return path


def test_pass_builtin_aws_defaults() -> None:
    vpc = live("ec2.vpc", {"is_default": True}, id_="arn:aws:ec2:eu-west-1:1:vpc/vpc-d")
    rules = IgnoreRules().with_live([vpc])
    assert rules.ignores(vpc) == DEFAULT_VPC
    assert rules.ignores(live("ec2.subnet", {"is_default": False, "vpc_id": "vpc-d"})) == DEFAULT_SUBNET
    assert rules.ignores(live("ec2.subnet", {"is_default": True, "vpc_id": "vpc-x"})) == DEFAULT_SUBNET
    assert rules.ignores(live("ec2.security_group", {"is_default": True})) == DEFAULT_GROUP
    assert rules.ignores(live("kms.key", {"manager": "aws"})) == AWS_KEY
    assert rules.ignores(live("backup.vault", {"vault_name": "Default"})) == DEFAULT_VAULT


def test_fail_builtin_rules_leave_user_resources() -> None:
    rules = IgnoreRules()
    assert rules.ignores(live("ec2.vpc", {"is_default": False})) is None
    assert rules.ignores(live("ec2.subnet", {"is_default": False, "vpc_id": "vpc-app"})) is None
    assert rules.ignores(live("ec2.security_group", {"is_default": False})) is None
    assert rules.ignores(live("kms.key", {"manager": "customer"})) is None
    assert rules.ignores(live("backup.vault", {"vault_name": "orders"})) is None


def test_pass_singletons_ignored_only_when_no_state_declares_the_kind() -> None:
    ebs = live("ec2.ebs_encryption_default", {"enabled": False})
    assert singleton_reason(ebs, set()) == SINGLETON
    assert singleton_reason(ebs, {"ec2.ebs_encryption_default"}) is None


def test_pass_user_rules_match_kind_name_arn_and_tags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    rules = IgnoreRules.load(write(tmp_path, """\
ignore:
  - kind: "s3.*"
    name: "scratch-*"
    reason: hand-made scratch buckets
  - arn: "arn:aws:kms:*:key/legacy-*"
    reason: legacy keys
  - tags: {team: "data*", env: prod}
    reason: owned by the data team's Terraform
"""))
    assert rules.ignores(live("s3.bucket", {}, name="scratch-1")) == "hand-made scratch buckets (drift-ignore.yaml:2)"
    assert rules.ignores(live("ec2.vpc", {}, name="scratch-1")) is None
    assert rules.ignores(live("kms.key", {}, id_="arn:aws:kms:eu-west-1:1:key/legacy-9")) == \
        "legacy keys (drift-ignore.yaml:5)"
    assert rules.ignores(live("ec2.vpc", {}, tags={"team": "data-eng", "env": "prod"})) == \
        "owned by the data team's Terraform (drift-ignore.yaml:7)"
    assert rules.ignores(live("ec2.vpc", {}, tags={"team": "data-eng"})) is None


def test_pass_no_file_or_empty_file_is_builtin_only(tmp_path: Path) -> None:
    assert IgnoreRules.load(None).rules == ()
    assert IgnoreRules.load(write(tmp_path, "")).rules == ()


@pytest.mark.parametrize(("text", "message"), [
    ("ignore:\n  - name: x\n", "drift-ignore.yaml:2: ignore rule #1: field 'reason' is missing or empty"),
    ("ignore:\n  - name: x\n    reason: r\n    owner: me\n",
     "drift-ignore.yaml:4: ignore rule #1: unknown field 'owner' (allowed: kind, name, arn, tags, reason)"),
    ("ignore:\n  - kind: s3.bucket\n    reason: r\n",
     "drift-ignore.yaml:2: ignore rule #1: give 'name', 'arn' or 'tags' (a kind alone would hide every asset of "
     "the kind) (name the assets it covers, e.g. name: 'legacy-*')"),
    ("ignore:\n  - name: x\n    reason: r\n  - tags: [a]\n    reason: r\n",
     "drift-ignore.yaml:4: ignore rule #2: field 'tags' must be a mapping of tag key to text pattern, e.g. "
     "{team: 'data*'}"),
    ("ignore:\n  - name: ''\n    reason: r\n",
     "drift-ignore.yaml:2: ignore rule #1: field 'name' must be a non-empty text pattern"),
    ("rules: []\n", "drift-ignore.yaml:1: expected a mapping with one key 'ignore' holding a list"),
    ("ignore:\n  - name: [\n", "drift-ignore.yaml:3:1: invalid YAML: did not find expected node content"),
])
def test_fail_bad_ignore_file_is_one_line_naming_file_line_and_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                     text: str, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as err:
        IgnoreRules.load(write(tmp_path, text))
    assert len(str(err.value).splitlines()) == 1
    assert str(err.value).startswith(message), str(err.value)


def test_the_drift_workflows_ignore_file_is_valid() -> None:
    from tests.paths import ROOT

    rules = IgnoreRules.load(ROOT / ".github" / "drift-ignore.yaml")
    assert [r.reason for r in rules.rules] == [
        "Control Tower's log-archive buckets are created and governed by AWS Control Tower, not by Pulumi"]
