"""The asset builder's cleaning (plain items copied without a path) and the index's memoized `referencing` give what
the straightforward versions give."""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

import pytest

from checks.model import UNKNOWN, Secret, SourceKind
from checks.normalize.base import AssetBuilder, Index
from checks.raw import RawResource


def _raw(urn: str, type_: str = "aws:s3/bucketV2:BucketV2", **props: Any) -> RawResource:
    return RawResource(type=type_, urn=urn, name=urn.rsplit("::", 1)[-1], props=props, source=SourceKind.PLANNED)


def _reference_clean(path: str, value: Any, unknown: set[str], secrets: set[str]) -> Any:
    """The builder's cleaning as first written: one call and one path per item."""
    if type(value) in (str, int, float, bool, type(None)):
        return value
    if value is UNKNOWN:
        unknown.add(path)
        return None
    if isinstance(value, Secret):
        secrets.add(path)
        return _reference_clean(path, value.value, unknown, secrets)
    if isinstance(value, list):
        return [_reference_clean(f"{path}[]", v, unknown, secrets) for v in value]
    if isinstance(value, dict):
        return {k: _reference_clean(f"{path}.{k}", v, unknown, secrets) for k, v in value.items()}
    return value


def _value(rng: random.Random, depth: int) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.4:
        return rng.choice(["a", 1, 2.5, True, None, UNKNOWN, ("t", UNKNOWN)])
    if roll < 0.55:
        return Secret(_value(rng, depth + 1))
    if roll < 0.7:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if roll < 0.75:
        return defaultdict(list, {"d": _value(rng, depth + 1)})
    return {f"k{i}": _value(rng, depth + 1) for i in range(rng.randrange(4))}


@pytest.mark.parametrize("seed", range(200))
def test_set_records_the_paths_the_reference_records(seed: int) -> None:
    rng = random.Random(seed)
    value = _value(rng, 0)
    b = AssetBuilder("s3.bucket", _raw("urn:pulumi:s::p::aws:s3/bucketV2:BucketV2::b"))
    unknown: set[str] = set()
    secrets: set[str] = set()
    expected = _reference_clean("x.y", value, unknown, secrets)
    assert b.set("x.y", value) == expected
    assert b.attributes == {"x": {"y": expected}}
    assert (b.unknown, b.secrets) == (unknown, secrets)


def test_set_examples() -> None:
    b = AssetBuilder("s3.bucket", _raw("urn:pulumi:s::p::aws:s3/bucketV2:BucketV2::b"))
    b.set("encryption", {"enabled": True, "kms_key_id": UNKNOWN, "keys": [Secret("k"), UNKNOWN, "plain"]})
    assert b.attributes == {"encryption": {"enabled": True, "kms_key_id": None, "keys": ["k", None, "plain"]}}
    assert b.unknown == {"encryption.kms_key_id", "encryption.keys[]"}
    assert b.secrets == {"encryption.keys[]"}


def test_referencing_is_the_same_whichever_tokens_are_asked_first() -> None:
    bucket = _raw("urn:pulumi:s::p::aws:s3/bucketV2:BucketV2::b", bucket="logs")
    sse = _raw("urn:pulumi:s::p::aws:s3/sse:Sse::e", "aws:s3/sse:Sse", bucket="logs")
    versioning = _raw("urn:pulumi:s::p::aws:s3/v:V::v", "aws:s3/v:V", bucket="logs")
    other = _raw("urn:pulumi:s::p::aws:s3/sse:Sse::o", "aws:s3/sse:Sse", bucket="other")
    index = Index([bucket, sse, versioning, other])
    assert index.referencing(bucket, ["aws:s3/sse:Sse"], "bucket") == [sse]
    assert index.referencing(bucket, ["aws:s3/v:V", "aws:s3/sse:Sse"], "bucket") == [sse, versioning]
    assert index.referencing(bucket, ["aws:s3/v:V"], "bucket") == [versioning]
    assert index.referencing(bucket, ["aws:s3/none:None"], "bucket") == []
    assert index.referencing(sse, ["aws:s3/sse:Sse"], "bucket") == []
    stranger = _raw("urn:pulumi:s::p::aws:s3/bucketV2:BucketV2::c", bucket="other")  # not in the index
    assert index.referencing(stranger, ["aws:s3/sse:Sse"], "bucket") == [other]
    assert index.referencing(bucket, ["aws:s3/sse:Sse"], "bucket") == [sse]
