"""Every valid Pulumi program runs to the end under clearance's mocks, never hangs and never invents values:
invokes, resources passed as inputs, remote components, config (tests/fixtures/programs/)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from checks.errors import InputError, ProgramError
from checks.flows.check import CheckRequest, run_check
from checks.model import UNKNOWN, Location, Secret, Status
from checks.sources import _pulumi_invokes as invokes
from checks.sources.marks import unmark
from checks.sources.program import ProgramRun, load_program
from checks.sources.program_errors import pip_name
from tests.sources.test_program import PROGRAMS, by_name, error, run, urn, write

MARKED = "cannot be answered under mocks: what the program derives from its result is unknown"


@pytest.fixture(scope="module")
def invoked() -> ProgramRun:
    return run("invokes")


# ---------------------------------------------------------------- invokes


def test_invokes_return_results_of_the_right_shape_and_the_program_runs_to_the_end(invoked: ProgramRun) -> None:
    assert [(r.type, r.name, r.location.line if r.location else 0) for r in invoked.resources] == [
        ("aws:kms/key:Key", "data", 24), ("aws:s3/bucketPolicy:BucketPolicy", "logs", 34),
        ("aws:ec2/instance:Instance", "web", 35)]
    tokens = ["aws:index/getCallerIdentity:getCallerIdentity", "aws:index/getRegion:getRegion",
              "aws:index/getPartition:getPartition", "aws:index/getAvailabilityZones:getAvailabilityZones",
              "aws:ec2/getAmi:getAmi", "aws:ec2/getAmiIds:getAmiIds", "aws:ec2/getVpc:getVpc",
              "aws:ec2/getSubnets:getSubnets", "aws:ec2/getSubnet:getSubnet",
              "aws:ec2/getSecurityGroup:getSecurityGroup", "aws:route53/getZone:getZone",
              "aws:ecr/getAuthorizationToken:getAuthorizationToken", "aws:kms/getKey:getKey",
              "aws:kms/getAlias:getAlias", "aws:iam/getRole:getRole", "aws:iam/getPolicy:getPolicy"]
    assert [w for w in invoked.warnings if w.startswith("invoke ")] == [f"invoke {t} {MARKED}" for t in tokens]


def test_values_derived_from_invokes_are_unknown_never_invented(invoked: ProgramRun) -> None:
    # the key policy is json.dumps of an f-string over get_caller_identity().account_id: not `iam::None:root`
    assert dict(by_name(invoked, "data").props) == {"policy": UNKNOWN, "enableKeyRotation": True}
    web = by_name(invoked, "web")
    assert dict(web.props) == {
        "ami": UNKNOWN, "instanceType": "t3.micro", "subnetId": UNKNOWN, "availabilityZone": UNKNOWN,
        "vpcSecurityGroupIds": [UNKNOWN],
        # the configured aws:region is what get_region() answers; get_zone(name=...) echoes its argument
        "tags": {"region": "eu-west-1", "zone": "example.com", "ami": UNKNOWN}}


def test_policy_document_is_rendered_from_its_arguments(invoked: ProgramRun) -> None:
    policy = by_name(invoked, "logs").props["policy"]
    assert json.loads(policy) == {"Version": "2012-10-17", "Statement": [{
        "Sid": "read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::logs/*",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}
    assert not any("getPolicyDocument" in w for w in invoked.warnings)  # fully known: nothing to warn about


def test_key_policy_built_from_the_caller_identity_is_unknown_not_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(PROGRAMS)
    report = run_check(CheckRequest(program_dir=Path("invokes")))
    key02 = [f for f in report.findings if f.control_id == "KEY-02" and f.asset_name == "data"]
    assert [f.status for f in key02] == [Status.UNKNOWN]


def test_invoke_result_shapes() -> None:
    zones, how = invokes.invoke_result("aws:index/getAvailabilityZones:getAvailabilityZones", {"state": "available"},
                                       None)
    prefix = "clearance-unknown-aws:index/getAvailabilityZones:getAvailabilityZones-"
    assert how == "marked"
    assert zones["names"] == [f"{prefix}names-0", f"{prefix}names-1", f"{prefix}names-2"]
    assert zones["state"] == "available"  # an argument is echoed
    assert "excludeNames" not in zones  # an optional argument not given stays absent
    identity, _ = invokes.invoke_result("aws:index/getCallerIdentity:getCallerIdentity", {}, "eu-west-1")
    assert identity["accountId"] == "clearance-unknown-aws:index/getCallerIdentity:getCallerIdentity-accountId"
    region, _ = invokes.invoke_result("aws:index/getRegion:getRegion", {}, None)  # region not configured: unknown
    assert region["name"] == "clearance-unknown-aws:index/getRegion:getRegion-name"
    partition, _ = invokes.invoke_result("aws:index/getPartition:getPartition", {}, "cn-north-1")
    assert (partition["partition"], partition["dnsSuffix"]) == ("aws-cn", "amazonaws.com.cn")
    ami, _ = invokes.invoke_result("aws:ec2/getAmi:getAmi", {"owners": ["amazon"]}, None)
    assert "enaSupport" not in ami  # a boolean cannot be marked: left out (None), never invented
    assert ami["blockDeviceMappings"][0]["deviceName"].startswith("clearance-unknown-aws:ec2/getAmi:getAmi-")
    assert invokes.invoke_result("acme:index/getThing:getThing", {}, None) == ({}, "empty")


def test_policy_document_principals_and_merged_documents() -> None:
    args: dict[str, Any] = {"policyId": "p", "statements": [
        {"effect": "Deny", "notActions": ["iam:*"], "principals": [{"type": "*", "identifiers": ["*"]}],
         "resources": ["a", "b"]}]}
    result, how = invokes.invoke_result(invokes.POLICY_DOCUMENT, args, None)
    assert how == "known"
    assert json.loads(result["minifiedJson"]) == {"Version": "2012-10-17", "Id": "p", "Statement": [
        {"Effect": "Deny", "NotAction": "iam:*", "Resource": ["a", "b"], "Principal": "*"}]}
    merged, how = invokes.invoke_result(invokes.POLICY_DOCUMENT, {"sourcePolicyDocuments": ["{}"]}, None)
    assert how == "marked" and merged["json"].startswith("clearance-unknown-")  # not rendered here: unknown


def test_marked_values_become_unknown_wherever_they_are() -> None:
    mark = "clearance-unknown-aws:index/getCallerIdentity:getCallerIdentity-accountId"
    value = {"arn": f"arn:aws:iam::{mark}:root", "doc": json.dumps({"Principal": {"AWS": [mark]}}), "n": 3,
             "list": ["a", [mark]], "secret": Secret(f"x{mark}"), "plain": Secret("ok"), mark: "v", "ok": "a"}
    assert unmark(value) == {"arn": UNKNOWN, "doc": UNKNOWN, "n": 3, "list": ["a", [UNKNOWN]], "secret": UNKNOWN,
                             "plain": Secret("ok"), mark: UNKNOWN, "ok": "a"}


def test_an_invoke_unknown_to_clearance_returns_an_empty_result(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"Pulumi.yaml": "name: acme\nruntime: python\n",
                     "__main__.py": "import pulumi\n\nthing = pulumi.runtime.invoke('acme:index/getThing:getThing', {})"
                                    "\nname = thing.value['name']\n"})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ProgramError) as info:
        load_program(tmp_path)
    assert str(info.value) == (
        "__main__.py:4: the Pulumi program raised KeyError: 'name' (fix the program; it ran under Pulumi mocks as a "
        "preview of stack dev; invokes return no data under mocks (acme:index/getThing:getThing): guard against "
        "empty results)")


# ---------------------------------------------------------------- resources as inputs, remote components


def test_a_resource_passed_as_an_input_resolves_like_its_id() -> None:
    result = run("resource_refs", timeout=60)  # used to hang until the timeout
    vpc = urn("resource_refs", "aws:ec2/vpc:Vpc", "main")
    subnet = by_name(result, "a")
    assert dict(subnet.props) == {"vpcId": UNKNOWN, "cidrBlock": "10.0.1.0/24"}  # the id is unknown in a preview
    assert subnet.property_dependencies["vpcId"] == (vpc,)
    role = urn("resource_refs", "aws:iam/role:Role", "fn")
    assert by_name(result, "fn-logs").property_dependencies["role"] == (role,)
    permission = by_name(result, "invoke")
    assert permission.props["function"] is UNKNOWN
    assert permission.property_dependencies["function"] == (urn("resource_refs", "aws:lambda/function:Function",
                                                                "fn"),)


def test_a_remote_component_runs_to_the_end() -> None:
    result = run("remote_component", timeout=60)
    alb = by_name(result, "web", "awsx:lb:ApplicationLoadBalancer")
    assert (alb.custom, alb.location) == (False, Location("tests/fixtures/programs/remote_component/__main__.py", 44))
    listener = by_name(result, "web-https")
    assert listener.props["defaultActions"] == [{"type": "forward", "targetGroupArn": UNKNOWN}]
    assert by_name(result, "app").props["vpcId"] is UNKNOWN
    assert by_name(result, "db").props["subnetIds"] is UNKNOWN


# ---------------------------------------------------------------- config and environment


def test_every_missing_config_key_is_named_in_one_run() -> None:
    assert error("missing_many", InputError) == (
        "missing_many/__main__.py:5: missing required config for stack dev: missing_many:vpcCidr (line 5), "
        "missing_many:replicas (line 6), missing_many:dbPassword (line 7), missing_many:zones (line 8) "
        "(set them in missing_many/Pulumi.dev.yaml or pass --config vpcCidr=value --config replicas=value "
        "--config dbPassword=value --config zones=value)")


def test_defaults_from_pulumi_yaml_config_and_template() -> None:
    result = run("project_defaults")
    assert result.region == "eu-north-1"  # template.config default
    assert dict(by_name(result, "logs").props) == {"bucket": "logs-staging-platform", "tags": {"retention": "14"}}


def test_a_folder_without_pulumi_yaml_lists_the_projects_below_it(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    project = "name: p\nruntime: python\n"
    write(tmp_path, {"repo/a/Pulumi.yaml": project, "repo/b/c/Pulumi.yaml": project, "repo/b/d/x.txt": "",
                     "repo/.venv/e/Pulumi.yaml": project, "repo/f/g/h/Pulumi.yaml": project})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as info:
        load_program(Path("repo"))
    assert str(info.value) == "no Pulumi.yaml in repo; Pulumi projects below it: a/, b/c/ (pass one of them)"


@pytest.mark.parametrize(("module", "package"), [("pulumi_awsx", "pulumi-awsx"), ("foo_bar.baz", "foo-bar")])
def test_a_missing_module_names_its_pip_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str,
                                               package: str) -> None:
    write(tmp_path, {"Pulumi.yaml": "name: deps\nruntime: python\n", "__main__.py": f"import {module}\n"})
    monkeypatch.chdir(tmp_path)
    python = sys.executable
    with pytest.raises(ProgramError) as info:
        load_program(tmp_path)
    top = module.split(".")[0]
    assert str(info.value) == (
        f"__main__.py:1: the Pulumi program raised ModuleNotFoundError: No module named '{top}' "
        f"(install {package} for {python} ({python} -m pip install {package}), "
        "or pass the program's own interpreter with --python PATH)")
    assert pip_name("yaml") == "PyYAML"


def test_an_alias_bomb_in_the_stack_file_is_refused_quickly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = ["config:", "  bomb:a: &a [x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefg", "bcdefgh", strict=True):
        lines.append(f"  bomb:{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    bomb = "\n".join(lines) + "\n"
    assert len(bomb.encode()) < 500
    write(tmp_path, {"Pulumi.yaml": "name: bomb\nruntime: python\n", "__main__.py": "", "Pulumi.dev.yaml": bomb})
    monkeypatch.chdir(tmp_path)
    started = time.perf_counter()
    with pytest.raises(InputError) as info:
        load_program(tmp_path)
    assert time.perf_counter() - started < 5
    assert str(info.value) == ("Pulumi.dev.yaml:7: too many aliases (YAML alias bomb?) "
                               "(at most 1000 aliases expanding to 100000 values in all)")


def test_a_secure_value_of_the_wrong_type_is_never_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"Pulumi.yaml": "name: sec\nruntime: python\n",
                     "Pulumi.dev.yaml": "config:\n  sec:port:\n    secure: v1:AAAA:BBBB\n",
                     "__main__.py": "import pulumi\n\nport = pulumi.Config().require_int('port')\n"})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as info:
        load_program(tmp_path, config={"port": "hunter2-secret"})
    assert str(info.value) == ("__main__.py:3: config sec:port value (a secret, not shown) is not a valid int "
                               "(set it in Pulumi.dev.yaml or pass --config port=value)")


def test_a_secure_value_in_the_programs_own_error_is_masked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"Pulumi.yaml": "name: sec\nruntime: python\n",
                     "Pulumi.dev.yaml": "config:\n  sec:token:\n    secure: v1:AAAA:BBBB\n",
                     "__main__.py": "import pulumi\n\ntoken = pulumi.Config().require('token')\n"
                                    "raise ValueError(f'token {token} is not valid')\n"})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ProgramError) as info:
        load_program(tmp_path, config={"token": "hunter2-secret"})
    assert str(info.value) == ("__main__.py:4: the Pulumi program raised ValueError: token **** is not valid "
                               "(fix the program; it ran under Pulumi mocks as a preview of stack dev)")


def test_additional_secret_outputs_make_the_input_of_that_name_secret(tmp_path: Path) -> None:
    program = write(tmp_path, {"Pulumi.yaml": "name: prog\nruntime: python\n", "__main__.py": (
        "import pulumi\nimport pulumi_aws as aws\n"
        "aws.ecr.Repository('repo', name='repo-CANARY-5f1d3c9a',\n"
        "                   opts=pulumi.ResourceOptions(additional_secret_outputs=['name']))\n"
        "aws.ecr.Repository('plain', name='plain-repo')\n")})
    result = load_program(program, stack="dev")
    assert by_name(result, "repo").props["name"] == Secret("repo-CANARY-5f1d3c9a")
    assert by_name(result, "plain").props["name"] == "plain-repo"


# ---------------------------------------------------------------- documents built from outputs not known at plan time

PARTIAL_PROGRAM = '''import pulumi
import pulumi_aws as aws

repo = aws.ecr.Repository("app")
secret = aws.secretsmanager.Secret("token", name="token")
hidden = pulumi.Output.secret("s3cr3t-value")
container = {"name": "app", "image": pulumi.Output.concat(repo.repository_url, ":1"), "privileged": False,
             "environment": [{"name": "MODE", "value": "prod"}, {"name": "HOST", "value": repo.registry_id}],
             "secrets": [{"name": "TOKEN", "valueFrom": secret.arn}]}
aws.ecs.TaskDefinition("app", family="app", container_definitions=pulumi.Output.json_dumps([container]))
aws.ecs.TaskDefinition("sealed", family="sealed",
                       container_definitions=pulumi.Output.json_dumps([{"name": "x", "environment": [
                           {"name": "PASSWORD", "value": hidden}]}]))
'''


def test_a_json_document_with_unknown_outputs_keeps_its_known_parts(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """`Output.json_dumps` over outputs not known at plan time: the prop is UNKNOWN for every normalizer, and only
    `partial_json` sees the document, with exactly the unknown parts UNKNOWN; a document holding a secret is never
    kept as text."""
    from checks.normalize.base import partial_json

    write(tmp_path, {"Pulumi.yaml": "name: acme\nruntime: python\n", "__main__.py": PARTIAL_PROGRAM})
    monkeypatch.chdir(tmp_path)
    result = load_program(tmp_path)
    app = by_name(result, "app", "aws:ecs/taskDefinition:TaskDefinition")
    assert app.props["containerDefinitions"] is UNKNOWN
    assert partial_json(app, "containerDefinitions") == [{
        "name": "app", "image": UNKNOWN, "privileged": False,
        "environment": [{"name": "MODE", "value": "prod"}, {"name": "HOST", "value": UNKNOWN}],
        "secrets": [{"name": "TOKEN", "valueFrom": UNKNOWN}]}]
    sealed = by_name(result, "sealed", "aws:ecs/taskDefinition:TaskDefinition")
    assert isinstance(sealed.props["containerDefinitions"], Secret)  # known, and secret wherever it flows
    assert sealed.partial == {} and all("s3cr3t-value" not in t for r in result.resources for t in r.partial.values())
