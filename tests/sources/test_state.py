"""load_state: `pulumi stack export` files -> raw resources of the state view."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checks.errors import InputError
from checks.model import UNKNOWN, Location, Secret, SourceKind
from checks.raw import RawResource
from checks.sources.jsonfile import FileSource
from checks.sources.state import load_state

FIXTURES = Path(__file__).parent.parent / "fixtures" / "state"
PREVIEW_FIXTURES = Path(__file__).parent.parent / "fixtures" / "preview"
SIG = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}


def load(name: str) -> FileSource:
    return load_state(FIXTURES / name)


def by_name(source: FileSource, type_: str, name: str) -> RawResource:
    found = [r for r in source.resources if r.type == type_ and r.name == name]
    assert len(found) == 1, [(r.type, r.name) for r in source.resources]
    return found[0]


def error_of(path: Path) -> str:
    with pytest.raises(InputError) as info:
        load_state(path)
    return str(info.value)


@pytest.fixture
def in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_state(data: Any, name: str = "state.json") -> Path:
    path = Path(name)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def fixture_data(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


# ---------------------------------------------------------------- the reference example (aws 6.63 legacy Bucket)


def test_sample_export_resources_without_stack_and_provider() -> None:
    source = load("sample_export_v6_legacy_bucket.json")
    assert source.source is SourceKind.STATE
    assert (source.project, source.stack) == ("sample", "dev")
    assert [(r.type, r.name, r.id) for r in source.resources] == [
        ("aws:s3/bucket:Bucket", "docs", "docs-4936161"),
        ("aws:s3:BucketEventSubscription", "docsHandler", None),
        ("aws:iam/role:Role", "docsHandler", "docsHandler-9eca035"),
        ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "docsHandler-4aaabb8e",
         "docsHandler-9eca035-20241206102232055400000001"),
    ]
    assert source.warnings == [] and dict(source.ops) == {} and source.pending_replacement == frozenset()


def test_sample_bucket_merges_outputs_over_inputs_with_the_inline_sse_shape() -> None:
    bucket = by_name(load("sample_export_v6_legacy_bucket.json"), "aws:s3/bucket:Bucket", "docs")
    assert bucket.urn == "urn:pulumi:dev::sample::aws:s3/bucket:Bucket::docs"
    assert bucket.source is SourceKind.STATE and bucket.custom is True
    assert bucket.parent is None
    assert bucket.provider == "urn:pulumi:dev::sample::pulumi:providers:aws::default_6_63_0"
    assert bucket.location == Location("index.ts", 5)
    assert bucket.property_dependencies == {"acl": (), "bucket": (), "forceDestroy": ()}
    assert "__defaults" not in bucket.props
    assert bucket.props["serverSideEncryptionConfiguration"] == {
        "rule": {"applyServerSideEncryptionByDefault": {"kmsMasterKeyId": "", "sseAlgorithm": "AES256"},
                 "bucketKeyEnabled": False}}
    assert bucket.props["versioning"] == {"enabled": False, "mfaDelete": False}
    assert bucket.props["region"] == "eu-west-1"  # its own output
    assert bucket.props["acl"] == "private" and bucket.props["forceDestroy"] is False
    assert bucket.props["replicationConfiguration"] is None


def test_sample_children_and_dependencies() -> None:
    source = load("sample_export_v6_legacy_bucket.json")
    sub = by_name(source, "aws:s3:BucketEventSubscription", "docsHandler")
    role = by_name(source, "aws:iam/role:Role", "docsHandler")
    attachment = by_name(source, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "docsHandler-4aaabb8e")
    assert sub.custom is False and sub.parent == "urn:pulumi:dev::sample::aws:s3/bucket:Bucket::docs"
    assert role.parent == attachment.parent == sub.urn
    assert attachment.dependencies == (role.urn,)
    assert attachment.property_dependencies == {"policyArn": (), "role": (role.urn,)}
    assert attachment.props == {"policyArn": "arn:aws:iam::aws:policy/AmazonS3FullAccess",
                                "role": "docsHandler-9eca035", "id": "docsHandler-9eca035-20241206102232055400000001"}
    assert "region" not in role.props  # the default provider of this export has no region


def test_outputs_win_over_inputs(in_tmp: Path) -> None:
    data = fixture_data("sample_export_v6_legacy_bucket.json")
    bucket = data["deployment"]["resources"][2]
    bucket["inputs"]["tags"] = {"team": "docs", "env": "dev"}
    bucket["inputs"]["onlyAnInput"] = "kept"
    bucket["outputs"]["tags"] = {"team": "docs"}
    props = by_name(load_state(write_state(data)), "aws:s3/bucket:Bucket", "docs").props
    assert props["tags"] == {"team": "docs"}
    assert props["onlyAnInput"] == "kept"



def test_inputs_the_provider_defaulted_are_not_what_the_program_set(in_tmp: Path) -> None:
    """An auto-named resource's `name` is among its inputs in a real export, listed in `__defaults`."""
    data = fixture_data("sample_export_v6_legacy_bucket.json")
    bucket = data["deployment"]["resources"][2]
    bucket["inputs"]["bucket"] = "docs-1a2b3c4"
    bucket["inputs"]["acl"] = "private"
    bucket["inputs"]["__defaults"] = ["bucket"]
    raw = by_name(load_state(write_state(data)), "aws:s3/bucket:Bucket", "docs")
    assert not raw.is_input("bucket")
    assert raw.is_input("acl")

# ---------------------------------------------------------------- aws 6.66: KMS, BucketV2 + SSE V2, SG, secrets


def test_estate_types() -> None:
    source = load("v6_kms_sse_v2_side_resource_sg_secret_rds.json")
    assert (source.project, source.stack) == ("orders", "prod")
    assert [r.type for r in source.resources] == [
        "aws:kms/key:Key", "aws:s3/bucketV2:BucketV2",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
        "aws:ec2/securityGroup:SecurityGroup", "aws:secretsmanager/secret:Secret",
        "aws:secretsmanager/secretVersion:SecretVersion", "aws:rds/instance:Instance"]
    assert source.warnings == []


def test_default_provider_region_fills_resources_without_one() -> None:
    source = load("v6_kms_sse_v2_side_resource_sg_secret_rds.json")
    assert [r.props.get("region") for r in source.resources] == ["eu-west-1"] * 7
    sg = by_name(source, "aws:ec2/securityGroup:SecurityGroup", "web")
    assert sg.props["region"] == "eu-west-1"  # no region attribute in pulumi-aws v6: from the provider
    assert sg.id == "sg-0123456789abcdef0"
    assert sg.props["ingress"][0] == {"cidrBlocks": ["0.0.0.0/0"], "description": "https", "fromPort": 443,
                                      "protocol": "tcp", "self": False, "toPort": 443, "ipv6CidrBlocks": [],
                                      "prefixListIds": [], "securityGroups": []}


def test_kms_key_props() -> None:
    key = by_name(load("v6_kms_sse_v2_side_resource_sg_secret_rds.json"), "aws:kms/key:Key", "data")
    assert key.id == "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    assert key.props["enableKeyRotation"] is True
    assert key.props["rotationPeriodInDays"] == 365
    assert key.props["customerMasterKeySpec"] == "SYMMETRIC_DEFAULT"
    assert key.location == Location("__main__.py", 9)


def test_bucketv2_plural_shape_and_sse_v2_side_resource() -> None:
    source = load("v6_kms_sse_v2_side_resource_sg_secret_rds.json")
    key_arn = "arn:aws:kms:eu-west-1:444455556666:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    bucket = by_name(source, "aws:s3/bucketV2:BucketV2", "data")
    assert bucket.props["serverSideEncryptionConfigurations"] == [
        {"rules": [{"applyServerSideEncryptionByDefaults": [{"kmsMasterKeyId": key_arn, "sseAlgorithm": "aws:kms"}],
                    "bucketKeyEnabled": True}]}]
    assert bucket.props["versionings"] == [{"enabled": False, "mfaDelete": False}]
    sse = by_name(source, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
                  "data")
    assert sse.props == {
        "bucket": "orders-data-1a2b3c4", "expectedBucketOwner": "", "id": "orders-data-1a2b3c4",
        "rules": [{"applyServerSideEncryptionByDefault": {"kmsMasterKeyId": key_arn, "sseAlgorithm": "aws:kms"},
                   "bucketKeyEnabled": True}],
        "region": "eu-west-1",
    }
    key_urn = "urn:pulumi:prod::orders::aws:kms/key:Key::data"
    assert sse.property_dependencies == {"bucket": (bucket.urn,), "rules": (key_urn,)}
    assert sse.dependencies == (key_urn, bucket.urn)


def test_ciphertext_secrets_are_unknown_and_engine_keys_dropped() -> None:
    source = load("v6_kms_sse_v2_side_resource_sg_secret_rds.json")
    version = by_name(source, "aws:secretsmanager/secretVersion:SecretVersion", "db-credentials")
    assert version.props["secretString"] is UNKNOWN
    assert version.props["secretBinary"] is UNKNOWN
    assert version.props["versionStages"] == ["AWSCURRENT"]
    db = by_name(source, "aws:rds/instance:Instance", "orders")
    assert db.props["password"] is UNKNOWN
    assert "__meta" not in db.props
    assert db.props["storageEncrypted"] is True
    assert db.props["port"] == 5432
    assert db.props["kmsKeyId"] == "arn:aws:kms:eu-west-1:444455556666:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    assert db.property_dependencies["vpcSecurityGroupIds"] == ("urn:pulumi:prod::orders::aws:ec2/securityGroup:"
                                                               "SecurityGroup::web",)
    assert db.id == "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ"


# ---------------------------------------------------------------- aws 7.51: v7 Bucket + side resource


def test_v7_bucket_singular_sse_shape_and_side_resource() -> None:
    source = load("v7_bucket_with_sse_side_resource.json")
    key_arn = "arn:aws:kms:eu-west-1:777788889999:key/5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"
    bucket = by_name(source, "aws:s3/bucket:Bucket", "reports")
    assert bucket.props["serverSideEncryptionConfiguration"] == {
        "rule": {"applyServerSideEncryptionByDefault": {"kmsMasterKeyId": key_arn, "sseAlgorithm": "aws:kms"},
                 "bucketKeyEnabled": True}}
    assert bucket.props["versioning"] == {"enabled": False, "mfaDelete": False}
    assert bucket.props["bucketRegion"] == "eu-west-1"
    sse = by_name(source, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                  "reports")
    assert sse.props["rules"] == [{"applyServerSideEncryptionByDefault": {"kmsMasterKeyId": key_arn,
                                                                          "sseAlgorithm": "aws:kms"},
                                   "blockedEncryptionTypes": [], "bucketKeyEnabled": True}]
    assert sse.property_dependencies["bucket"] == (bucket.urn,)


def test_v7_own_region_wins_over_the_provider_and_other_packages_get_none() -> None:
    source = load("v7_bucket_with_sse_side_resource.json")
    topic = by_name(source, "aws:sns/topic:Topic", "alerts")
    assert topic.provider == "urn:pulumi:staging::reports::pulumi:providers:aws::use1"
    assert topic.props["region"] == "us-east-1"
    password = by_name(source, "random:index/randomPassword:RandomPassword", "db")
    assert "region" not in password.props
    assert password.props["result"] is UNKNOWN


def test_explicit_provider_region_applies_when_the_resource_has_none(in_tmp: Path) -> None:
    data = fixture_data("v7_bucket_with_sse_side_resource.json")
    topic = next(r for r in data["deployment"]["resources"] if r["type"] == "aws:sns/topic:Topic")
    del topic["outputs"]["region"]
    source = load_state(write_state(data))
    assert by_name(source, "aws:sns/topic:Topic", "alerts").props["region"] == "us-east-1"


# ---------------------------------------------------------------- --show-secrets


def test_plaintext_secrets_become_secret() -> None:
    source = load("show_secrets_plaintext.json")
    version = by_name(source, "aws:secretsmanager/secretVersion:SecretVersion", "db-credentials")
    assert version.props["secretString"] == Secret('{"username": "orders", "password": "Tr0ub4dor&3"}')
    db = by_name(source, "aws:rds/instance:Instance", "orders")
    assert db.props["password"] == Secret("Tr0ub4dor&3")
    assert db.props["port"] == Secret(5432)
    assert "Tr0ub4dor" not in repr(db) + repr(version) + " ".join(source.warnings)


# ---------------------------------------------------------------- an interrupted update


def test_pending_operations_deletes_replacements_and_external_resources() -> None:
    source = load("interrupted_update_pending_and_deleted.json")
    assert [(r.name, r.id) for r in source.resources] == [("web", "i-0bbbbbbbbbbbbbbb2"),
                                                          ("worker", "i-0ccccccccccccccc3")]
    worker = "urn:pulumi:prod::fleet::aws:ec2/instance:Instance::worker"
    assert source.pending_replacement == frozenset({worker})
    assert source.warnings == [
        "urn:pulumi:prod::fleet::aws:ec2/instance:Instance::web is marked for deletion "
        "(a replaced or failed delete): skipped",
        f"{worker} is pending replacement: it was deleted before its replacement was created",
        "pending operation 'creating' on urn:pulumi:prod::fleet::aws:s3/bucket:Bucket::uploads: an update was "
        "interrupted, so the state may not match the cloud; run 'pulumi refresh', then export again",
    ]


def test_empty_stack_export() -> None:
    source = load("empty_stack_after_destroy.json")
    assert source.resources == []
    assert (source.project, source.stack) == (None, None)
    assert source.warnings == ["the stack export lists no resources: the stack is empty"]


def test_duplicate_urns_keep_the_first(in_tmp: Path) -> None:
    data = fixture_data("sample_export_v6_legacy_bucket.json")
    resources = data["deployment"]["resources"]
    resources.append(dict(resources[2], id="docs-other"))
    source = load_state(write_state(data))
    assert by_name(source, "aws:s3/bucket:Bucket", "docs").id == "docs-4936161"
    assert source.warnings == ["urn:pulumi:dev::sample::aws:s3/bucket:Bucket::docs is listed twice: kept the first"]


def test_mock_monitor_urns_are_normalized(in_tmp: Path) -> None:
    data = fixture_data("sample_export_v6_legacy_bucket.json")
    bucket = data["deployment"]["resources"][2]
    bucket["urn"] = "urn:pulumi:dev::sample::pulumi:pulumi:Stack$aws:s3/bucket:Bucket::docs"
    source = load_state(write_state(data))
    assert by_name(source, "aws:s3/bucket:Bucket", "docs").urn == "urn:pulumi:dev::sample::aws:s3/bucket:Bucket::docs"


def test_resources_of_several_stacks_are_reported(in_tmp: Path) -> None:
    data = fixture_data("sample_export_v6_legacy_bucket.json")
    resources = data["deployment"]["resources"]
    resources.append(dict(resources[2], urn="urn:pulumi:prod::other::aws:s3/bucket:Bucket::docs"))
    source = load_state(write_state(data))
    assert (source.project, source.stack) == ("sample", "dev")
    assert source.warnings == ["the file mixes resources of 2 stacks: reporting sample/dev"]
    assert len(source.resources) == 5


# ---------------------------------------------------------------- errors


def test_version_2(in_tmp: Path) -> None:
    assert error_of(write_state({"version": 2, "deployment": {"resources": []}})) == (
        "state.json: stack export version 2 is not supported: export it with Pulumi CLI 3.x "
        "('pulumi stack export --file state.json')")


def test_version_4(in_tmp: Path) -> None:
    assert error_of(write_state({"version": 4, "deployment": {"resources": []}})) == (
        "state.json: stack export version 4 is not supported: clearance reads version 3")


@pytest.mark.parametrize(("data", "problem"), [
    ({"deployment": {}}, "the stack export has no 'version'"),
    ({"version": "3", "deployment": {}}, "the stack export 'version' is not a number"),
    ({"version": True, "deployment": {}}, "the stack export 'version' is not a number"),
])
def test_bad_version(in_tmp: Path, data: Any, problem: str) -> None:
    assert error_of(write_state(data)) == (
        f"state.json: {problem}: export it again with Pulumi CLI 3.x ('pulumi stack export --file state.json')")


def test_preview_given_as_state(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(PREVIEW_FIXTURES)
    assert error_of(Path("v7_bucket_with_sse_side_resource.json")) == (
        "v7_bucket_with_sse_side_resource.json: this is a preview file ('pulumi preview --json'), not a state file "
        "('pulumi stack export'): use '--preview v7_bucket_with_sse_side_resource.json'")


def test_backend_checkpoint_file(in_tmp: Path) -> None:
    assert error_of(write_state({"version": 3, "checkpoint": {"stack": "dev", "latest": {}}})) == (
        "state.json: this is not a state file ('pulumi stack export') (no 'deployment' at the top level): "
        "regenerate it with 'pulumi stack export --file state.json'")


def test_missing_file(in_tmp: Path) -> None:
    assert error_of(Path("state.json")) == (
        "state.json: file not found: check the path, or create it with 'pulumi stack export --file state.json'")


def test_empty_file(in_tmp: Path) -> None:
    Path("state.json").write_text("")
    assert error_of(Path("state.json")) == (
        "state.json: the file is empty: regenerate it with 'pulumi stack export --file state.json'")


def test_truncated_state_never_quotes_a_secret(in_tmp: Path) -> None:
    text = (FIXTURES / "show_secrets_plaintext.json").read_text()
    Path("state.json").write_text(text[: text.index("Tr0ub4dor") + 5])  # cut inside a --show-secrets plaintext
    message = error_of(Path("state.json"))
    assert message == ("state.json:52:38: invalid JSON (Unterminated string starting at): the file looks truncated; "
                       "regenerate it with 'pulumi stack export --file state.json'")
    assert "Tr0ub" not in message


SUFFIX = ": the file is not a complete stack export; regenerate it with 'pulumi stack export --file state.json'"


@pytest.mark.parametrize(("mutate", "problem"), [
    (lambda d: d.update(deployment=[]), "'deployment' is not an object"),
    (lambda d: d["deployment"].clear(), "deployment.resources is missing"),
    (lambda d: d["deployment"].update(resources={}), "deployment.resources is not a list"),
    (lambda d: d["deployment"]["resources"].__setitem__(3, None), "deployment.resources[3] is not an object"),
    (lambda d: d["deployment"]["resources"][3].pop("type"),
     "deployment.resources[3] (urn:pulumi:dev::sample::aws:s3/bucket:Bucket$aws:s3:BucketEventSubscription::"
     "docsHandler) has no 'type'"),
    (lambda d: d["deployment"]["resources"][2].pop("urn"), "deployment.resources[2] has no 'urn'"),
    (lambda d: d["deployment"]["resources"][2].update(urn="docs"), "deployment.resources[2].urn is not a Pulumi URN"),
    (lambda d: d["deployment"]["resources"][2].update(inputs="acl=private"),
     "deployment.resources[2].inputs is not an object"),
    (lambda d: d["deployment"]["resources"][2].update(outputs=[]), "deployment.resources[2].outputs is not an object"),
    (lambda d: d["deployment"]["resources"][5].update(dependencies=[1]),
     "deployment.resources[5].dependencies is not a list of URNs"),
    (lambda d: d["deployment"]["resources"][5]["propertyDependencies"].update(role="urn"),
     "deployment.resources[5].propertyDependencies.role is not a list of URNs"),
    (lambda d: d["deployment"].update(pending_operations={}), "deployment.pending_operations is not a list"),
    (lambda d: d["deployment"].update(pending_operations=[{"type": "creating"}]),
     "deployment.pending_operations[0] has no resource 'urn' or 'type'"),
])
def test_structure_errors(in_tmp: Path, mutate: Any, problem: str) -> None:
    data = fixture_data("sample_export_v6_legacy_bucket.json")
    mutate(data)
    assert error_of(write_state(data)) == f"state.json: {problem}{SUFFIX}"


def test_resource_without_type_or_urn_in_a_secret_bearing_export(in_tmp: Path) -> None:
    data = fixture_data("show_secrets_plaintext.json")
    data["deployment"]["resources"][3].pop("type")
    message = error_of(write_state(data))
    assert message == ("state.json: deployment.resources[3] (urn:pulumi:dev::orders::aws:rds/instance:Instance::orders)"
                       f" has no 'type'{SUFFIX}")


def test_project_positions_are_placed_in_the_project_folder_beside_the_state_file(tmp_path: Path) -> None:
    project = tmp_path / "stacks" / "web"
    project.mkdir(parents=True)
    (project / "Pulumi.yaml").write_text("name: web\nruntime: python\n")
    state = project / "state.json"
    state.write_text(json.dumps({"version": 3, "deployment": {"manifest": {}, "resources": [{
        "urn": "urn:pulumi:dev::web::aws:kms/key:Key::k", "custom": True, "type": "aws:kms/key:Key", "id": "k-1",
        "inputs": {}, "outputs": {}, "sourcePosition": "project:///__main__.py#7,5"}]}}))
    [res] = load_state(state, cwd=tmp_path).resources
    assert res.location == Location("stacks/web/__main__.py", 7)
    (project / "Pulumi.yaml").unlink()
    [res] = load_state(state, cwd=tmp_path).resources
    assert res.location == Location("__main__.py", 7)  # no project beside the file: as the export names it
