"""The planned source: Pulumi programs run under mocks in a child process (tests/fixtures/programs/)."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from checks.errors import ClearanceError, InputError, ProgramError
from checks.model import UNKNOWN, Location, Secret, SourceKind
from checks.raw import RawResource
from checks.sources.program import ProgramRun, load_program
from checks.sources.stack_config import choose_stack, read_project, read_stack_config

PROGRAMS = Path(__file__).parent.parent / "fixtures" / "programs"
IN_REPO = "tests/fixtures/programs"  # locations are relative to the repository root, whatever the working folder
SENTINEL_URN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def run(name: str | Path, **kwargs: Any) -> ProgramRun:
    """Run a fixture program from the programs folder, so that paths in errors are `<name>/...` (source locations
    are `tests/fixtures/programs/<name>/...`: relative to the repository root)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(PROGRAMS)
        return load_program(Path(name), **kwargs)


def error(name: str | Path, kind: type[ClearanceError], **kwargs: Any) -> str:
    with pytest.raises(kind) as info:
        run(name, **kwargs)
    return str(info.value)


def by_name(result: ProgramRun, name: str, type_: str | None = None) -> RawResource:
    found = [r for r in result.resources if r.name == name and (type_ is None or r.type == type_)]
    assert len(found) == 1, [r.urn for r in result.resources]
    return found[0]


def urn(project: str, qualified_type: str, name: str, stack: str = "dev") -> str:
    return f"urn:pulumi:{stack}::{project}::{qualified_type}::{name}"


KEY = urn("basic", "aws:kms/key:Key", "data")
BUCKET = urn("basic", "aws:s3/bucketV2:BucketV2", "logs")
SSE_TYPE = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
SG = urn("basic", "aws:ec2/securityGroup:SecurityGroup", "web")


@pytest.fixture(scope="module")
def basic() -> ProgramRun:
    return run("basic")


@pytest.fixture(scope="module")
def component() -> ProgramRun:
    return run("component")


# ---------------------------------------------------------------- the basic program


def test_basic_run_identity(basic: ProgramRun) -> None:
    assert (basic.project, basic.stack, basic.region) == ("basic", "dev", "eu-west-1")
    assert basic.program_dir == (PROGRAMS / "basic").resolve()
    assert 0 < basic.duration_s < 60
    assert [(r.type, r.name, r.urn) for r in basic.resources] == [
        ("aws:kms/key:Key", "data", KEY),
        ("aws:s3/bucketV2:BucketV2", "logs", BUCKET),
        (SSE_TYPE, "logs-sse", urn("basic", SSE_TYPE, "logs-sse")),
        ("aws:ec2/securityGroup:SecurityGroup", "web", SG),
        ("aws:rds/instance:Instance", "db", urn("basic", "aws:rds/instance:Instance", "db")),
    ]  # the root stack is left out; URNs lose the mock monitor's `pulumi:pulumi:Stack$`
    for res in basic.resources:
        assert (res.source, res.id, res.custom, res.parent, res.provider) == (SourceKind.PLANNED, None, True, None,
                                                                              None)


def test_basic_locations_point_at_the_constructor_calls(basic: ProgramRun) -> None:
    lines = {r.name: r.location for r in basic.resources}
    main = f"{IN_REPO}/basic/__main__.py"
    assert lines == {"data": Location(main, 12), "logs": Location(main, 14), "logs-sse": Location(main, 16),
                     "web": Location(main, 30), "db": Location(main, 39)}


def test_basic_inputs_are_camel_case_with_config_applied(basic: ProgramRun) -> None:
    key = by_name(basic, "data")
    # deletionWindowInDays: Pulumi.dev.yaml's 30 beats the project default 7; floats from the SDK become ints
    assert key.props == {"description": "data key (test)", "enableKeyRotation": True, "deletionWindowInDays": 30}
    assert by_name(basic, "logs").props == {"bucket": "logs-test", "tags": {"env": "test", "region": "eu-west-1"}}
    web = by_name(basic, "web")
    assert web.props["ingress"] == [  # ports from the JSON-encoded list in Pulumi.dev.yaml
        {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]},
        {"protocol": "tcp", "fromPort": 8443, "toPort": 8443, "cidrBlocks": ["0.0.0.0/0"]},
    ]


def test_values_not_known_at_plan_time_are_unknown(basic: ProgramRun) -> None:
    sse = by_name(basic, "logs-sse")
    assert sse.props["bucket"] is UNKNOWN  # bucket.id: ids are not known in a preview
    rule = sse.props["rules"][0]
    assert rule["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"] is UNKNOWN  # key.arn is not an input
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms"
    assert rule["bucketKeyEnabled"] is True
    assert by_name(basic, "web").props["description"] is UNKNOWN  # apply() over bucket.arn never runs
    db = by_name(basic, "db")
    assert db.props["kmsKeyId"] is UNKNOWN
    assert db.props["vpcSecurityGroupIds"] == [UNKNOWN]


def test_secrets_are_wrapped(basic: ProgramRun) -> None:
    db = by_name(basic, "db")
    assert db.props["password"] == Secret("not-a-real-password")
    assert {k: v for k, v in db.props.items() if k not in ("password", "kmsKeyId", "vpcSecurityGroupIds")} == {
        "engine": "postgres", "instanceClass": "db.t3.micro", "allocatedStorage": 20, "username": "app",
        "storageEncrypted": True, "publiclyAccessible": False}


def test_dependencies_are_normalized(basic: ProgramRun) -> None:
    sse = by_name(basic, "logs-sse")
    assert sse.dependencies == (KEY, BUCKET)
    assert sse.property_dependencies == {"bucket": (BUCKET,), "rules": (KEY,)}
    db = by_name(basic, "db")
    assert db.dependencies == (SG, KEY)
    assert db.property_dependencies["kmsKeyId"] == (KEY,)
    assert db.property_dependencies["vpcSecurityGroupIds"] == (SG,)
    assert db.property_dependencies["engine"] == ()
    assert by_name(basic, "web").property_dependencies == {"description": (BUCKET,), "ingress": ()}


def test_program_warnings_are_kept_once(basic: ProgramRun) -> None:
    assert basic.warnings == [
        "BucketV2 is deprecated: s3.BucketV2 has been deprecated in favor of s3.Bucket",
        "BucketServerSideEncryptionConfigurationV2 is deprecated: aws.s3/bucketserversideencryptionconfigurationv2."
        "BucketServerSideEncryptionConfigurationV2 has been deprecated in favor of aws.s3/"
        "bucketserversideencryptionconfiguration.BucketServerSideEncryptionConfiguration",
    ]


# ---------------------------------------------------------------- components, providers, reads


def test_component_resource_is_kept_at_its_call_site(component: ProgramRun) -> None:
    comp = by_name(component, "archive", "clearance:fixtures:SecureBucket")
    assert comp.urn == urn("component", "clearance:fixtures:SecureBucket", "archive")
    assert (comp.custom, comp.parent, dict(comp.props)) == (False, None, {})
    assert comp.location == Location(f"{IN_REPO}/component/__main__.py", 7)


def test_component_children_are_located_in_the_component_file(component: ProgramRun) -> None:
    parent = urn("component", "clearance:fixtures:SecureBucket", "archive")
    inner = "clearance:fixtures:SecureBucket$"
    children = [r for r in component.resources if r.parent == parent]
    assert [(r.urn, r.location) for r in children] == [
        (urn("component", inner + "aws:s3/bucketV2:BucketV2", "archive"),
         Location(f"{IN_REPO}/component/components/secure_bucket.py", 11)),
        (urn("component", inner + "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "archive-pab"),
         Location(f"{IN_REPO}/component/components/secure_bucket.py", 12)),
        (urn("component", inner + "aws:s3/bucketVersioningV2:BucketVersioningV2", "archive-versioning"),
         Location(f"{IN_REPO}/component/components/secure_bucket.py", 22)),
    ]
    pab = children[1]
    assert pab.property_dependencies["bucket"] == (children[0].urn,)
    assert pab.props == {"bucket": UNKNOWN, "blockPublicAcls": True, "blockPublicPolicy": True,
                         "ignorePublicAcls": True, "restrictPublicBuckets": True}
    assert not (PROGRAMS / "component" / "components" / "__pycache__").exists()


def test_explicit_provider_is_a_resource_located_in_the_program(component: ProgramRun) -> None:
    provider = by_name(component, "west", "pulumi:providers:aws")
    assert provider.location == Location(f"{IN_REPO}/component/__main__.py", 9)  # not the SDK's provider.py
    assert provider.props["region"] == "us-west-2"
    replica = by_name(component, "replica")
    assert replica.provider == f"{urn('component', 'pulumi:providers:aws', 'west')}::{SENTINEL_URN}"


def test_resources_read_with_get_are_not_planned_and_are_reported(component: ProgramRun) -> None:
    assert [r for r in component.resources if r.name == "existing"] == []
    subnet = by_name(component, "app")
    assert subnet.props == {"vpcId": UNKNOWN, "cidrBlock": UNKNOWN}
    assert "aws:ec2/vpc:Vpc::existing is read with .get(): its properties are unknown under mocks" in component.warnings


def test_no_stack_file_means_stack_dev_and_default_region(component: ProgramRun) -> None:
    assert (component.stack, component.region) == ("dev", "us-east-1")


# ---------------------------------------------------------------- config


def test_config_overrides_beat_the_stack_file() -> None:
    result = run("basic", stack="dev", config={"env": "qa", "basic:retentionDays": "9", "aws:region": "ap-south-1"})
    assert result.region == "ap-south-1"
    assert by_name(result, "logs").props == {"bucket": "logs-qa", "tags": {"env": "qa", "region": "ap-south-1"}}
    assert by_name(result, "data").props["deletionWindowInDays"] == 9


def test_encrypted_config_required_by_the_program() -> None:
    # the only stack file is Pulumi.prod.yaml, so the stack is prod
    assert error("secure", InputError) == (
        "secure/__main__.py:7: config secure:dbPassword is encrypted (secure:) in secure/Pulumi.prod.yaml:4 and "
        "cannot be decrypted without the Pulumi CLI (pass its value with --config dbPassword=value)")


def test_encrypted_config_given_on_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_CONFIG", '{"secure:settings": "{\\"retention\\": 30}"}')  # must not leak in
    result = run("secure", config={"dbPassword": "s3cret"})
    assert (result.stack, result.region) == ("prod", "eu-central-1")
    db = by_name(result, "db")
    assert db.props["password"] == Secret("s3cret")
    assert db.props["backupRetentionPeriod"] == 1  # `settings` is encrypted: the program saw no value...
    assert result.warnings == [  # ...and the user is told
        "secure/Pulumi.prod.yaml:6: config secure:settings is encrypted and was left unset "
        "(pass it with --config settings=value)"]


def test_missing_required_config() -> None:
    assert error("missing_config", InputError) == (
        "missing_config/__main__.py:5: missing required config missing_config:vpcCidr for stack dev "
        "(set it in missing_config/Pulumi.dev.yaml or pass --config vpcCidr=value)")


def test_config_of_the_wrong_type() -> None:
    assert error("config_type", InputError) == (
        "config_type/__main__.py:3: config config_type:count value 'many' is not a valid int "
        "(set it in config_type/Pulumi.dev.yaml or pass --config count=value)")


# ---------------------------------------------------------------- errors of the program


def test_program_raises() -> None:
    assert error("raises", ProgramError) == (
        "raises/__main__.py:8: the Pulumi program raised ValueError: environment 'Prod' must be lower case "
        "(fix the program; it ran under Pulumi mocks as a preview of stack dev)")


def test_invoke_results_are_indexable_under_mocks() -> None:
    # invokes used to return no data, and `zones.names[0]` failed; see also tests/sources/test_program_mocks.py
    result = run("invoke")
    assert result.resources == []
    assert result.warnings == [
        f"invoke {token} cannot be answered under mocks: what the program derives from its result is unknown"
        for token in ("aws:index/getCallerIdentity:getCallerIdentity",
                      "aws:index/getAvailabilityZones:getAvailabilityZones")]


def test_syntax_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # written here rather than kept as a fixture, so that `ruff check .` stays clean
    write(tmp_path, {"Pulumi.yaml": "name: syntax\nruntime: python\n",
                     "__main__.py": "import pulumi\n\nbucket = dict(name='logs'\npulumi.export('bucket', bucket)\n"})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ProgramError) as info:
        load_program(tmp_path)
    assert str(info.value) == (
        "__main__.py:3: syntax error in the Pulumi program: '(' was never closed "
        "(check it with `python -m py_compile __main__.py`)")


def test_program_exits() -> None:
    assert error("exits", ProgramError) == (
        "exits/__main__.py:3: the Pulumi program called sys.exit(2) "
        "(a Pulumi program must not exit; raise an exception to fail it)")


def test_child_crash_shows_the_last_line_of_stderr() -> None:
    assert error("crash", ProgramError) == (
        "crash/__main__.py: the Pulumi program exited with code 3 without a result: fatal: the widget broke "
        "(this is the last line of its error output; `pulumi preview` shows all of it)")


def test_timeout() -> None:
    assert error("slow", ProgramError, timeout=1) == (
        "slow/__main__.py: the Pulumi program did not finish within 1 s "
        "(raise the limit with --program-timeout SECONDS, or look for a loop or a network call that never returns)")


def test_interpreter_that_does_not_exist(tmp_path: Path) -> None:
    python = str(tmp_path / "venv" / "bin" / "python")
    assert error("basic", ProgramError, python=python) == (
        f"Python interpreter {python} does not exist "
        "(give an interpreter whose environment has pulumi and pulumi-aws installed)")


def test_interpreter_without_pulumi(tmp_path: Path) -> None:
    python = tmp_path / "python"  # this interpreter without its site-packages
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" -S "$@"\n', encoding="utf-8")
    python.chmod(python.stat().st_mode | stat.S_IXUSR)
    relative = os.path.relpath(python, PROGRAMS)  # relative to where clearance runs, not to the program folder
    assert error("basic", ProgramError, python=relative) == (
        f"Python interpreter {python} has no pulumi module: No module named 'pulumi' "
        f"(install pulumi and pulumi-aws in that environment: {python} -m pip install pulumi pulumi-aws)")


# ---------------------------------------------------------------- Pulumi.yaml


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_main_folder_environment_and_sys_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {
        "Pulumi.yaml": "name: entry\nruntime: python\nmain: app/\n",
        "app/service.py": ("import pulumi\n\n\nclass Service(pulumi.ComponentResource):\n"
                           "    def __init__(self, name: str) -> None:\n"
                           "        super().__init__('entry:app:Service', name)\n"),
        "app/__main__.py": (
            "import os\nfrom service import Service\n\n"
            "leaked = sorted(k for k in os.environ if k.startswith('PULUMI_'))\n"
            "Service(f\"svc-{'-'.join(leaked) or 'clean'}\")\n"),
    })
    monkeypatch.setenv("PULUMI_ACCESS_TOKEN", "pul-not-a-token")
    monkeypatch.chdir(tmp_path)
    result = load_program(tmp_path)
    assert [(r.urn, r.custom, r.location) for r in result.resources] == [
        (urn("entry", "entry:app:Service", "svc-clean"), False, Location("app/__main__.py", 5))]


@pytest.mark.parametrize(("files", "message"), [
    ({}, "Pulumi.yaml: not found: this is not a Pulumi project "
         "(give the directory that holds the program's Pulumi.yaml)"),
    ({"Pulumi.yaml": "name: x\nruntime: [python\n"}, "Pulumi.yaml:3:1: invalid YAML: did not find expected ',' or "
                                                     "']' (fix the YAML syntax)"),  # checks.yamlfile's bounded loader
    ({"Pulumi.yaml": "runtime: python\n"}, "Pulumi.yaml: field `name` must be the project name "
                                           "(add `name: <project>` to Pulumi.yaml)"),
    ({"Pulumi.yaml": "name: x\nruntime: nodejs\n"}, "Pulumi.yaml:2: field `runtime` is 'nodejs': clearance runs "
                                                    "Python programs only (set `runtime: python` or point clearance "
                                                    "at a preview)"),
    ({"Pulumi.yaml": "name: x\nruntime: python\nmain: src/app.py\n"},
     "Pulumi.yaml:3: the program's entry file src/app.py does not exist "
     "(add __main__.py or set `main:` in Pulumi.yaml to the program's entry file)"),
    ({"Pulumi.yaml": "name: x\nruntime: python\n", "__main__.py": "", "Pulumi.dev.yaml": "config:\n  - a\n"},
     "Pulumi.dev.yaml:1: `config` must be a mapping of key: value (write one `key: value` per line under `config:`)"),
])
def test_project_file_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str],
                             message: str) -> None:
    write(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as info:
        load_program(tmp_path)
    assert str(info.value) == message


def test_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a directory"):
        load_program(tmp_path / "nowhere")



# ---------------------------------------------------------------- stack config


def test_stack_config_keys_values_and_encryption(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {
        "Pulumi.yaml": "name: proj\nruntime: python\nconfig:\n  size: {type: string, default: small}\n"
                       "  aws:profile: {value: ops}\n  zones: [a, b]\n",
        "__main__.py": "",
        "Pulumi.dev.yaml": "environment: [team-env]\nconfig:\n  count: 3\n  proj:enabled: true\n"
                           "  tags: {b: 2, a: x}\n  empty:\n  other:key: v\n  token:\n    secure: v1:abc\n",
    })
    monkeypatch.chdir(tmp_path)
    project = read_project(tmp_path)
    stack, warnings = choose_stack(project, None)
    assert (stack, warnings) == ("dev", [])
    cfg = read_stack_config(project, stack, {"size": "large", "proj:token": "t"})
    assert cfg.values == {"proj:size": "large", "aws:profile": "ops", "proj:zones": '["a","b"]', "proj:count": "3",
                          "proj:enabled": "true", "proj:tags": '{"a":"x","b":2}', "other:key": "v",
                          "proj:token": "t", "aws:region": "us-east-1"}
    assert (dict(cfg.encrypted), cfg.secret_keys) == ({}, frozenset({"proj:token"}))
    assert cfg.warnings == ("Pulumi.dev.yaml: Pulumi ESC environments are not read: config they provide is missing",
                            "Pulumi.dev.yaml:6: config proj:empty has no value: left unset")
    assert read_stack_config(project, stack, {}).encrypted == {"proj:token": 8}


def test_stack_choice(tmp_path: Path) -> None:
    write(tmp_path, {"Pulumi.yaml": "name: proj\nruntime: python\n", "__main__.py": "",
                     "Pulumi.prod.yaml": "", "Pulumi.staging.yaml": ""})
    project = read_project(tmp_path)
    assert choose_stack(project, "acme/proj/prod") == ("prod", [])
    assert choose_stack(project, None) == ("dev", [
        "several stack files (Pulumi.prod.yaml, Pulumi.staging.yaml): using stack dev; choose one with --stack"])
