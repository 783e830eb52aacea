"""load_preview: `pulumi preview --json` files -> raw resources of the planned view."""

from __future__ import annotations

import codecs
import json
from pathlib import Path
from typing import Any

import pytest

from checks.errors import InputError
from checks.model import UNKNOWN, Location, Secret, SourceKind
from checks.raw import RawResource
from checks.sources.jsonfile import FileSource
from checks.sources.preview import load_preview

FIXTURES = Path(__file__).parent.parent / "fixtures" / "preview"
STATE_FIXTURES = Path(__file__).parent.parent / "fixtures" / "state"
UNK = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def load(name: str, **kwargs: Any) -> FileSource:
    return load_preview(FIXTURES / name, **kwargs)


def by_name(source: FileSource, type_: str, name: str) -> RawResource:
    found = [r for r in source.resources if r.type == type_ and r.name == name]
    assert len(found) == 1, [(r.type, r.name) for r in source.resources]
    return found[0]


def error_of(path: Path) -> str:
    with pytest.raises(InputError) as info:
        load_preview(path)
    return str(info.value)


def write_preview(tmp_path: Path, data: Any, name: str = "preview.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# ---------------------------------------------------------------- the real example (TypeScript, aws 6.63 Bucket)


def test_sample_creates_lists_every_resource_but_the_stack() -> None:
    source = load("sample_creates_typescript_v6_bucket.json")
    assert source.source is SourceKind.PLANNED
    assert (source.project, source.stack) == ("sample", "dev")
    assert [(r.type, r.name) for r in source.resources] == [
        ("aws:s3/bucket:Bucket", "docs"),
        ("aws:s3:BucketEventSubscription", "docsHandler"),
        ("aws:iam/role:Role", "docsHandler"),
        ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "docsHandler-a1de8170"),
    ]
    assert set(source.ops.values()) == {"create"}
    assert source.warnings == []


def test_sample_bucket_fields() -> None:
    bucket = by_name(load("sample_creates_typescript_v6_bucket.json"), "aws:s3/bucket:Bucket", "docs")
    assert bucket == RawResource(
        type="aws:s3/bucket:Bucket",
        urn="urn:pulumi:dev::sample::aws:s3/bucket:Bucket::docs",
        name="docs",
        props={"acl": "private", "bucket": "docs-32c8f2c", "forceDestroy": False},  # __defaults dropped
        source=SourceKind.PLANNED,
        id=None,  # not created yet
        custom=True,
        parent=None,  # the stack
        dependencies=(),
        property_dependencies={},
        location=Location("index.ts", 5),
        provider="urn:pulumi:dev::sample::pulumi:providers:aws::default_6_63_0",
    )


def test_sample_component_child_and_unknown_input() -> None:
    source = load("sample_creates_typescript_v6_bucket.json")
    sub = by_name(source, "aws:s3:BucketEventSubscription", "docsHandler")
    assert sub.custom is False
    assert sub.parent == "urn:pulumi:dev::sample::aws:s3/bucket:Bucket::docs"
    assert sub.props == {}
    role = by_name(source, "aws:iam/role:Role", "docsHandler")
    assert role.parent == sub.urn
    assert role.location == Location("node_modules/@pulumi/aws/lambda/lambdaMixins.ts", 311)
    assert role.props["maxSessionDuration"] == 3600
    attachment = by_name(source, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "docsHandler-a1de8170")
    # the newState of this step has no urn: the step's urn is used
    assert attachment.urn.endswith("$aws:iam/rolePolicyAttachment:RolePolicyAttachment::docsHandler-a1de8170")
    assert attachment.props == {"policyArn": "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess", "role": UNKNOWN}
    assert attachment.dependencies == (role.urn,)
    assert attachment.property_dependencies == {"policyArn": (), "role": (role.urn,)}
    assert attachment.location is None and attachment.provider is None and attachment.parent is None


# ---------------------------------------------------------------- update, same, create, delete, replace (aws 6.63)


def test_update_file_keeps_what_will_exist_with_its_op() -> None:
    source = load("v6_bucket_update_same_create_delete_replace.json")
    assert (source.project, source.stack) == ("payments", "prod")
    assert dict(source.ops) == {
        "urn:pulumi:prod::payments::aws:kms/key:Key::data": "same",
        "urn:pulumi:prod::payments::aws:s3/bucket:Bucket::receipts": "update",
        "urn:pulumi:prod::payments::aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock::receipts": "create",
        "urn:pulumi:prod::payments::aws:iam/role:Role::app": "replace",
    }  # the deleted security group is gone
    assert source.warnings == []


def test_same_and_update_take_the_id_of_the_old_state() -> None:
    source = load("v6_bucket_update_same_create_delete_replace.json")
    assert by_name(source, "aws:kms/key:Key", "data").id == "1234abcd-12ab-34cd-56ef-1234567890ab"
    assert by_name(source, "aws:s3/bucket:Bucket", "receipts").id == "receipts-5d8e2f1"
    assert by_name(source, "aws:iam/role:Role", "app").id is None  # a replacement gets a new id
    assert by_name(source, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "receipts").id is None


def test_update_props_are_the_new_inputs_with_the_v6_inline_sse_shape() -> None:
    source = load("v6_bucket_update_same_create_delete_replace.json")
    bucket = by_name(source, "aws:s3/bucket:Bucket", "receipts")
    key_arn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert bucket.props == {
        "acl": "private",
        "bucket": "receipts-5d8e2f1",
        "forceDestroy": False,
        "tags": {"team": "payments"},
        "serverSideEncryptionConfiguration": {
            "rule": {"applyServerSideEncryptionByDefault": {"kmsMasterKeyId": key_arn, "sseAlgorithm": "aws:kms"},
                     "bucketKeyEnabled": True}},
        "versioning": {"enabled": True, "mfaDelete": False},
        "region": "eu-west-1",  # default provider, from the preview's `aws:region` config
    }
    key = "urn:pulumi:prod::payments::aws:kms/key:Key::data"
    assert bucket.dependencies == (key,)
    assert bucket.property_dependencies["serverSideEncryptionConfiguration"] == (key,)
    assert bucket.property_dependencies["acl"] == ()
    assert bucket.location == Location("__main__.py", 22)  # `#22` without a column


def test_replace_props_are_the_replacement_inputs() -> None:
    role = by_name(load("v6_bucket_update_same_create_delete_replace.json"), "aws:iam/role:Role", "app")
    assert role.props["name"] == "payments-app"
    assert role.props["path"] == "/service/"


# ---------------------------------------------------------------- v7 Bucket + side resource, secrets, provider regions


def test_v7_bucket_and_sse_side_resource() -> None:
    source = load("v7_bucket_with_sse_side_resource.json")
    bucket = by_name(source, "aws:s3/bucket:Bucket", "reports")
    assert bucket.props == {"bucket": "reports-4c1d9e2", "forceDestroy": False, "tags": {"team": "analytics"},
                            "region": "eu-west-1"}
    sse = by_name(source, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                  "reports")
    assert sse.props == {
        "bucket": UNKNOWN,
        "rules": [{"applyServerSideEncryptionByDefault": {"kmsMasterKeyId": UNKNOWN, "sseAlgorithm": "aws:kms"},
                   "bucketKeyEnabled": True}],
        "region": "eu-west-1",
    }
    assert sse.property_dependencies == {"bucket": (bucket.urn,),
                                         "rules": ("urn:pulumi:staging::reports::aws:kms/key:Key::reports",)}
    assert sse.location == Location("__main__.py", 19)


def test_blinded_secrets_are_unknown_and_counted() -> None:
    source = load("v7_bucket_with_sse_side_resource.json")
    version = by_name(source, "aws:secretsmanager/secretVersion:SecretVersion", "db-password")
    assert version.props["secretString"] is UNKNOWN
    db = by_name(source, "aws:rds/instance:Instance", "reports-db")
    assert db.props["password"] is UNKNOWN
    assert db.props["kmsKeyId"] is UNKNOWN
    assert db.props["storageEncrypted"] is True
    assert db.props["allocatedStorage"] == 20
    assert source.warnings == [
        "the preview hides 2 secret value(s) as '[secret]': checks that read them are unknown"]


def test_explicit_provider_region_unless_the_resource_has_its_own() -> None:
    source = load("v7_bucket_with_sse_side_resource.json")
    assert [r.type for r in source.resources].count("pulumi:providers:aws") == 0
    alerts = by_name(source, "aws:sns/topic:Topic", "alerts")
    assert alerts.provider == "urn:pulumi:staging::reports::pulumi:providers:aws::use1"
    assert alerts.props["region"] == "us-east-1"
    assert by_name(source, "aws:sns/topic:Topic", "alerts-eu").props["region"] == "eu-central-1"
    assert source.ops["urn:pulumi:staging::reports::aws:sns/topic:Topic::alerts"] == "create"


def test_no_region_without_config_or_provider_step() -> None:
    bucket = by_name(load("sample_creates_typescript_v6_bucket.json"), "aws:s3/bucket:Bucket", "docs")
    assert "region" not in bucket.props


def test_secret_config_region_is_not_used(tmp_path: Path) -> None:
    data = json.loads((FIXTURES / "v7_bucket_with_sse_side_resource.json").read_text())
    data["config"]["aws:region"] = "[secret]"
    source = load_preview(write_preview(tmp_path, data))
    assert "region" not in by_name(source, "aws:kms/key:Key", "reports").props


def test_signed_secret_objects_become_secret_or_unknown(tmp_path: Path) -> None:
    data = json.loads((FIXTURES / "sample_creates_typescript_v6_bucket.json").read_text())
    sig = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}
    data["steps"][1]["newState"]["inputs"]["policy"] = dict(sig, value="{}")
    data["steps"][1]["newState"]["inputs"]["website"] = dict(sig, value=UNK)
    bucket = by_name(load_preview(write_preview(tmp_path, data)), "aws:s3/bucket:Bucket", "docs")
    assert bucket.props["policy"] == Secret("{}")
    assert bucket.props["website"] is UNKNOWN


# ---------------------------------------------------------------- v6 BucketV2 plural shapes, file:// positions


def test_v6_bucketv2_plural_shape_and_sse_v2_side_resource() -> None:
    source = load("v6_bucketv2_with_sse_v2_side_resource.json", cwd=Path("/home/runner/work"))
    legacy = by_name(source, "aws:s3/bucketV2:BucketV2", "legacy-archive")
    assert legacy.props["serverSideEncryptionConfigurations"] == [
        {"rules": [{"applyServerSideEncryptionByDefaults": [{"kmsMasterKeyId": "", "sseAlgorithm": "AES256"}],
                    "bucketKeyEnabled": False}]}]
    assert legacy.props["region"] == "us-west-2"
    sse = by_name(source, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
                  "archive")
    archive = by_name(source, "aws:s3/bucketV2:BucketV2", "archive")
    assert sse.props["rules"] == [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms:dsse"},
                                   "bucketKeyEnabled": False}]
    assert sse.property_dependencies == {"bucket": (archive.urn,), "rules": ()}
    component = by_name(source, "platform:storage:EncryptedBucket", "archive")
    assert archive.parent == sse.parent == component.urn
    assert component.custom is False


def test_file_uri_positions_relative_to_the_working_directory() -> None:
    source = load("v6_bucketv2_with_sse_v2_side_resource.json", cwd=Path("/home/runner/work"))
    assert by_name(source, "aws:s3/bucketV2:BucketV2", "archive").location == Location(
        "platform-lib/platform/storage.py", 41)
    assert by_name(source, "aws:s3/bucketV2:BucketV2", "legacy-archive").location == Location(
        "archive/infra/legacy buckets.py", 12)  # percent-decoded


def test_file_uri_positions_outside_the_working_directory_stay_absolute() -> None:
    source = load("v6_bucketv2_with_sse_v2_side_resource.json", cwd=Path("/srv/elsewhere"))
    assert by_name(source, "aws:s3/bucketV2:BucketV2", "archive").location == Location(
        "/home/runner/work/platform-lib/platform/storage.py", 41)


def test_file_uri_positions_default_to_the_process_working_directory(monkeypatch: pytest.MonkeyPatch,
                                                                     tmp_path: Path) -> None:
    data = json.loads((FIXTURES / "sample_creates_typescript_v6_bucket.json").read_text())
    data["steps"][1]["newState"]["sourcePosition"] = (tmp_path / "infra" / "__main__.py").as_uri() + "#7"
    path = write_preview(tmp_path, data)
    monkeypatch.chdir(tmp_path)
    bucket = by_name(load_preview(path), "aws:s3/bucket:Bucket", "docs")
    assert bucket.location == Location("infra/__main__.py", 7)


@pytest.mark.parametrize("position", ["project:///index.ts", "project:///index.ts#0", "project:///index.ts#x,1",
                                      "https://example.com/index.ts#3", "project:///#3", 42])
def test_unusable_positions_give_no_location(tmp_path: Path, position: Any) -> None:
    data = json.loads((FIXTURES / "sample_creates_typescript_v6_bucket.json").read_text())
    data["steps"][1]["newState"]["sourcePosition"] = position
    assert by_name(load_preview(write_preview(tmp_path, data)), "aws:s3/bucket:Bucket", "docs").location is None


# ---------------------------------------------------------------- replacement steps, reads, imports


def test_replacement_steps_give_one_resource_and_reads_are_skipped() -> None:
    source = load("replacement_steps_read_and_import.json")
    assert [(r.type, r.name, r.id) for r in source.resources] == [
        ("aws:ec2/instance:Instance", "web", None),
        ("aws:s3/bucket:Bucket", "legacy-logs", "legacy-logs-bucket"),
    ]
    assert dict(source.ops) == {"urn:pulumi:prod::web::aws:ec2/instance:Instance::web": "replace",
                                "urn:pulumi:prod::web::aws:s3/bucket:Bucket::legacy-logs": "import"}
    web = source.resources[0]
    assert web.props["ami"] == "ami-0ff9e8d7c6b5a4930"
    assert web.props["metadataOptions"] == {"httpEndpoint": "enabled", "httpTokens": "required"}
    assert web.props["region"] == "eu-west-1"  # its own v7 `region` input


def test_unknown_ops_are_skipped_with_a_warning(tmp_path: Path) -> None:
    data = json.loads((FIXTURES / "sample_creates_typescript_v6_bucket.json").read_text())
    data["steps"][1]["op"] = "teleport"
    source = load_preview(write_preview(tmp_path, data))
    assert "docs" not in [r.name for r in source.resources]
    assert source.warnings == [
        "steps[1] has an unknown op 'teleport': urn:pulumi:dev::sample::aws:s3/bucket:Bucket::docs skipped"]


# ---------------------------------------------------------------- warnings of the digest


def test_maybe_corrupt_and_error_diagnostics_are_warnings_without_their_text() -> None:
    source = load("maybe_corrupt_with_error_diagnostic.json")
    assert source.warnings == [
        "the preview is marked 'maybeCorrupt' (a resource operation failed part-way): "
        "the planned resources may be incomplete",
        "the preview reported 1 error(s): the planned resources may be incomplete",
    ]
    assert [r.name for r in source.resources] == ["invoices"]
    assert "Sup3rS3cretValue" not in " ".join(source.warnings)


def test_missing_unchanged_resources_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    source = load_preview(Path("without_show_sames.json"))
    assert source.warnings == [
        "the preview lists 1 of its 4 unchanged resources: the others are not checked; "
        "regenerate it with 'pulumi preview --json --show-sames > without_show_sames.json'"]


def test_failed_preview_without_steps_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    message = error_of(Path("failed_program_no_steps.json"))
    assert message == (
        "failed_program_no_steps.json: the preview failed (2 error diagnostic(s)) and lists no resources: "
        "fix the program, then regenerate it with 'pulumi preview --json > failed_program_no_steps.json'")
    assert "hunter2" not in message


def test_a_preview_with_no_steps_and_no_errors_is_empty(tmp_path: Path) -> None:
    source = load_preview(write_preview(tmp_path, {"duration": 12, "changeSummary": {}}))
    assert source.resources == [] and source.warnings == [] and source.stack is None


# ---------------------------------------------------------------- file errors


@pytest.fixture
def in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_truncated_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    assert error_of(Path("truncated_preview.json")) == (
        "truncated_preview.json:52:1: invalid JSON (Expecting ',' delimiter): the file looks truncated; "
        "regenerate it with 'pulumi preview --json > truncated_preview.json'")


def test_missing_file(in_tmp: Path) -> None:
    assert error_of(Path("preview.json")) == (
        "preview.json: file not found: check the path, or create it with 'pulumi preview --json > preview.json'")


def test_directory(in_tmp: Path) -> None:
    (in_tmp / "out").mkdir()
    assert error_of(Path("out")) == "out: is a directory, not a file: give the path of the JSON file"


@pytest.mark.parametrize("content", ["", "  \n\n"])
def test_empty_file(in_tmp: Path, content: str) -> None:
    Path("preview.json").write_text(content)
    assert error_of(Path("preview.json")) == (
        "preview.json: the file is empty: regenerate it with 'pulumi preview --json > preview.json'")


def test_text_output_instead_of_json(in_tmp: Path) -> None:
    Path("preview.json").write_text("Previewing update (dev)\n\n     Type   Name   Plan\n")
    assert error_of(Path("preview.json")) == (
        "preview.json:1:1: invalid JSON (Expecting value): the file does not start with JSON; "
        "regenerate it with 'pulumi preview --json > preview.json'")


def test_two_documents(in_tmp: Path) -> None:
    Path("preview.json").write_text('{"steps": []}\n{"steps": []}\n')
    assert error_of(Path("preview.json")) == (
        "preview.json:2:1: invalid JSON (Extra data): the file holds more than one JSON document; "
        "regenerate it with 'pulumi preview --json > preview.json'")


def test_damaged_json(in_tmp: Path) -> None:
    Path("preview.json").write_text('{"steps": [\n  {"op": "create" "urn": "x"}\n]}\n')
    assert error_of(Path("preview.json")) == (
        "preview.json:2:19: invalid JSON (Expecting ',' delimiter): the file is damaged; "
        "regenerate it with 'pulumi preview --json > preview.json'")


def test_nested_too_deeply(in_tmp: Path) -> None:
    Path("preview.json").write_text('{"steps": ' + "[" * 200_000 + "]" * 200_000 + "}")
    assert error_of(Path("preview.json")) == (
        "preview.json: the JSON is nested too deeply to read: "
        "regenerate it with 'pulumi preview --json > preview.json'")


def test_top_level_list(in_tmp: Path) -> None:
    Path("preview.json").write_text("[]")
    assert error_of(Path("preview.json")) == (
        "preview.json: expected a JSON object at the top level, found a list: "
        "regenerate it with 'pulumi preview --json > preview.json'")


def test_not_utf8(in_tmp: Path) -> None:
    Path("preview.json").write_bytes(b'{"steps": [],\n "config": {"x": "\xff"}}')
    assert error_of(Path("preview.json")) == (
        "preview.json: the file is not UTF-8 text (undecodable byte on line 2): "
        "regenerate it with 'pulumi preview --json > preview.json'")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_bom_encodings_are_read(tmp_path: Path, encoding: str) -> None:
    """Windows PowerShell's `>` writes UTF-16 with a byte-order mark."""
    text = (FIXTURES / "sample_creates_typescript_v6_bucket.json").read_text(encoding="utf-8")
    path = tmp_path / "preview.json"
    path.write_bytes(text.encode(encoding))
    assert path.read_bytes().startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8))
    assert len(load_preview(path).resources) == 4


def test_state_file_given_as_preview(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(STATE_FIXTURES)
    assert error_of(Path("sample_export_v6_legacy_bucket.json")) == (
        "sample_export_v6_legacy_bucket.json: this is a state file ('pulumi stack export'), not a preview file "
        "('pulumi preview --json'): use '--state sample_export_v6_legacy_bucket.json'")


def test_neither_preview_nor_state(in_tmp: Path) -> None:
    Path("preview.json").write_text('{"name": "my-project", "runtime": "python"}')
    assert error_of(Path("preview.json")) == (
        "preview.json: this is not a preview file ('pulumi preview --json') (no 'steps' at the top level): "
        "regenerate it with 'pulumi preview --json > preview.json'")


# ---------------------------------------------------------------- structure errors name the step


SUFFIX = ": the file is not a complete preview; regenerate it with 'pulumi preview --json > preview.json'"


def _broken(in_tmp: Path, mutate: Any) -> str:
    data = json.loads((FIXTURES / "sample_creates_typescript_v6_bucket.json").read_text())
    mutate(data)
    Path("preview.json").write_text(json.dumps(data))
    return error_of(Path("preview.json"))


@pytest.mark.parametrize(("mutate", "problem"), [
    (lambda d: d.update(steps={"op": "create"}), "'steps' is not a list"),
    (lambda d: d["steps"].__setitem__(2, "create"), "steps[2] is not an object"),
    (lambda d: d["steps"][1].pop("op"), "steps[1] has no 'op'"),
    (lambda d: d["steps"][1].pop("urn"), "steps[1] has no 'urn'"),
    (lambda d: d["steps"][1].update(urn="docs"), "steps[1].urn is not a Pulumi URN"),
    (lambda d: d["steps"][1]["newState"].pop("type"),
     "steps[1].newState (urn:pulumi:dev::sample::aws:s3/bucket:Bucket::docs) has no 'type'"),
    (lambda d: d["steps"][1].update(newState=[]), "steps[1].newState is not an object"),
    (lambda d: d["steps"][1]["newState"].update(inputs=["acl"]), "steps[1].newState.inputs is not an object"),
    (lambda d: d["steps"][4]["newState"].update(dependencies="urn:x"),
     "steps[4].newState.dependencies is not a list of URNs"),
    (lambda d: d["steps"][4]["newState"].update(propertyDependencies=[]),
     "steps[4].newState.propertyDependencies is not an object"),
    (lambda d: d["steps"][1]["newState"].update(parent="stack"), "steps[1].newState.parent is not a Pulumi URN"),
    (lambda d: d["steps"][1].update(oldState="none"), "steps[1].oldState is not an object"),
])
def test_structure_errors(in_tmp: Path, mutate: Any, problem: str) -> None:
    assert _broken(in_tmp, mutate) == f"preview.json: {problem}{SUFFIX}"
