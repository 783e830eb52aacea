"""CrossGuard props -> clearance's raw resources, and the enforcement level of a severity (no program run)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from checks.flows.crossguard import enforcement_level, plain, raw_resource
from checks.model import UNKNOWN, Severity, SourceKind

NUMBER_UNKNOWN = "3eeb2bf0-c639-47a8-9e75-3b44932eb421"
STRING_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


class Unknown(Exception):
    pass


class Raising(Mapping[str, Any]):
    """A mapping whose `hidden` key raises, as pulumi_policy's proxy does for an unknown value."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def __getitem__(self, key: str) -> Any:
        if key == "hidden":
            raise Unknown(key)
        return self.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


@dataclass
class Provider:
    urn: str
    props: Mapping[str, Any]


@dataclass
class Resource:
    resource_type: str
    props: Mapping[str, Any]
    urn: str
    name: str
    provider: Provider | None = None
    parent: Any = None
    dependencies: list[Any] = field(default_factory=list)
    property_dependencies: dict[str, list[Any]] = field(default_factory=dict)


def test_unknown_sentinels_and_raising_values_become_unknown() -> None:
    props = Raising({"size": 20.0, "rate": 0.5, "ids": ["a", NUMBER_UNKNOWN], "name": STRING_UNKNOWN,
                     "hidden": "x", "nested": {"on": True, "off": None}})
    assert plain(props, (Unknown,)) == {"size": 20, "rate": 0.5, "ids": ["a", UNKNOWN], "name": UNKNOWN,
                                        "hidden": UNKNOWN, "nested": {"on": True, "off": None}}
    with pytest.raises(Unknown):  # only the errors named are unknowns: anything else is a bug, never swallowed
        plain(props)


def test_assets_are_unknown() -> None:
    assert plain({"code": object()}) == {"code": UNKNOWN}


def test_pulumi_policy_proxy_is_read_with_unknowns() -> None:
    proxy_module = pytest.importorskip("pulumi_policy.proxy")
    props = proxy_module.unknown_checking_proxy({"enableKeyRotation": proxy_module.UNKNOWN_BOOLEAN_VALUE,
                                                 "tags": {"team": "core"}})
    with pytest.raises(proxy_module.UnknownValueError):
        props["enableKeyRotation"]
    assert plain(props, (proxy_module.UnknownValueError,)) == {"enableKeyRotation": UNKNOWN, "tags": {"team": "core"}}


def test_raw_resource_takes_region_parent_and_dependencies() -> None:
    stack = "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev"
    key = Resource("aws:kms/key:Key", {}, "urn:pulumi:dev::p::aws:kms/key:Key::k", "k")
    east = Provider("urn:pulumi:dev::p::pulumi:providers:aws::east", {"region": "us-east-1"})
    bucket = Resource("aws:s3/bucket:Bucket", {"bucket": "b"}, "urn:pulumi:dev::p::aws:s3/bucket:Bucket::b", "b",
                      provider=east, parent=Resource("pulumi:pulumi:Stack", {}, stack, "p-dev"),
                      dependencies=[key], property_dependencies={"kmsKeyId": [key]})
    raw = raw_resource(bucket)
    assert (raw.type, raw.urn, raw.name, raw.source, raw.region, raw.provider, raw.parent) == (
        "aws:s3/bucket:Bucket", bucket.urn, "b", SourceKind.PLANNED, "us-east-1", east.urn, None)
    assert raw.dependencies == (key.urn,) and raw.property_dependencies == {"kmsKeyId": (key.urn,)}
    unknown_region = Resource("aws:s3/bucket:Bucket", {}, bucket.urn, "b",
                              provider=Provider(east.urn, {"region": STRING_UNKNOWN}))
    assert raw_resource(unknown_region).region is None


@pytest.mark.parametrize(("severity", "level"), [(Severity.CRITICAL, "mandatory"), (Severity.HIGH, "mandatory"),
                                                 (Severity.MEDIUM, "advisory"), (Severity.LOW, "advisory")])
def test_enforcement_level_by_severity(severity: Severity, level: str) -> None:
    assert enforcement_level(severity) == level
