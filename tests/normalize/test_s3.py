"""s3.bucket and s3.account_public_access_block: every bucket shape, side resources, defaults, derived facts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from checks.model import UNKNOWN, SourceKind
from checks.normalize.s3 import facts
from tests.normalize.conftest import make_raw, one, run_normalize, urn

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
KEY = "aws:kms/key:Key"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
SSE_V2 = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
VERSIONING_V2 = "aws:s3/bucketVersioningV2:BucketVersioningV2"
PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
ACL = "aws:s3/bucketAcl:BucketAcl"
STATE = SourceKind.STATE
KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def tls_policy(name: str, resources: list[str] | None = None, **statement: Any) -> str:
    deny: dict[str, Any] = {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": resources or [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    deny.update(statement)
    return json.dumps({"Version": "2012-10-17", "Statement": [deny]})


def test_bucket_without_configuration_gets_the_s3_defaults_for_a_new_bucket() -> None:
    asset = one(run_normalize(make_raw(BUCKET, "plain")), "s3.bucket")
    a = asset.attributes
    assert a["encryption"] == {"enabled": True, "algorithm": "AES256", "kms_key_id": None,
                               "customer_managed_key": False}
    assert a["bucket_key_enabled"] is False
    assert a["versioning"] == {"enabled": False, "status": "Disabled", "mfa_delete": False}
    assert a["public_access_block"] == dict.fromkeys(
        ("block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets"), True)
    assert a["public_access_blocked"] is True
    assert a["object_ownership"] == "BucketOwnerEnforced"
    assert (a["acl"], a["acl_allows_public"]) == ("private", False)
    assert (a["policy"], a["policy_denies_insecure_transport"], a["policy_allows_public"]) == (None, False, False)
    assert a["logging"] == {"enabled": False, "target_bucket": None}
    assert a["lifecycle"] == {"rules": [], "expires_objects_within_days": None, "expires_noncurrent_within_days": None}
    # auto-named by Pulumi: not known under mocks; no AccountPublicAccessBlock declared: the account's is not known
    assert asset.unknown == {"bucket_name", "account_public_access_block"}
    assert asset.id == asset.urn


def test_planned_side_resources_fold_in_through_urn_dependencies() -> None:
    bucket_urn, key_urn = urn(BUCKET, "data"), urn(KEY, "data-key")
    on_bucket = {"bucket": [bucket_urn]}
    raws = [
        make_raw(KEY, "data-key", {"enableKeyRotation": True}),
        make_raw(BUCKET, "data", {"bucket": "acme-data", "tags": {"data": "customer"}}),
        make_raw(SSE, "data-sse", {"bucket": UNKNOWN, "rules": [{"applyServerSideEncryptionByDefault": {
            "sseAlgorithm": "aws:kms", "kmsMasterKeyId": UNKNOWN}, "bucketKeyEnabled": True}]},
            deps={**on_bucket, "rules": [key_urn]}),
        make_raw(VERSIONING_V2, "data-versioning", {"bucket": UNKNOWN,
                                                     "versioningConfiguration": {"status": "Enabled"}}, deps=on_bucket),
        make_raw(PAB, "data-pab", {"bucket": UNKNOWN, "blockPublicAcls": True, "ignorePublicAcls": True,
                                   "blockPublicPolicy": True, "restrictPublicBuckets": False}, deps=on_bucket),
        make_raw(POLICY, "data-policy", {"bucket": UNKNOWN, "policy": UNKNOWN}, deps=on_bucket),
        make_raw(LOGGING, "data-logging", {"bucket": UNKNOWN, "targetBucket": UNKNOWN, "targetPrefix": "data/"},
                 deps={**on_bucket, "targetBucket": [urn(BUCKET, "logs")]}),
        make_raw(OWNERSHIP, "data-own", {"bucket": UNKNOWN, "rule": {"objectOwnership": "BucketOwnerPreferred"}},
                 deps=on_bucket),
    ]
    asset = one(run_normalize(*raws), "s3.bucket", "data")
    a = asset.attributes
    assert a["bucket_name"] == "acme-data" and asset.tags == {"data": "customer"}
    assert a["encryption"] == {"enabled": True, "algorithm": "aws:kms", "kms_key_id": None,
                               "customer_managed_key": True}
    assert a["bucket_key_enabled"] is True
    assert a["versioning"]["enabled"] is True
    assert a["public_access_blocked"] is False and a["public_access_block"]["restrict_public_buckets"] is False
    assert a["object_ownership"] == "BucketOwnerPreferred"
    assert a["logging"] == {"enabled": None, "target_bucket": None}
    assert {"encryption.kms_key_id", "policy", "policy_denies_insecure_transport", "policy_allows_public",
            "logging.enabled", "logging.target_bucket"} <= asset.unknown


def test_state_v6_legacy_bucket_reads_the_inline_object_shape() -> None:
    outputs = {
        "arn": "arn:aws:s3:::docs-4936161", "bucket": "docs-4936161", "acl": "private", "region": "eu-west-1",
        "serverSideEncryptionConfiguration": {"rule": {"applyServerSideEncryptionByDefault": {
            "kmsMasterKeyId": "", "sseAlgorithm": "AES256"}, "bucketKeyEnabled": False}},
        "versioning": {"enabled": True, "mfaDelete": False},
        "loggings": [{"targetBucket": "logs-1", "targetPrefix": "docs/"}],
        "lifecycleRules": [
            {"id": "expire", "enabled": True, "prefix": "", "tags": {}, "abortIncompleteMultipartUploadDays": 7,
             "expiration": {"days": 30, "expiredObjectDeleteMarker": False},
             "noncurrentVersionExpiration": {"days": 10}},
            {"id": "tmp", "enabled": True, "prefix": "tmp/", "expiration": {"days": 1}},
        ],
    }
    asset = one(run_normalize(make_raw(BUCKET, "docs", outputs, source=STATE, id="docs-4936161")), "s3.bucket")
    a = asset.attributes
    assert asset.id == "arn:aws:s3:::docs-4936161" and asset.region == "eu-west-1"
    assert a["encryption"] == {"enabled": True, "algorithm": "AES256", "kms_key_id": None,
                               "customer_managed_key": False}
    assert a["versioning"] == {"enabled": True, "status": "Enabled", "mfa_delete": False}
    assert a["logging"] == {"enabled": True, "target_bucket": "logs-1"}
    rules = a["lifecycle"]["rules"]
    assert rules[0] == {"id": "expire", "enabled": True, "prefix": None, "whole_bucket": True, "expiration_days": 30,
                        "noncurrent_expiration_days": 10, "newer_noncurrent_versions": None,
                        "abort_incomplete_days": 7}
    assert rules[1]["whole_bucket"] is False
    assert a["lifecycle"]["expires_objects_within_days"] == 30  # the 1-day rule only covers tmp/
    assert a["lifecycle"]["expires_noncurrent_within_days"] == 10
    assert asset.unknown == {"account_public_access_block"}  # the stack declares no AccountPublicAccessBlock


def test_bucket_v2_reads_the_plural_list_shape() -> None:
    outputs = {
        "arn": "arn:aws:s3:::lists", "bucket": "lists",
        "serverSideEncryptionConfigurations": [{"rules": [{"applyServerSideEncryptionByDefaults": [
            {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY_ARN}], "bucketKeyEnabled": True}]}],
        "versionings": [{"enabled": True, "mfaDelete": True}],
        "loggings": [{"targetBucket": "logs", "targetPrefix": ""}],
        "lifecycleRules": [{"enabled": True, "expirations": [{"days": 90}],
                            "noncurrentVersionExpirations": [{"days": 30}]}],
    }
    key = make_raw(KEY, "k", {"arn": KEY_ARN}, source=STATE, id="1234abcd")
    a = one(run_normalize(key, make_raw(BUCKET_V2, "lists", outputs, source=STATE, id="lists")),
            "s3.bucket").attributes
    assert a["encryption"] == {"enabled": True, "algorithm": "aws:kms", "kms_key_id": KEY_ARN,
                               "customer_managed_key": True}
    assert a["versioning"] == {"enabled": True, "status": "Enabled", "mfa_delete": True}
    assert a["logging"]["target_bucket"] == "logs"
    assert (a["lifecycle"]["expires_objects_within_days"], a["lifecycle"]["expires_noncurrent_within_days"]) == (90, 30)


def test_state_side_resources_link_by_bucket_name_and_override_inline_values() -> None:
    inline = {"arn": "arn:aws:s3:::b1", "bucket": "b1",
              "serverSideEncryptionConfiguration": {"rule": {"applyServerSideEncryptionByDefault": {
                  "sseAlgorithm": "AES256"}}}}
    side = {"bucket": "b1", "id": "b1", "rules": [{"applyServerSideEncryptionByDefault": {
        "sseAlgorithm": "aws:kms", "kmsMasterKeyId": "alias/aws/s3"}}]}
    a = one(run_normalize(make_raw(BUCKET, "b1", inline, source=STATE, id="b1"),
                          make_raw(SSE_V2, "b1-sse", side, source=STATE, id="b1")), "s3.bucket").attributes
    assert a["encryption"] == {"enabled": True, "algorithm": "aws:kms", "kms_key_id": "alias/aws/s3",
                               "customer_managed_key": False}


def test_bucket_policy_denying_plain_http_on_bucket_and_objects_is_recognised() -> None:
    policy = make_raw(POLICY, "p", {"bucket": "secure", "policy": tls_policy("secure")}, source=STATE, id="secure")
    a = one(run_normalize(make_raw(BUCKET, "secure", {"bucket": "secure"}, source=STATE, id="secure"), policy),
            "s3.bucket").attributes
    assert a["policy"]["Statement"][0]["Sid"] == "DenyInsecureTransport"
    assert (a["policy_denies_insecure_transport"], a["policy_allows_public"]) == (True, False)


def test_public_acl_only_counts_while_acls_are_in_force() -> None:
    bucket_urn = urn(BUCKET, "site")
    raws = [make_raw(BUCKET, "site", {"bucket": "site"}),
            make_raw(ACL, "site-acl", {"bucket": UNKNOWN, "acl": "public-read"}, deps={"bucket": [bucket_urn]})]
    enforced = one(run_normalize(*raws), "s3.bucket").attributes
    assert (enforced["acl"], enforced["acl_allows_public"]) == ("public-read", False)
    writer = make_raw(OWNERSHIP, "site-own", {"bucket": UNKNOWN, "rule": {"objectOwnership": "ObjectWriter"}},
                      deps={"bucket": [bucket_urn]})
    assert one(run_normalize(*raws, writer), "s3.bucket").attributes["acl_allows_public"] is True


def test_lifecycle_configuration_resource_replaces_inline_rules_and_filters_narrow_scope() -> None:
    rules = [
        {"id": "all", "status": "Enabled", "filter": {}, "expiration": {"days": 365},
         "noncurrentVersionExpiration": {"noncurrentDays": 30}, "abortIncompleteMultipartUpload": {
             "daysAfterInitiation": 3}},
        {"id": "logs", "status": "Enabled", "filter": {"prefix": "logs/"}, "expiration": {"days": 7}},
        {"id": "tagged", "status": "Enabled", "filter": {"tag": {"key": "tmp", "value": "yes"}},
         "noncurrentVersionExpiration": {"noncurrentDays": 1}},
        {"id": "off", "status": "Disabled", "filter": {"prefix": ""}, "expiration": {"days": 2}},
    ]
    raws = [make_raw(BUCKET, "c", {"bucket": "c", "lifecycleRules": [{"enabled": True, "expiration": {"days": 5}}]},
                     source=STATE, id="c"),
            make_raw(LIFECYCLE, "c-lc", {"bucket": "c", "rules": rules}, source=STATE, id="c")]
    lc = one(run_normalize(*raws), "s3.bucket").attributes["lifecycle"]
    assert [(r["id"], r["enabled"], r["whole_bucket"]) for r in lc["rules"]] == [
        ("all", True, True), ("logs", True, False), ("tagged", True, False), ("off", False, True)]
    assert lc["rules"][0]["abort_incomplete_days"] == 3 and lc["rules"][1]["prefix"] == "logs/"
    assert (lc["expires_objects_within_days"], lc["expires_noncurrent_within_days"]) == (365, 30)


def test_unknown_rule_status_makes_the_expiry_facts_unknown() -> None:
    bucket_urn = urn(BUCKET, "u")
    raws = [make_raw(BUCKET, "u", {"bucket": "u"}),
            make_raw(LIFECYCLE, "u-lc", {"bucket": UNKNOWN, "rules": [
                {"id": "a", "status": UNKNOWN, "expiration": {"days": 30}}]}, deps={"bucket": [bucket_urn]})]
    asset = one(run_normalize(*raws), "s3.bucket")
    assert asset.attributes["lifecycle"]["expires_objects_within_days"] is None
    assert {"lifecycle.expires_objects_within_days", "lifecycle.rules[].enabled"} <= asset.unknown
    assert "lifecycle.expires_noncurrent_within_days" not in asset.unknown  # no rule could set it


def test_unknown_encryption_rules_leave_algorithm_and_key_unknown_but_encryption_on() -> None:
    bucket_urn = urn(BUCKET, "x")
    raws = [make_raw(BUCKET, "x", {"bucket": "x"}),
            make_raw(SSE, "x-sse", {"bucket": UNKNOWN, "rules": UNKNOWN}, deps={"bucket": [bucket_urn]})]
    asset = one(run_normalize(*raws), "s3.bucket")
    assert asset.attributes["encryption"]["enabled"] is True
    assert {"encryption.algorithm", "encryption.kms_key_id", "encryption.customer_managed_key",
            "bucket_key_enabled"} <= asset.unknown


def test_account_public_access_block_defaults_and_derived_fact() -> None:
    token = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
    planned = one(run_normalize(make_raw(token, "acct", {"blockPublicAcls": True})),
                  "s3.account_public_access_block")
    assert planned.attributes["ignore_public_acls"] is False and planned.attributes["public_access_blocked"] is False
    assert planned.unknown == {"account_id"}
    on = dict.fromkeys(("blockPublicAcls", "ignorePublicAcls", "blockPublicPolicy", "restrictPublicBuckets"), True)
    state = one(run_normalize(make_raw(token, "acct", on, source=STATE, id="111122223333")),
                "s3.account_public_access_block")
    assert state.attributes["public_access_blocked"] is True and state.account == "111122223333"


NAME = "secure"
BOTH = [f"arn:aws:s3:::{NAME}", f"arn:aws:s3:::{NAME}/*"]


@pytest.mark.parametrize(("change", "expected"), [
    ({}, True),
    ({"Resource": [f"arn:aws:s3:::{NAME}/*"]}, False),  # objects only: bucket-level calls over HTTP allowed
    ({"Resource": [f"arn:aws:s3:::{NAME}"]}, False),
    ({"Resource": "*"}, True),
    ({"Resource": [f"arn:aws:s3:::{NAME}*"]}, True),
    ({"Resource": [f"arn:aws:s3:::{NAME}", f"arn:aws:s3:::{NAME}/?"]}, False),
    ({"Resource": ["arn:aws:s3:::other", "arn:aws:s3:::other/*"]}, False),
    ({"Principal": {"AWS": "*"}}, True),
    ({"Principal": {"AWS": ["*"]}}, True),
    ({"Principal": {"AWS": "arn:aws:iam::111122223333:root"}}, False),
    ({"Action": "*"}, True),
    ({"Action": ["S3:*"]}, True),
    ({"Action": ["s3:GetObject", "s3:PutObject"]}, False),
    ({"Effect": "Allow"}, False),
    ({"Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}}}, True),
    ({"Condition": {"Bool": {"aws:securetransport": ["false"]}}}, True),
    ({"Condition": {"Bool": {"aws:SecureTransport": False}}}, True),
    ({"Condition": {"Bool": {"aws:SecureTransport": "true"}}}, False),
    ({"Condition": {"Bool": {"aws:SecureTransport": "false"}, "StringEquals": {"aws:PrincipalAccount": "1"}}}, False),
    ({"Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}}}, False),
])
def test_deny_insecure_transport_requires_all_principals_all_actions_bucket_and_objects(
        change: dict[str, Any], expected: bool) -> None:
    doc = json.loads(tls_policy(NAME, **change))
    assert facts.denies_insecure_transport(doc, NAME) is expected


def test_deny_insecure_transport_may_be_split_over_two_statements() -> None:
    bucket_part = json.loads(tls_policy(NAME, [BOTH[0]]))["Statement"][0]
    objects_part = json.loads(tls_policy(NAME, [BOTH[1]]))["Statement"][0]
    assert facts.denies_insecure_transport({"Statement": [bucket_part, objects_part]}, NAME) is True


def test_deny_insecure_transport_with_unknown_parts_is_unknown_only_when_they_matter() -> None:
    doc = json.loads(tls_policy(NAME))
    assert facts.denies_insecure_transport(UNKNOWN, NAME) is UNKNOWN
    doc["Statement"][0]["Resource"] = [UNKNOWN, f"arn:aws:s3:::{NAME}/*"]
    assert facts.denies_insecure_transport(doc, NAME) is UNKNOWN
    doc["Statement"][0]["Effect"] = "Allow"
    assert facts.denies_insecure_transport(doc, NAME) is False
    wildcard = json.loads(tls_policy(NAME, ["arn:aws:s3:::*"]))
    assert facts.denies_insecure_transport(wildcard, UNKNOWN) is True  # covers whatever the name will be
    assert facts.denies_insecure_transport(json.loads(tls_policy(NAME)), UNKNOWN) is UNKNOWN


@pytest.mark.parametrize(("statement", "expected"), [
    ({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}, True),
    ({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject", "Resource": "*"}, True),
    ({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*",
      "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}}, False),
    ({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:root"}, "Action": "s3:*", "Resource": "*"}, False),
    ({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}, False),
    ({"Effect": "Allow", "Principal": UNKNOWN, "Action": "s3:*", "Resource": "*"}, UNKNOWN),
])
def test_policy_allows_public_means_an_unconditional_allow_to_everyone(statement: dict[str, object],
                                                                       expected: object) -> None:
    assert facts.allows_public({"Statement": [statement]}) is expected
