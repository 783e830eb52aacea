"""The normalizers' issue-13 speed-ups give what the straightforward versions give: the collector paused while
normalizing (and left as it was), a route combined alone, a KMS key judged without a probe resource, the asset
builder's identity fields, and references unknown as a whole resolved without the identity map."""

from __future__ import annotations

import gc
import itertools
import random
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import pytest

from checks.model import UNKNOWN, Asset, Secret, SourceKind
from checks.normalize import normalize
from checks.normalize.base import NORMALIZERS, AssetBuilder, Index, tri_any, unwrap
from checks.normalize.ec2.routes import Routing, combine
from checks.normalize.keys import KMS_ALIAS_TOKEN, KMS_KEY_TOKENS, customer_managed_key, customer_managed_key_value
from checks.normalize.refs import resolve_refs
from checks.raw import RawResource, urn_name

KEY = "aws:kms/key:Key"
BUCKET = "aws:s3/bucketV2:BucketV2"


def _raw(logical: str, type_: str = BUCKET, *, source: SourceKind = SourceKind.PLANNED, id: str | None = None,
         deps: dict[str, tuple[str, ...]] | None = None, input_keys: frozenset[str] | None = None,
         region: str | None = None, **props: Any) -> RawResource:
    return RawResource(type=type_, urn=f"urn:pulumi:dev::p::{type_}::{logical}", name=logical, props=props,
                       source=source, id=id, property_dependencies=deps or {}, input_keys=input_keys, region=region)


@pytest.mark.parametrize("enabled", [True, False])
def test_normalize_leaves_the_collector_as_it_found_it(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        assets = normalize([_raw("b", bucket="b")]).assets
        assert [a.kind for a in assets if a.kind == "s3.bucket"] == ["s3.bucket"]
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_normalize_turns_the_collector_back_on_when_a_normalizer_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(raw: RawResource, index: Index) -> Iterable[Asset]:
        raise RuntimeError("boom")

    monkeypatch.setitem(NORMALIZERS, "test:boom:Boom", boom)
    was = gc.isenabled()
    try:
        gc.enable()
        with pytest.raises(RuntimeError, match="boom"):
            normalize([_raw("x", "test:boom:Boom")])
        assert gc.isenabled()
    finally:
        gc.enable() if was else gc.disable()


def _reference_combine(routings: list[Routing]) -> Routing:
    return Routing(tri_any(r.igw4 for r in routings), tri_any(r.nat for r in routings),
                   tri_any(r.igw6 for r in routings))


def test_a_route_combined_alone_is_itself() -> None:
    values = (True, False, UNKNOWN)
    for fields in itertools.product(values, repeat=3):
        routing = Routing(*fields)
        assert combine([routing]) == _reference_combine([routing])
        assert all(a is b for a, b in zip(combine([routing]), _reference_combine([routing]), strict=True))
    for pair in itertools.product([Routing(*f) for f in itertools.product(values, repeat=3)], repeat=2):
        assert combine(list(pair)) == _reference_combine(list(pair))
    assert combine([]) == _reference_combine([])


def _reference_customer_managed_key(raw: RawResource, prop: str, index: Index) -> Any:
    """`customer_managed_key` as first written (on `Index.resolve`)."""
    if index.resolve(raw, prop, KMS_KEY_TOKENS):
        return True
    for alias in index.resolve(raw, prop, [KMS_ALIAS_TOKEN]):
        if index.resolve(alias, "targetKeyId", KMS_KEY_TOKENS):
            return True
    value = unwrap(raw.props.get(prop))
    if value is UNKNOWN:
        return UNKNOWN
    if not value:
        return False
    if isinstance(value, str) and ("alias/aws/" in value):
        return False
    if not raw.is_input(prop):
        return False
    return True


def _reference_key_value(raw: RawResource, value: Any, dep_prop: str, index: Index, *, computed: bool = False) -> Any:
    """`customer_managed_key_value` as first written: the key judged as a probe resource's property."""
    value = unwrap(value)
    if value is None or value == "":
        return False
    deps = raw.property_dependencies.get(dep_prop, ()) if value is UNKNOWN else ()
    probe = replace(raw, props={"keyValue": value}, property_dependencies={"keyValue": tuple(deps)},
                    input_keys=None)
    cmk = _reference_customer_managed_key(probe, "keyValue", index)
    declared = bool(index.resolve(probe, "keyValue", KMS_KEY_TOKENS)) or any(
        index.resolve(alias, "targetKeyId", KMS_KEY_TOKENS) for alias in index.resolve(probe, "keyValue",
                                                                                        [KMS_ALIAS_TOKEN]))
    if cmk is True and computed and raw.source is SourceKind.STATE and not declared:
        if raw.input_keys is None:
            return UNKNOWN
        if not raw.is_input(dep_prop):
            return False
        return cmk if unwrap(raw.props.get(dep_prop)) == value else UNKNOWN
    return cmk


def _key_index() -> tuple[Index, list[RawResource]]:
    key = _raw("key", KEY, id="k-1", arn="arn:aws:kms:eu-west-1:1:key/k-1")
    alias_target = _raw("aliased", KEY, id="k-2")
    alias = _raw("alias", KMS_ALIAS_TOKEN, id="alias/mine", name="alias/mine", targetKeyId="k-2",
                 deps={"targetKeyId": (alias_target.urn,)})
    lone_alias = _raw("lone", KMS_ALIAS_TOKEN, id="alias/lone", name="alias/lone", targetKeyId="k-404")
    return Index([key, alias_target, alias, lone_alias]), [key, alias_target, alias, lone_alias]


VALUES = [None, "", UNKNOWN, "alias/aws/s3", "k-1", "arn:aws:kms:eu-west-1:1:key/k-1", "alias/mine", "alias/lone",
          "k-404", Secret("k-1"), Secret("k-404"), 5]


@pytest.mark.parametrize("source", [SourceKind.PLANNED, SourceKind.STATE])
def test_a_key_is_judged_as_the_probe_judged_it(source: SourceKind) -> None:
    index, (key, aliased, alias, _) = _key_index()
    dep_sets: list[tuple[str, ...]] = [(), (key.urn,), (alias.urn,), (aliased.urn, alias.urn), ("urn:not:declared",)]
    inputs: list[frozenset[str] | None] = [None, frozenset(), frozenset({"rules"}), frozenset({"kmsKeyId"})]
    for value, deps, input_keys in itertools.product(VALUES, dep_sets, inputs):
        for dep_prop, prop_value in (("rules", [{"key": value}]), ("kmsKeyId", value)):
            props: dict[str, Any] = {dep_prop: prop_value}
            raw = RawResource(type=BUCKET, urn=f"urn:pulumi:dev::p::{BUCKET}::bucket", name="bucket", props=props,
                              source=source, property_dependencies={dep_prop: deps}, input_keys=input_keys)
            for computed in (False, True):
                assert customer_managed_key_value(raw, value, dep_prop, index, computed=computed) is \
                    _reference_key_value(raw, value, dep_prop, index, computed=computed), (value, deps, dep_prop)
            assert customer_managed_key(raw, dep_prop, index) is \
                _reference_customer_managed_key(raw, dep_prop, index), (value, deps, dep_prop)


def _reference_build(b: AssetBuilder, *, id: str | None = None, name: str | None = None,
                     tags: Any = None, region: str | None = None, account: str | None = None) -> Asset:
    """`AssetBuilder.build` as first written."""
    raw = b.raw
    clean_tags: dict[str, str] = {}
    given_tags = tags if tags is not None else raw.props.get("tags")
    if isinstance(given_tags, Secret):
        b.secrets.add("tags")
    raw_tags = unwrap(given_tags)
    if raw_tags is UNKNOWN:
        b.unknown.add("tags")
    elif isinstance(raw_tags, dict):
        for k, v in raw_tags.items():
            if isinstance(v, Secret):
                b.secrets.add(f"tags.{k}")
                v = v.value
            if v is UNKNOWN:
                b.unknown.add(f"tags.{k}")
            elif v is not None:
                clean_tags[k] = str(v)
    arn = raw.props.get("arn")
    given_region = unwrap(raw.props.get("region"))
    return Asset(
        kind=b.kind, id=id or (arn if isinstance(arn, str) and arn else None) or raw.id or raw.urn,
        name=name or raw.name or urn_name(raw.urn), source=raw.source, attributes=b.attributes, urn=raw.urn,
        account=account,
        region=region or (given_region if isinstance(given_region, str) and given_region else None) or raw.region,
        location=raw.location, tags=clean_tags, unknown=frozenset(b.unknown), errors=dict(b.errors),
        secrets=frozenset(b.secrets),
    )


def _choice(rng: random.Random, options: list[Any]) -> Any:
    return options[rng.randrange(len(options))]


@pytest.mark.parametrize("seed", range(150))
def test_build_gives_what_the_first_build_gave(seed: int) -> None:
    rng = random.Random(seed)
    tag_values = ["v", "", 3, True, None, UNKNOWN, Secret("s"), Secret(UNKNOWN), Secret(7)]
    tags_options: list[Any] = [None, UNKNOWN, Secret({"a": "b"}), "not tags", [("a", "b")],
                               {f"k{i}": _choice(rng, tag_values) for i in range(rng.randrange(4))}]
    props: dict[str, Any] = {}
    for prop, options in (("tags", tags_options), ("arn", [None, "", "arn:x", Secret("arn:s"), UNKNOWN]),
                          ("region", [None, "", "eu-west-1", Secret("us-east-1"), UNKNOWN, 5])):
        choice = _choice(rng, options)
        if choice is not None or rng.random() < 0.3:
            props[prop] = choice
    raw = RawResource(type=BUCKET, urn=f"urn:pulumi:dev::p::{BUCKET}::r", name=_choice(rng, ["r", ""]), props=props,
                      source=SourceKind.PLANNED, id=_choice(rng, [None, "", "i-1"]),
                      region=_choice(rng, [None, "eu-north-1"]))
    kwargs: dict[str, Any] = {"id": _choice(rng, [None, "", "given"]), "name": _choice(rng, [None, "", "shown"]),
                              "region": _choice(rng, [None, "", "ap-south-1"]),
                              "account": _choice(rng, [None, "123"])}
    if rng.random() < 0.3:
        kwargs["tags"] = _choice(rng, tags_options)
    x, unread = _choice(rng, [UNKNOWN, Secret("p"), 1]), rng.random() < 0.5
    built: list[Asset] = []
    for build in (lambda b: b.build(**kwargs), lambda b: _reference_build(b, **kwargs)):
        b = AssetBuilder("s3.bucket", raw)
        b.set("x", x)
        if unread:
            b.errors["x"] = "unread"
        built.append(build(b))
    assert built[0] == built[1]


def test_a_reference_unknown_as_a_whole_follows_its_dependencies() -> None:
    key = _raw("key", KEY, id="k-1")
    other = _raw("other", KEY, id="k-2")
    for value, deps, scalar in itertools.product([UNKNOWN, Secret(UNKNOWN), [UNKNOWN], "k-1", ["k-1", UNKNOWN]],
                                                 [(), (key.urn,), (key.urn, other.urn)], [False, True]):
        raw = _raw("bucket", deps={"kmsKeyId": deps}, kmsKeyId=value)
        index = Index([key, other, raw])
        refs = resolve_refs(index, raw, "kmsKeyId", KMS_KEY_TOKENS, scalar=scalar)
        if unwrap(value) is UNKNOWN or value == [UNKNOWN]:
            assert not any(k[0] == "ec2_refs.identity_map" for k in index.memo if isinstance(k, tuple))
            assert refs.unknown is (not deps or (scalar and len(deps) > 1))
            assert [t.urn for t in refs.targets] == ([] if refs.unknown else list(deps))
        else:
            assert key in refs.targets


def test_resolve_value_is_resolve() -> None:
    index, resources = _key_index()
    for r, prop in itertools.product(resources, ("targetKeyId", "id", "name")):
        for tokens in (KMS_KEY_TOKENS, (KMS_ALIAS_TOKEN,)):
            assert index.resolve(r, prop, tokens) == index.resolve_value(
                r.urn, r.props.get(prop), r.property_dependencies.get(prop, ()), tokens)
