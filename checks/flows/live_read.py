"""What a live read produced before evaluation (`LiveRead`): of one account, of many, or merged from the shards of
a run group; and the key the history store compares its runs by."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from checks.normalize import Scopes
from checks.org.shards import Shard, Unit
from checks.raw import RawResource
from checks.unread import UnreadScope


@dataclass(frozen=True)
class LiveRead:
    """What a live read produced before evaluation: raw resources, the scopes that could not be read, and notes.
    A scan of many accounts names them all (`accounts`: id and name), its organization, and the units of work."""

    resources: list[RawResource]
    unread: list[UnreadScope]
    notes: list[str]
    account: str                     # the account the scan's credentials belong to
    regions: list[str]
    endpoint: str
    kinds: frozenset[str] = frozenset()  # the asset kinds the chosen collectors read
    api_calls: Mapping[str, int] = field(default_factory=dict)  # "service:Operation" -> attempts (retries included)
    accounts: tuple[tuple[str, str], ...] = ()  # many accounts: (id, name) of each; empty: `account` alone
    organization: str | None = None  # "o-abc123" (--organization)
    units: tuple[Unit, ...] = ()     # many accounts: every unit of the run (all shards)
    shard: Shard | None = None
    secrets: frozenset[str] | None = None  # a merged group: the sandbox's secrets the shards found

    @property
    def account_ids(self) -> list[str]:
        return [a for a, _ in self.accounts] if self.accounts else [self.account]

    @property
    def scopes(self) -> Scopes:
        """The accounts and regions read, and what could not be read there: for the region-level assets."""
        unread = {(u.account, u.region, u.kind): u.reason for u in self.unread}
        return Scopes(regions=[(a, r) for a in self.account_ids for r in self.regions], unread=unread,
                      read_kinds=self.kinds)

    @property
    def target(self) -> str:
        """`account 123456789012 (eu-west-1) at <endpoint>`: what the report says was scanned."""
        return f"{self.key} at {self.endpoint}"

    @property
    def key(self) -> str:
        """`account 123456789012 (eu-west-1)`: the history store's key for this target (no endpoint: a sandbox's
        port changes between runs, its account does not). Many accounts: `organization o-abc (eu-west-1)`, else
        `accounts 111111111111,222222222222 (...)` (sharded or not: the same key)."""
        regions = ", ".join(self.regions)
        if not self.accounts:
            return f"account {self.account} ({regions})"
        if self.organization:
            return f"organization {self.organization} ({regions})"
        ids = self.account_ids
        if len(ids) > 4:  # the store keeps 512 characters of a key: many accounts are named by a digest
            digest = hashlib.sha256(",".join(ids).encode()).hexdigest()[:12]
            return f"accounts {ids[0]} and {len(ids) - 1} more, sha256:{digest} ({regions})"
        return f"accounts {','.join(ids)} ({regions})"
