"""Normalizers: raw resources of any source -> assets of named kinds (one module per kind family)."""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from checks.model import Asset
from checks.normalize.base import FOLDED, NORMALIZERS, Index
from checks.sources.raw import RawResource

MODULES = (
    "kms", "s3", "ec2_network", "ec2_sg", "ec2_compute", "elbv2", "rds", "dynamodb",
    "backup", "logging", "iam", "secretsmanager", "ecr", "ecs",
    "live_kms", "live_s3", "live_ec2_compute", "live_ec2_network", "live_ec2_sg", "live_elbv2", "live_rds",
    "live_ecs", "live_data", "live_audit", "live_iam",
)

_loaded = False


def load_normalizers() -> None:
    """Import every normalizer module once so that their tokens are registered."""
    global _loaded
    if not _loaded:
        for name in MODULES:
            importlib.import_module(f"checks.normalize.{name}")
        _loaded = True


@dataclass(frozen=True)
class Normalized:
    assets: list[Asset]
    unsupported: dict[str, int] = field(default_factory=dict)  # AWS type token -> count, not checked
    folded: int = 0


def normalize(resources: Iterable[RawResource], *, reviewed: frozenset[str] = frozenset()) -> Normalized:
    """Assets of every supported resource; `reviewed` holds the rule fingerprints of the review register."""
    load_normalizers()
    index = Index(resources, reviewed=reviewed)
    assets: list[Asset] = []
    unsupported: Counter[str] = Counter()
    folded = 0
    for raw in index.resources:
        fn = NORMALIZERS.get(raw.type)
        if fn is not None:
            assets.extend(fn(raw, index))
        elif raw.type in FOLDED:
            folded += 1
        elif raw.custom and raw.type.startswith("aws:"):
            unsupported[raw.type] += 1
    return Normalized(assets=assets, unsupported=dict(sorted(unsupported.items())), folded=folded)
