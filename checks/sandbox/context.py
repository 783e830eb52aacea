"""What every applier (`appliers_*.py`) shares: the context it runs in, its signature, and small helpers.

An applier creates one Pulumi resource in the sandbox with boto3: it takes the resource's props (camelCase, every
reference already resolved to a real id or ARN, secrets already unwrapped) and the context, and returns the
resource's Pulumi id and its outputs (Pulumi output names: `arn`, `keyId`, `bucket` ...). It raises
`botocore.exceptions.ClientError` when AWS (moto) refuses the call and `Unsupported` when the sandbox cannot
emulate the resource at all.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

Outputs = dict[str, Any]


class ApplyFailed(Exception):  # noqa: N818
    """The sandbox answered, but not as the resource needs (no default security group, an unsuccessful item ...)."""


class Unsupported(Exception):  # noqa: N818 - a verdict, not an error of the caller
    """The sandbox (moto) cannot emulate this resource; the message says why, in one line."""


@dataclass
class Sandbox:
    """The sandbox endpoint, the injected session and the account/region the resources go into."""

    session: Any  # boto3.Session
    endpoint_url: str
    region: str
    account_id: str
    _clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            from botocore.config import Config

            config = Config(retries={"max_attempts": 2, "mode": "standard"})
            client = self.session.client(service, region_name=self.region, endpoint_url=self.endpoint_url,
                                         config=config)
            if service == "s3control":  # botocore puts the account id in front of the host: 123….127.0.0.1
                client.meta.events.register("before-send.s3-control", _drop_account_host_prefix)
            self._clients[service] = client
        return self._clients[service]


def _drop_account_host_prefix(request: Any, **_: Any) -> None:
    parts = urlsplit(request.url)
    head, _, rest = parts.netloc.partition(".")
    if head.isdigit() and rest:
        request.url = urlunsplit(parts._replace(netloc=rest))


@dataclass(frozen=True)
class ApplyContext:
    """The sandbox plus the resource being applied (its Pulumi logical name, for auto-naming)."""

    sandbox: Sandbox
    name: str
    type: str

    def client(self, service: str) -> Any:
        return self.sandbox.client(service)

    @property
    def region(self) -> str:
        return self.sandbox.region

    @property
    def account_id(self) -> str:
        return self.sandbox.account_id

    def physical_name(self, props: Mapping[str, Any], key: str = "name", *, sep: str = "-", max_len: int = 63) -> str:
        """The name the program gave, else a Pulumi-style auto-name: logical name + 7 random hex digits."""
        given = props.get(key)
        if isinstance(given, str) and given:
            return given
        prefix = props.get(f"{key}Prefix")
        base = prefix if isinstance(prefix, str) and prefix else self.name + sep
        return (base + secrets.token_hex(4)[:7])[:max_len]

    def arn(self, service: str, resource: str, *, region: bool = True) -> str:
        return f"arn:aws:{service}:{self.region if region else ''}:{self.account_id}:{resource}"


Applier = Callable[[Mapping[str, Any], ApplyContext], tuple[str, Outputs]]


def tag_list(props: Mapping[str, Any], key_name: str = "Key", value_name: str = "Value") -> list[dict[str, str]]:
    """Pulumi `tags` {k: v} -> AWS [{Key, Value}] (or another spelling: TagKey/TagValue, key/value)."""
    tags = props.get("tags") or {}
    return [{key_name: str(k), value_name: str(v)} for k, v in tags.items()]


def tag_specs(props: Mapping[str, Any], resource_type: str) -> list[dict[str, Any]]:
    tags = tag_list(props)
    return [{"ResourceType": resource_type, "Tags": tags}] if tags else []


def drop_none(**kwargs: Any) -> dict[str, Any]:
    """Keyword arguments for a boto3 call, without the ones the program left unset."""
    return {k: v for k, v in kwargs.items() if v is not None}


@dataclass(frozen=True)
class Outcome:
    """What became of one resource of the program."""

    urn: str
    type: str
    name: str
    status: str  # applied | component | unsupported | failed | skipped
    id: str | None = None
    reason: str = ""
    props: Mapping[str, Any] = field(default_factory=dict)  # resolved inputs (secrets kept as Secret)
    outputs: Mapping[str, Any] = field(default_factory=dict)
    seconds: float = 0.0  # time spent creating it

    def describe(self) -> str:
        return f"{self.type} {self.name}"
