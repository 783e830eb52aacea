"""`clearance iam-policy` (checks/cli/iam.py) and `--organization`: the management policy, the member role and its
trust policy, the StackSet template (deployed by moto's CloudFormation), the Pulumi program, the size limits of
IAM, and the example files under examples/organization/ that must equal what the command prints."""

from __future__ import annotations

import ast
import json
import py_compile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from moto import mock_aws
from typer.testing import CliRunner

from checks.cli import COMMANDS, app
from checks.collectors import load_collectors
from checks.collectors.base import iam_policy
from checks.errors import ExitCode, InputError
from checks.org.policy import (
    INLINE_LIMIT,
    MANAGED_LIMIT,
    PULUMI_PROGRAM,
    SCANNER_PLACEHOLDER,
    policy_size,
    pulumi_project,
    role_policies,
    split_policy,
    stackset_template,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "organization"
SCANNER = "arn:aws:iam::111111111111:role/ClearanceScanner"
ENV = {"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}


@pytest.fixture(autouse=True)
def iam_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """`iam-policy` is the command of checks/cli/iam.py (whatever the command table says today)."""
    monkeypatch.setitem(COMMANDS, "iam-policy", ("checks.cli.iam", "iam_policy"))


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["iam-policy", *args], env=ENV, prog_name="clearance")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def organization(*args: str) -> dict[str, Any]:
    code, out, _ = run("--organization", *args)
    assert code == 0, out
    document: dict[str, Any] = json.loads(out)
    return document


def read_policy(*services: str) -> dict[str, Any]:
    known = load_collectors()
    return iam_policy(known[s] for s in (services or sorted(known)))


# ---------------------------------------------------------------- iam-policy as before


def test_without_organization_it_prints_the_read_policy_as_before() -> None:
    code, out, err = run()
    assert code == 0 and err == ""
    assert json.loads(out) == read_policy()
    assert out == json.dumps(read_policy(), indent=2) + "\n"
    code, out, _ = run("--services", "kms,s3")
    assert json.loads(out) == read_policy("kms", "s3")


def test_an_unknown_service_is_one_line() -> None:
    code, out, err = run("--services", "nope")
    assert code == ExitCode.USAGE and out == ""
    [line] = err.strip().splitlines()
    assert line.startswith("error: --services: unknown service 'nope' (known: ")


@pytest.mark.parametrize("option", [["--external-id", "tenant-42"], ["--scanner-arn", SCANNER],
                                    ["--role-name", "Other"], ["--template", "pulumi"]])
def test_organization_options_without_organization_are_a_usage_error(option: list[str]) -> None:
    code, out, err = run(*option)
    assert code == ExitCode.USAGE and out == ""
    assert err.strip() == f"error: {option[0]}: only used with --organization (add --organization to print the " \
                          "organization's policies and member role)"


# ---------------------------------------------------------------- --organization


def test_the_management_policy_lists_accounts_and_assumes_the_member_role() -> None:
    document = organization("--role-name", "security/Scan")
    assert list(document) == ["ManagementPolicy", "MemberRole", "StackSetTemplate"]
    listing, assuming = document["ManagementPolicy"]["Statement"]
    assert listing["Action"] == ["organizations:DescribeOrganization", "organizations:ListAccounts"]
    assert (assuming["Action"], assuming["Resource"]) == ("sts:AssumeRole", "arn:aws:iam::*:role/security/Scan")
    member = document["MemberRole"]
    assert (member["RoleName"], member["Path"]) == ("Scan", "/security/")
    assert member["Policy"] == read_policy()


def test_the_trust_policy_requires_the_external_id_only_when_given() -> None:
    [plain] = organization("--scanner-arn", SCANNER)["MemberRole"]["AssumeRolePolicyDocument"]["Statement"]
    assert plain == {"Sid": "ClearanceScanner", "Effect": "Allow", "Principal": {"AWS": SCANNER},
                     "Action": "sts:AssumeRole"}
    [required] = organization("--scanner-arn", SCANNER, "--external-id", "tenant-42")[
        "MemberRole"]["AssumeRolePolicyDocument"]["Statement"]
    assert required["Condition"] == {"StringEquals": {"sts:ExternalId": "tenant-42"}}


def test_without_a_scanner_the_role_names_a_placeholder_and_says_so() -> None:
    code, out, err = run("--organization")
    assert code == 0
    [statement] = json.loads(out)["MemberRole"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"AWS": SCANNER_PLACEHOLDER}
    assert "arn:aws:iam::" not in SCANNER_PLACEHOLDER and "--scanner-arn" in SCANNER_PLACEHOLDER
    assert "no --scanner-arn" in err and "ScannerArn parameter has no default" in err
    assert "Default" not in json.loads(out)["StackSetTemplate"]["Parameters"]["ScannerArn"]


def test_an_assumed_role_scanner_is_trusted_through_its_role_and_sets_the_partition() -> None:
    document = organization("--scanner-arn", "arn:aws-us-gov:sts::111111111111:assumed-role/Scanner/ci")
    [statement] = document["MemberRole"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"AWS": "arn:aws-us-gov:iam::111111111111:role/Scanner"}
    assert document["ManagementPolicy"]["Statement"][1]["Resource"] == "arn:aws-us-gov:iam::*:role/ClearanceScan"
    assert document["StackSetTemplate"]["Parameters"]["ScannerArn"]["Default"] \
        == "arn:aws-us-gov:iam::111111111111:role/Scanner"


@pytest.mark.parametrize(("args", "message"), [
    (["--scanner-arn", "111111111111"], "error: --scanner-arn: '111111111111' is not the ARN of an IAM role or user"),
    (["--external-id", "x"], "error: --external-id: not an STS external id (1 characters)"),
    (["--role-name", "bad name"], "error: --role-name: 'bad name' is not an IAM role name"),
    (["--template", "terraform"], "clearance iam-policy: error: invalid value for '--template'"),
])
def test_bad_values_are_one_line(args: list[str], message: str) -> None:
    code, out, err = run("--organization", *args)
    assert code == ExitCode.USAGE and out == ""
    [line] = err.strip().splitlines()
    assert line.startswith(message)


# ---------------------------------------------------------------- the StackSet template


@pytest.fixture
def cloudformation(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield boto3.Session(region_name="us-east-1")


def deploy(session: boto3.Session, template: dict[str, Any], name: str, **parameters: str) -> dict[str, Any]:
    """Create a stack of `template` (moto's CloudFormation) and answer the role it made."""
    session.client("cloudformation").create_stack(
        StackName=name, TemplateBody=json.dumps(template), Capabilities=["CAPABILITY_NAMED_IAM"],
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()])
    [stack] = session.client("cloudformation").describe_stacks(StackName=name)["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    role: dict[str, Any] = session.client("iam").get_role(RoleName="ClearanceScan")["Role"]
    assert stack["Outputs"] == [{"OutputKey": "RoleArn", "OutputValue": role["Arn"],
                                 "Description": "The role to assume"}]
    return role


def document_of(text: Any) -> dict[str, Any]:
    """A policy document as moto returns it: a dict, JSON, or (from CloudFormation) a Python literal."""
    if isinstance(text, dict):
        return text
    try:
        return dict(json.loads(text))
    except json.JSONDecodeError:
        return dict(ast.literal_eval(text))


def test_the_template_deploys_the_role_with_the_trust_and_read_policies(cloudformation: boto3.Session) -> None:
    template = organization()["StackSetTemplate"]
    assert set(template["Parameters"]) == {"ScannerArn", "ExternalId"}
    assert [r["Type"] for r in template["Resources"].values()] == ["AWS::IAM::Role"]
    role = deploy(cloudformation, template, "with-id", ScannerArn=SCANNER, ExternalId="tenant-42")
    [statement] = document_of(role["AssumeRolePolicyDocument"])["Statement"]
    assert statement["Principal"] == {"AWS": SCANNER}
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": "tenant-42"}}
    iam = cloudformation.client("iam")
    assert iam.list_role_policies(RoleName="ClearanceScan")["PolicyNames"] == ["ClearanceReadOnly"]
    inline = iam.get_role_policy(RoleName="ClearanceScan", PolicyName="ClearanceReadOnly")["PolicyDocument"]
    assert document_of(inline) == read_policy()


def test_the_template_requires_no_external_id_when_its_parameter_is_empty(cloudformation: boto3.Session) -> None:
    template = organization("--scanner-arn", SCANNER)["StackSetTemplate"]
    assert template["Parameters"]["ScannerArn"]["Default"] == SCANNER
    assert template["Parameters"]["ExternalId"]["Default"] == ""
    role = deploy(cloudformation, template, "without-id")
    [statement] = document_of(role["AssumeRolePolicyDocument"])["Statement"]
    assert statement["Principal"] == {"AWS": SCANNER} and "Condition" not in statement


def test_the_example_template_is_what_the_command_prints() -> None:
    """examples/organization/stackset.json never goes stale: regenerate it with
    `clearance iam-policy --organization | jq .StackSetTemplate > examples/organization/stackset.json`."""
    printed = organization()["StackSetTemplate"]
    assert json.loads((EXAMPLE / "stackset.json").read_text(encoding="utf-8")) == printed


# ---------------------------------------------------------------- IAM's size limits


def test_the_read_policy_fits_a_role_inline() -> None:
    policy = read_policy()
    assert policy_size(policy) <= INLINE_LIMIT
    assert role_policies(policy) == ([policy], [])
    assert policy_size(policy) == len(json.dumps(policy, separators=(",", ":")))


def large_policy(count: int) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "ClearanceReadOnly", "Effect": "Allow", "Resource": "*",
         "Action": [f"service{i % 40}:DescribeSomethingRatherLong{i}" for i in range(count)]}]}


def test_a_policy_too_long_inline_becomes_managed_policies_that_fit() -> None:
    policy = large_policy(500)
    assert policy_size(policy) > INLINE_LIMIT
    inline, managed = role_policies(policy)
    assert inline == [] and len(managed) > 1
    assert all(policy_size(p) <= MANAGED_LIMIT for p in managed)
    actions = [a for p in managed for s in p["Statement"] for a in s["Action"]]
    assert actions == policy["Statement"][0]["Action"]  # every action once, in order
    assert [s["Sid"] for p in managed for s in p["Statement"]] == [f"ClearanceReadOnly{i}"
                                                                    for i in range(1, len(managed) + 1)]
    assert policy["Statement"][0]["Sid"] == "ClearanceReadOnly"  # the policy split is left as it was


def test_split_policy_keeps_statements_whole_where_they_fit() -> None:
    small = {"Sid": "A", "Effect": "Allow", "Action": ["a:One", "a:Two"], "Resource": "*"}
    other = {"Sid": "B", "Effect": "Allow", "Action": "b:Three", "Resource": "*"}
    policy = {"Version": "2012-10-17", "Statement": [small, other]}
    assert split_policy(policy, 10_000) == [{"Version": "2012-10-17", "Statement": [small, {**other,
                                                                                           "Action": ["b:Three"]}]}]
    parts = split_policy(policy, policy_size({"Version": "2012-10-17", "Statement": [small]}))
    assert [[s["Action"] for s in p["Statement"]] for p in parts] == [[["a:One", "a:Two"]], [["b:Three"]]]


def test_the_template_attaches_the_managed_policies(cloudformation: boto3.Session) -> None:
    template = stackset_template(large_policy(500), role_name="ClearanceScan", scanner=SCANNER)
    role = template["Resources"]["ClearanceScanRole"]["Properties"]
    managed = [name for name, r in template["Resources"].items() if r["Type"] == "AWS::IAM::ManagedPolicy"]
    assert "Policies" not in role and role["ManagedPolicyArns"] == [{"Ref": name} for name in managed]
    deploy(cloudformation, template, "managed")
    iam = cloudformation.client("iam")
    created = iam.list_policies(Scope="Local")["Policies"]  # moto's CloudFormation leaves them unattached
    assert len(created) == len(managed) > 1
    documents = [document_of(iam.get_policy_version(PolicyArn=p["Arn"], VersionId=p["DefaultVersionId"])[
        "PolicyVersion"]["Document"]) for p in created]
    assert sorted(a for d in documents for s in d["Statement"] for a in s["Action"]) \
        == sorted(large_policy(500)["Statement"][0]["Action"])


def test_a_policy_too_long_for_any_role_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"^--services: the read-only policy \(\d+ characters\) needs \d+ managed "
                                         r"policies, more than the 10 a role may have \(choose fewer services"):
        role_policies(large_policy(3000))


# ---------------------------------------------------------------- the Pulumi program


def test_template_pulumi_prints_the_program_files() -> None:
    document = organization("--template", "pulumi", "--scanner-arn", SCANNER)
    assert list(document) == ["ManagementPolicy", "MemberRole", "PulumiProgram"]
    files = document["PulumiProgram"]
    assert set(files) == {"Pulumi.yaml", "__main__.py", "stackset.json"}
    assert files["__main__.py"] == PULUMI_PROGRAM
    assert yaml.safe_load(files["Pulumi.yaml"])["config"]["template"]["default"] == "stackset.json"
    assert files["stackset.json"] == organization("--scanner-arn", SCANNER)["StackSetTemplate"]


def test_the_example_program_is_the_printed_one_and_compiles(tmp_path: Path) -> None:
    program = EXAMPLE / "pulumi" / "__main__.py"
    assert program.read_text(encoding="utf-8") == PULUMI_PROGRAM
    py_compile.compile(str(program), cfile=str(tmp_path / "main.pyc"), doraise=True)
    for needed in ("aws.cloudformation.StackSet(", "aws.cloudformation.StackSetInstance(", '"SERVICE_MANAGED"',
                   '{"enabled": True', 'config.get("template")', "organizational_unit_ids"):
        assert needed in PULUMI_PROGRAM, needed


def test_the_example_project_names_the_template_file_that_exists() -> None:
    text = (EXAMPLE / "pulumi" / "Pulumi.yaml").read_text(encoding="utf-8")
    assert text == pulumi_project("../stackset.json")
    project = yaml.safe_load(text)
    assert project["runtime"]["name"] == "python"
    assert (EXAMPLE / "pulumi" / project["config"]["template"]["default"]).resolve() == EXAMPLE / "stackset.json"


def test_the_readme_deploys_the_stackset_to_organizational_units() -> None:
    text = (EXAMPLE / "README.md").read_text(encoding="utf-8")
    for needed in ("create-stack-set", "--permission-model SERVICE_MANAGED", "--auto-deployment Enabled=true",
                   "create-stack-instances", "--deployment-targets OrganizationalUnitIds=",
                   "--template-body file://stackset.json", "management account"):
        assert needed in text, needed
