"""The Pulumi <-> Terraform type table: every normalized token is mapped, both directions read the one table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from checks.errors import InputError
from checks.normalize import load_normalizers
from checks.normalize.base import FOLDED, NORMALIZERS
from checks.terraform.mapping import Table, TypeMapping, camel, load_table, snake


def _normalized_tokens() -> set[str]:
    load_normalizers()
    return {t for t in [*NORMALIZERS, *FOLDED] if t.startswith("aws:")}


def test_every_token_clearance_normalizes_is_mapped() -> None:
    table = load_table()
    missing = sorted(_normalized_tokens() - set(table.tokens))
    assert missing == []


def test_the_table_also_maps_common_types_clearance_does_not_normalize() -> None:
    table = load_table()
    extra = set(table.tokens) - _normalized_tokens()
    assert {"aws:iam/instanceProfile:InstanceProfile", "aws:lb/targetGroup:TargetGroup",
            "aws:s3/bucketObjectv2:BucketObjectv2", "aws:wafv2/webAcl:WebAcl"} <= extra


def test_v6_and_v7_tokens_map_to_one_type_and_the_v7_token_is_the_reverse_target() -> None:
    table = load_table()
    assert table.tokens["aws:s3/bucketV2:BucketV2"].terraform == "aws_s3_bucket"
    assert table.tokens["aws:s3/bucket:Bucket"].terraform == "aws_s3_bucket"
    assert table.terraform["aws_s3_bucket"].token == "aws:s3/bucket:Bucket"
    sse = table.terraform["aws_s3_bucket_server_side_encryption_configuration"]
    assert sse.token == "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    assert table.tokens["aws:s3/bucketAclV2:BucketAclV2"].terraform == "aws_s3_bucket_acl"


def _sample(mapping: TypeMapping, token: str) -> dict[str, Any]:
    """Props that exercise every rename, block and map of the token's rules, with a plain property besides."""
    rules = mapping.rules[token]
    props: dict[str, Any] = {"plainProperty": "x", "tags": {"CostCenter": "a", "team_name": "b"}}
    for path in sorted({*rules.renames, *rules.blocks, *rules.maps}, key=lambda p: p.count(".")):
        node = props
        parts = path.split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if isinstance(child, list):
                child = child[0]
            node = child
        leaf = parts[-1]
        if path in rules.maps:
            node[leaf] = {"Some_Key": "v", "otherKey": 1}
        elif path in rules.blocks:
            node.setdefault(leaf, {"innerValue": 1})
        else:
            node.setdefault(leaf, [{"innerValue": 2}])
    return props


@pytest.mark.parametrize("tf_type", sorted(t.terraform for t in load_table().types))
def test_every_mapped_type_round_trips(tf_type: str) -> None:
    table = load_table()
    mapping = table.terraform[tf_type]
    for token in mapping.tokens:
        props = _sample(mapping, token)
        converted = table.to_terraform(token, props)
        assert converted is not None
        assert converted[0] == tf_type
        assert converted[1]["plain_property"] == "x"
        assert converted[1]["tags"] == {"CostCenter": "a", "team_name": "b"}  # tag names are data
        back = table.to_pulumi(tf_type, converted[1])
        assert back is not None
        assert back[0] == mapping.token
        if token == mapping.token:  # the primary token's props come back unchanged, with the provider's defaults
            assert back[1] == {**{camel(k): v for k, v in mapping.defaults.items()}, **props}


def test_maxitems_one_blocks_are_lists_in_terraform_and_objects_in_pulumi() -> None:
    table = load_table()
    pulumi = {"bucket": "b", "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"},
                                        "bucketKeyEnabled": True}]}
    token = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    assert table.to_terraform(token, pulumi) == (
        "aws_s3_bucket_server_side_encryption_configuration",
        {"bucket": "b", "rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms"}],
                                  "bucket_key_enabled": True}]})
    v6 = {"serverSideEncryptionConfigurations": [{"rules": [{"applyServerSideEncryptionByDefaults": [
        {"sseAlgorithm": "AES256"}]}]}], "versionings": [{"enabled": True}]}
    assert table.to_terraform("aws:s3/bucketV2:BucketV2", v6) == ("aws_s3_bucket", {
        "server_side_encryption_configuration": [{"rule": [{"apply_server_side_encryption_by_default": [
            {"sse_algorithm": "AES256"}]}]}], "versioning": [{"enabled": True}]})
    assert table.to_pulumi("aws_s3_bucket", {"versioning": [{"enabled": True}], "logging": []}) == (
        "aws:s3/bucket:Bucket", {"versioning": {"enabled": True}})


def test_unmapped_types_give_none() -> None:
    table = load_table()
    assert table.to_terraform("aws:foo/bar:Bar", {}) is None
    assert table.to_pulumi("aws_foo_bar", {}) is None


@pytest.mark.parametrize(("name", "snake_name"), [
    ("serverSideEncryptionConfiguration", "server_side_encryption_configuration"),
    ("ipv6CidrBlock", "ipv6_cidr_block"), ("s3Logs", "s3_logs"), ("bucket", "bucket"),
    ("serverlessv2ScalingConfiguration", "serverlessv2_scaling_configuration")])
def test_names_convert_both_ways(name: str, snake_name: str) -> None:
    assert snake(name) == snake_name
    assert camel(snake_name) == name


def _table(tmp_path: Path, text: str) -> Table:
    path = tmp_path / "types.yaml"
    path.write_text(text, encoding="utf-8")
    return load_table(path)


@pytest.mark.parametrize(("text", "message"), [
    ("types:\n  - terraform: aws_kms_key\n    pulumi: [\"aws:kms/key:Key\"]\n"
     "  - terraform: aws_kms_key\n    pulumi: [\"aws:kms/key:Other\"]\n",
     "{f}:4: type #2: Terraform type 'aws_kms_key' is already mapped by type #1"),
    ("types:\n  - terraform: aws_kms_key\n    pulumi: [\"aws:kms/key:Key\"]\n"
     "  - terraform: aws_kms_key2\n    pulumi: [\"aws:kms/key:Key\"]\n",
     "{f}:5: type #2: token 'aws:kms/key:Key' is already mapped by type #1"),
    ("types:\n  - terraform: aws_kms_key\n    pulumi: [\"aws:kms/key:Key\"]\n    renamed: {}\n",
     "{f}:4: type #1: unknown field 'renamed' (allowed: renames, blocks, maps, terraform, pulumi, variants, "
     "defaults)"),
    ("types:\n  - terraform: aws_kms_key\n    pulumi: []\n",
     "{f}:3: type #1: field 'pulumi' List should have at least 1 item after validation, not 0"),
    ("types:\n  - terraform: aws_kms_key\n    pulumi: [\"aws:kms/key:Key\"]\n"
     "    variants: {\"aws:kms/key:Other\": {}}\n",
     "{f}:4: type #1: variant 'aws:kms/key:Other' is not one of the other tokens in 'pulumi'"),
    ("types: {}\n", "{f}:1: expected a mapping with one key 'types' holding a list"),
])
def test_a_bad_table_is_one_line_naming_file_line_and_field(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        _table(tmp_path, text)
    assert str(err.value) == message.format(f=tmp_path / "types.yaml")


def test_provider_defaults_fill_only_what_the_resource_leaves_out() -> None:
    """A `terraform plan` carries the provider's defaults, Pulumi inputs do not: the converter writes them, and a
    declared value (or an unknown one) always wins."""
    table = load_table()
    assert table.to_terraform("aws:rds/instance:Instance", {"engine": "postgres"}) == (
        "aws_db_instance", {"auto_minor_version_upgrade": True, "engine": "postgres"})
    declared = table.to_terraform("aws:rds/instance:Instance", {"autoMinorVersionUpgrade": False})
    assert declared == ("aws_db_instance", {"auto_minor_version_upgrade": False})
