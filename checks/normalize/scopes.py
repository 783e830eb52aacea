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

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from checks.live_types import BACKUP_CANDIDATES, FEEDS
from checks.model import UNKNOWN, Asset, Location, SourceKind, paths_overlap
from checks.normalize.base import NORMALIZERS, Index
from checks.normalize.table import import_for
from checks.raw import RawResource

REGION_KIND = "aws.region"
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


def _on(*paths: str) -> Callable[[Asset], Any]:
    """An asset satisfies the expectation when every path is true (tri-valued)."""
    def judge(asset: Asset) -> Any:
        values = [_read(asset, p) for p in paths]
        if any(v is False or v is None for v in values):
            return False
        if all(v is True for v in values):
            return True
        return next((v for v in values if isinstance(v, _Error)), UNKNOWN)
    return judge


def _present(asset: Asset) -> Any:
    return True


@dataclass(frozen=True)
class Expectation:
    """An aws.region attribute: whether an asset of `kind` in the region satisfies `judge` (`anywhere`: assets of the
    account's other regions count too, as a multi-region trail logs every region)."""

    attribute: str
    kinds: tuple[str, ...]
    judge: Callable[[Asset], Any]
    anywhere: bool = False


EXPECTATIONS = (
    Expectation("logged_by_multi_region_trail", ("cloudtrail.trail",), _on(*TRAIL_PATHS), anywhere=True),
    Expectation("guardduty_enabled", ("guardduty.detector",), _on("enabled")),
    Expectation("config_recording", ("config.recorder",), _on("recording", "all_supported")),
    Expectation("security_hub_enabled", ("securityhub.hub",), _on("enabled")),
    Expectation("has_backup_plan", ("backup.plan",), _present),
    Expectation("holds_backup_candidates", CANDIDATE_KINDS, _present),
)
INPUT_KINDS = tuple(sorted({k for e in EXPECTATIONS for k in e.kinds}))


def _satisfied(expectation: Expectation, candidates: Iterable[Asset], unread: str | None) -> Any:
    found = _exists(expectation.judge(a) for a in candidates)
    return _Error(unread) if found is not True and unread else found


def _region_asset(*, account: str | None, region: str | None, source: SourceKind, location: Location | None,
                  assets: Sequence[Asset], scopes: Scopes | None) -> Asset:
    """`assets`: the account's assets (planned: the program's); those of `region` decide, except `anywhere`."""
    b = _Region()
    b.set("region_name", region)
    b.set("account_id", account)
    b.set("read_kinds", [k for k in INPUT_KINDS if scopes is None or scopes.reads(k)])
    trails = [a for a in assets if a.kind == "cloudtrail.trail" and _applies(a, region)]
    b.set("trail_names", sorted(t.name for t in trails))
    for e in EXPECTATIONS:
        if e.attribute == "logged_by_multi_region_trail":
            pool = trails
        else:
            pool = [a for a in assets if a.kind in e.kinds and (e.anywhere or a.region == region)]
        why = scopes.why_unread(account, region, e.kinds) if scopes is not None and account and region else None
        b.set(e.attribute, _satisfied(e, pool, why))
    name = region or PROGRAM_REGION
    ident = f"aws-region:{account or 'program'}/{region or 'program'}"
    return Asset(kind=REGION_KIND, id=ident, name=name, source=source, attributes=b.attributes, account=account,
                 region=region, location=location, unknown=frozenset(b.unknown), errors=b.errors)


def _applies(trail: Asset, region: str | None) -> bool:
    """A trail logs `region` when it is multi-region or its home; in a program (region None) every trail counts."""
    home = trail.attributes.get("home_region")
    return region is None or trail.attributes.get("multi_region") is True or home in (None, region)


def _live(assets: list[Asset], scopes: Scopes) -> list[Asset]:
    out: list[Asset] = []
    for account, region in sorted(set(scopes.regions)):
        mine = [a for a in assets if a.account == account]
        out.append(_region_asset(account=account, region=region, source=SourceKind.LIVE, location=None,
                                 assets=mine, scopes=scopes))
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
    import_for((token,))  # a setting the program does not declare: its normalizer may not be imported yet
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
        out.append(_region_asset(account=None, region=region, source=source, location=location, assets=assets,
                                 scopes=None))
    return out


def derive_scopes(assets: list[Asset], index: Index, scopes: Scopes | None) -> list[Asset]:
    """The aws.region assets (and, planned, the settings left at AWS's default) of the view's assets."""
    if scopes is not None:
        return _live(assets, scopes)
    if any(a.source is SourceKind.LIVE for a in assets):
        return []  # live assets without their scan's scopes (a test, a tool): no region is known to be complete
    return _planned(assets, index)
