"""A scan of many accounts: which accounts (the organization's, or those named), the units of work (account,
region, service), this shard's share of them, and one session per account (its role assumed).

An account whose role cannot be assumed is not dropped: each of its units becomes a failed read of
`sts:AssumeRole`, so every control of the kinds those units read is `error` for that account, naming the role and
the trust policy it needs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from checks.collectors.base import ClientSettings, Collector, ListFailure
from checks.org.accounts import Account, choose_accounts, organization_accounts, parse_account_list
from checks.org.roles import DEFAULT_ROLE_NAME, Denied, assume
from checks.org.shards import Shard, Unit, select

ASSUME_WORKERS = 8  # roles assumed at once (sts:AssumeRole is fast; hundreds of accounts should not wait in line)


@dataclass(frozen=True)
class OrgRequest:
    """`scan --organization / --accounts`: which accounts, how to reach them, and this run's share of the work."""

    organization: bool = False
    accounts: tuple[str, ...] = ()          # --accounts values (ids, comma lists, @FILE)
    exclude: tuple[str, ...] = ()           # --exclude-accounts values
    role_name: str = DEFAULT_ROLE_NAME
    external_id: str | None = None
    per_account: int = 4                    # tasks of one account (and of one account and region) in flight
    shard: Shard | None = None
    run_group: str | None = None
    # tests: called with each account's assumed session (to register botocore event handlers on it)
    on_session: Callable[[str, boto3.Session], None] | None = None


@dataclass(frozen=True)
class AccountPlan:
    organization: str | None        # "o-abc123" (--organization), else None
    accounts: tuple[Account, ...]
    units: tuple[Unit, ...]         # every unit of the whole run (all shards)
    mine: tuple[Unit, ...]          # this shard's units (all of them without --shard)
    warnings: tuple[str, ...]


def _organization_id(session: boto3.Session, endpoint_url: str | None, settings: ClientSettings,
                     region: str) -> str | None:
    client = session.client("organizations", region_name=region, endpoint_url=endpoint_url, config=settings.config())
    try:
        return str(client.describe_organization()["Organization"]["Id"])
    except (ClientError, BotoCoreError, KeyError):  # the accounts were listed: the id only names the target
        return None


def units_of(accounts: Sequence[str], regions: Sequence[str], collectors: Sequence[Collector]) -> list[Unit]:
    """Every (account, region, service): a global collector once per account (region None)."""
    out: list[Unit] = []
    for account in accounts:
        for c in collectors:
            out += [Unit(account, None, c.name)] if c.global_scope else [Unit(account, r, c.name) for r in regions]
    return out


def plan_accounts(session: boto3.Session, org: OrgRequest, regions: Sequence[str], collectors: Sequence[Collector],
                  *, endpoint_url: str | None, settings: ClientSettings) -> AccountPlan:
    given = parse_account_list(list(org.accounts), option="--accounts") if org.accounts else []
    excluded = parse_account_list(list(org.exclude), option="--exclude-accounts") if org.exclude else []
    organization = None
    listed: list[Account] | None = None
    if org.organization:
        listed = organization_accounts(session, endpoint_url=endpoint_url, settings=settings, region=regions[0])
        organization = _organization_id(session, endpoint_url, settings, regions[0])
    chosen, warnings = choose_accounts(listed, given, excluded)
    units = units_of([a.id for a in chosen], regions, collectors)
    mine = select(units, org.shard) if org.shard is not None else units
    return AccountPlan(organization, tuple(chosen), tuple(units), tuple(mine), tuple(warnings))


def open_accounts(session: boto3.Session, accounts: Sequence[str], org: OrgRequest, *, endpoint_url: str | None,
                  settings: ClientSettings, region: str, caller_arn: str | None,
                  listen: Callable[[boto3.Session], None]) -> tuple[dict[str, boto3.Session], dict[str, Denied]]:
    """Assume the role in every account (a few at a time): the sessions, and the accounts that refused."""
    sts = session.client("sts", region_name=region, endpoint_url=endpoint_url, config=settings.config())

    def one(account: str) -> boto3.Session | Denied:
        return assume(session, account, role_name=org.role_name, external_id=org.external_id,
                      endpoint_url=endpoint_url, settings=settings, region=region, caller_arn=caller_arn, sts=sts)

    with ThreadPoolExecutor(max_workers=max(1, min(ASSUME_WORKERS, len(accounts))),
                            thread_name_prefix="clearance-assume") as pool:
        answers = list(pool.map(one, accounts))
    sessions: dict[str, boto3.Session] = {}
    denied: dict[str, Denied] = {}
    for account, answer in zip(accounts, answers, strict=True):
        if isinstance(answer, Denied):
            denied[account] = answer
            continue
        listen(answer)
        if org.on_session is not None:
            org.on_session(account, answer)
        sessions[account] = answer
    return sessions, denied


def denied_failures(units: Sequence[Unit], denied: dict[str, Denied],
                    collectors: dict[str, Collector]) -> list[ListFailure]:
    """Every unit of an account whose role could not be assumed: nothing it would read is known."""
    return [ListFailure(u.account, u.region, "sts:AssumeRole", denied[u.account].reason + ": "
                        + denied[u.account].fix(), collectors[u.service].types)
            for u in units if u.account in denied]

