"""The normalizers' fast paths (issue 13) give what the straightforward versions give: `contains_unknown` without a
call per scalar, the secret collection skipping UNKNOWN, the index's inlined identities, and a bucket's side
resources looked up once."""

from __future__ import annotations

import random
from types import MappingProxyType
from typing import Any

import pytest

from checks.model import UNKNOWN, Secret, SourceKind, secret_strings
from checks.normalize.base import Index, contains_unknown
from checks.normalize.s3.planned import SIDE_TOKENS, _side, _sides, pick
from checks.normalize.secrets import secret_texts
from checks.raw import RawResource


def _reference_contains_unknown(value: Any) -> bool:
    """`contains_unknown` as first written."""
    if value is UNKNOWN:
        return True
    if isinstance(value, Secret):
        return _reference_contains_unknown(value.value)
    if isinstance(value, list):
        return any(_reference_contains_unknown(v) for v in value)
    if isinstance(value, dict):
        return any(_reference_contains_unknown(v) for v in value.values())
    return False


def _value(rng: random.Random, depth: int) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.45:
        return rng.choice(["a", "", 0, 7, 1.5, True, False, None, UNKNOWN, Secret("s3cret-value"), Secret(UNKNOWN),
                           (1, UNKNOWN)])
    if roll < 0.75:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {f"k{i}": _value(rng, depth + 1) for i in range(rng.randint(0, 4))}


def _raw(urn: str, type_: str, **props: Any) -> RawResource:
    return RawResource(type=type_, urn=urn, name=urn.rsplit("::", 1)[-1], props=props, source=SourceKind.PLANNED)


@pytest.mark.parametrize("seed", range(40))
def test_contains_unknown_and_secret_texts_match_the_straightforward_versions(seed: int) -> None:
    rng = random.Random(seed)
    values = [_value(rng, 0) for _ in range(6)]
    for value in values:
        assert contains_unknown(value) is _reference_contains_unknown(value), value
    raw = _raw("urn:pulumi:dev::p::aws:s3/bucketV2:BucketV2::b", "aws:s3/bucketV2:BucketV2",
               **{f"p{i}": v for i, v in enumerate(values)})
    assert secret_texts([raw]) == frozenset(s for v in values for s in secret_strings(v))


def test_pick_reads_any_mapping() -> None:
    assert pick(MappingProxyType({"rules": [{"a": 1}]}), "rule", "rules") == {"a": 1}
    assert pick({"rule": Secret("x")}, "rule") == "x"
    assert pick(["rule"], "rule") is None
    assert pick(UNKNOWN, "rule") is UNKNOWN


def test_the_index_identities_are_the_static_ones() -> None:
    resources = [_raw(f"urn:pulumi:dev::p::t::r{i}", "aws:s3/bucketV2:BucketV2",
                      id=None, arn=Secret(f"arn:{i}") if i % 2 else f"arn:{i}", bucket=UNKNOWN if i % 3 else f"b{i}",
                      name="" if i % 4 else f"n{i}", keyId=5)
                 for i in range(8)]
    index = Index(resources)
    for r in resources:
        assert index.identities_of(r) == Index.identities(r)
    other = _raw("urn:pulumi:dev::p::t::r1", "aws:s3/bucketV2:BucketV2", arn="arn:other")  # same URN, not indexed
    assert index.identities_of(other) == {"arn:other"}


@pytest.mark.parametrize("seed", range(30))
def test_a_buckets_side_resources_looked_up_once_are_the_last_of_each_kind(seed: int) -> None:
    rng = random.Random(seed)
    bucket = _raw("urn:pulumi:dev::p::aws:s3/bucketV2:BucketV2::b", "aws:s3/bucketV2:BucketV2", bucket="b")
    chosen = [rng.choice(SIDE_TOKENS) for _ in range(rng.randint(0, 12))]
    sides = [_raw(f"urn:pulumi:dev::p::{t}::s{i}", t, bucket="b") for i, t in enumerate(chosen)]
    resources = [bucket, *sides, _raw("urn:pulumi:dev::p::aws:sqs/queue:Queue::q", "aws:sqs/queue:Queue", bucket="b")]
    rng.shuffle(resources)
    index = Index(resources)
    looked_up = _sides(bucket, index)
    groups = [(t,) for t in SIDE_TOKENS] + [SIDE_TOKENS[i:i + 2] for i in range(0, len(SIDE_TOKENS), 2)]
    for tokens in groups:
        found = index.referencing(bucket, tokens, "bucket")
        assert _side(looked_up, *tokens) is (found[-1] if found else None), tokens
