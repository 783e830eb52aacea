"""Account- and region-level expectations: what must exist, judged when nothing satisfies it.

A control on one resource says nothing when the resource is absent: an account without a trail has no trail to
fail. So every view also gets one `aws.region` asset per account and region it covers, whose attributes say whether
something satisfies each regional expectation (a multi-region trail logging all management events; a backup plan
where there is data to back up), and the account-level settings take AWS's defaults when they are not declared.

- **live**: one `aws.region` per account and region the scan read. A kind whose list could not be read there is an
  error on the attributes it decides, unless what was read already satisfies the expectation (a multi-region trail
  seen from another region logs this one too).
- **planned and state**: a program *manages its account and region* when it declares one of the account-level
  settings (`SETTING_KINDS`: EBS encryption by default, the S3 account Block Public Access, the IAM password
  policy). Only then is it judged on them: one `aws.region` for the program's region, and each setting it does not
  declare is at AWS's default (EBS encryption by default off, account Block Public Access off), placed at the first
  setting it declares. A program that declares none of them (an application stack in a shared account) gets no
  account- or region-level findings: nothing in it claims the account.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from checks.live_types import BACKUP_CANDIDATES, FEEDS
from checks.model import UNKNOWN, Asset, Location, SourceKind, paths_overlap
from checks.normalize.base import NORMALIZERS, Index
from checks.raw import RawResource

REGION_KIND = "aws.region"
DERIVED_KINDS = (REGION_KIND,)  # assets that describe a scope, not a resource
SETTING_KINDS = ("ec2.ebs_encryption_default", "s3.account_public_access_block", "iam.password_policy")
# settings a managed program leaves at AWS's default: (kind, Pulumi type, the props that mean "AWS's default")
DEFAULTS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("ec2.ebs_encryption_default", "aws:ebs/encryptionByDefault:EncryptionByDefault", {"enabled": False}),
    ("s3.account_public_access_block", "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock", {}),
)
CANDIDATE_KINDS = tuple(sorted({k for t in BACKUP_CANDIDATES for k in FEEDS[t]}))
TRAIL_PATHS = ("multi_region", "logging_enabled", "management_events.read", "management_events.write")
PROGRAM_REGION = "the program's region"


@dataclass(frozen=True)
class Scopes:
    """Live: the (account, region) pairs a scan read, and why a kind could not be listed in one
    ((account, region or None for the whole account, kind) -> reason)."""

    regions: Sequence[tuple[str, str]]
    unread: Mapping[tuple[str, str | None, str], str] = field(default_factory=dict)
    read_kinds: frozenset[str] | None = None  # the kinds the scan's collectors read (--services); None: all

    def reads(self, *kinds: str) -> bool:
        return self.read_kinds is None or any(k in self.read_kinds for k in kinds)

    def why_unread(self, account: str, region: str, kinds: Iterable[str]) -> str | None:
        for kind in kinds:
            reason = self.unread.get((account, region, kind)) or self.unread.get((account, None, kind))
            if reason:
                return reason
        return None


class _Error:
    def __init__(self, reason: str) -> None:
        self.reason = reason


def _read(asset: Asset, path: str) -> Any:
    """The value at `path`, UNKNOWN when not known, an _Error when it could not be read."""
    for bad, why in asset.errors.items():
        if paths_overlap(bad, path):
            return _Error(why)
    if any(paths_overlap(u, path) for u in asset.unknown):
        return UNKNOWN
    node: Any = asset.attributes
    for part in path.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    return node


def _exists(values: Iterable[Any]) -> Any:
    """True if one value is True; else the first error, else UNKNOWN if one is unknown; else False."""
    seen = list(values)
    if any(v is True for v in seen):
        return True
    return next((v for v in seen if isinstance(v, _Error)), UNKNOWN if any(v is UNKNOWN for v in seen) else False)


def _logs_everything(trail: Asset) -> Any:
    """Whether a trail is multi-region, logging and records read and write management events (tri-valued)."""
    values = [_read(trail, p) for p in TRAIL_PATHS]
    if any(v is False or v is None for v in values):
        return False
    if all(v is True for v in values):
        return True
    return next((v for v in values if isinstance(v, _Error)), UNKNOWN)


class _Region:
    """Builds one aws.region asset, recording unknown and unread attributes."""

    def __init__(self) -> None:
        self.attributes: dict[str, Any] = {}
        self.unknown: set[str] = set()
        self.errors: dict[str, str] = {}

    def set(self, path: str, value: Any) -> None:
        if isinstance(value, _Error):
            self.errors[path] = value.reason
            value = None
        elif value is UNKNOWN:
            self.unknown.add(path)
            value = None
        self.attributes[path] = value


def _region_asset(*, account: str | None, region: str | None, source: SourceKind, location: Location | None,
                  trails: list[Asset], plans: list[Asset], candidates: list[Asset], unread: _Unread) -> Asset:
    b = _Region()
    b.set("region_name", region)
    b.set("account_id", account)
    b.set("trails_read", unread.trails_read)
    b.set("backups_read", unread.backups_read)
    b.set("trail_names", sorted(t.name for t in trails))
    logged = _exists(_logs_everything(t) for t in trails)
    if logged is not True and unread.trails:
        logged = _Error(unread.trails)
    b.set("logged_by_multi_region_trail", logged)
    held: Any = True if candidates else (_Error(unread.candidates) if unread.candidates else False)
    b.set("holds_backup_candidates", held)
    b.set("has_backup_plan", True if plans else (_Error(unread.plans) if unread.plans else False))
    name = region or PROGRAM_REGION
    ident = f"aws-region:{account or 'program'}/{region or 'program'}"
    return Asset(kind=REGION_KIND, id=ident, name=name, source=source, attributes=b.attributes, account=account,
                 region=region, location=location, unknown=frozenset(b.unknown), errors=b.errors)


@dataclass(frozen=True)
class _Unread:
    """Why each input of a region's expectations could not be read, and whether the scan read it at all."""

    trails: str | None = None
    plans: str | None = None
    candidates: str | None = None
    trails_read: bool = True
    backups_read: bool = True


def _applies(trail: Asset, region: str | None) -> bool:
    """A trail logs `region` when it is multi-region or its home; in a program (region None) every trail counts."""
    home = trail.attributes.get("home_region")
    return region is None or trail.attributes.get("multi_region") is True or home in (None, region)


def _live(assets: list[Asset], scopes: Scopes) -> list[Asset]:
    out: list[Asset] = []
    for account, region in sorted(set(scopes.regions)):
        mine = [a for a in assets if a.account == account]
        here = [a for a in mine if a.region in (region, None)]
        trails = [a for a in mine if a.kind == "cloudtrail.trail" and _applies(a, region)]
        unread = _Unread(trails=scopes.why_unread(account, region, ["cloudtrail.trail"]),
                         plans=scopes.why_unread(account, region, ["backup.plan"]),
                         candidates=scopes.why_unread(account, region, CANDIDATE_KINDS),
                         trails_read=scopes.reads("cloudtrail.trail"),
                         backups_read=scopes.reads("backup.plan") and scopes.reads(*CANDIDATE_KINDS))
        out.append(_region_asset(
            account=account, region=region, source=SourceKind.LIVE, location=None, trails=trails,
            plans=[a for a in here if a.kind == "backup.plan" and a.region == region],
            candidates=[a for a in here if a.kind in CANDIDATE_KINDS], unread=unread))
    return out


def _first(assets: Iterable[Asset]) -> Location | None:
    located = sorted((a.location for a in assets if a.location is not None), key=lambda loc: (loc.file, loc.line))
    return located[0] if located else None


def _default(kind: str, token: str, props: Mapping[str, Any], region: str | None, source: SourceKind,
             location: Location | None, index: Index) -> list[Asset]:
    """The asset of a setting the program leaves at AWS's default, as if declared with AWS's default values."""
    where = f" in {region}" if region else ""
    name = f"{kind.split('.', 1)[1].replace('_', '-')}{where} (not declared: AWS's default)"
    full = {**props, **({"region": region} if region else {})}
    raw = RawResource(type=token, urn=f"clearance:aws-default::{kind}::{region or ''}", name=name, props=full,
                      source=source, location=location)
    return list(NORMALIZERS[token](raw, index))


def _planned(assets: list[Asset], index: Index) -> list[Asset]:
    settings = [a for a in assets if a.kind in SETTING_KINDS]
    if not settings:
        return []
    source = settings[0].source
    anchor = _first(settings)
    regions = sorted({a.region for a in assets if a.kind != REGION_KIND}, key=lambda r: r or "")
    out: list[Asset] = []
    declared = {a.kind for a in settings}
    for kind, token, props in DEFAULTS:
        if kind == "ec2.ebs_encryption_default":  # per region
            have = {a.region for a in settings if a.kind == kind}
            for region in regions:
                if region not in have:
                    first = _first(a for a in assets if a.region == region)
                    out.extend(_default(kind, token, props, region, source, first or anchor, index))
        elif kind not in declared:
            out.extend(_default(kind, token, props, None, source, anchor, index))
    for region in regions:
        here = [a for a in assets if a.region == region]
        location = _first(a for a in here if a.kind in SETTING_KINDS) or _first(here) or anchor
        out.append(_region_asset(
            account=None, region=region, source=source, location=location,
            trails=[a for a in assets if a.kind == "cloudtrail.trail" and _applies(a, region)],
            plans=[a for a in here if a.kind == "backup.plan"],
            candidates=[a for a in here if a.kind in CANDIDATE_KINDS], unread=_Unread()))
    return out


def derive_scopes(assets: list[Asset], index: Index, scopes: Scopes | None) -> list[Asset]:
    """The aws.region assets (and, planned, the settings left at AWS's default) of the view's assets."""
    if scopes is not None:
        return _live(assets, scopes)
    if any(a.source is SourceKind.LIVE for a in assets):
        return []  # live assets without their scan's scopes (a test, a tool): no region is known to be complete
    return _planned(assets, index)
