"""The normalizer registry: filled by discovery, complete for every live raw type, and loud about the rest."""

from __future__ import annotations

from checks import live_types
from checks.model import SourceKind
from checks.normalize import load_normalizers, normalize
from checks.normalize.base import FOLDED, NORMALIZERS
from tests.normalize.conftest import make_raw


def live_tokens() -> dict[str, str]:
    return {name: value for name, value in vars(live_types).items()
            if isinstance(value, str) and value.startswith("live:")}


def test_every_live_raw_type_of_the_contract_is_normalized_or_folded() -> None:
    load_normalizers()
    tokens = live_tokens()
    assert len(tokens) >= 25  # the contract was read
    orphans = {name: token for name, token in tokens.items() if token not in NORMALIZERS and token not in FOLDED}
    assert orphans == {}


def test_the_backup_candidates_are_collected_types() -> None:
    assert set(live_types.BACKUP_CANDIDATES) <= set(live_tokens().values())


def test_a_raw_type_no_normalizer_reads_is_reported_not_dropped() -> None:
    result = normalize([make_raw("live:mq:broker", "orders", {"name": "orders"}, source=SourceKind.LIVE),
                        make_raw("aws:mq/broker:Broker", "jobs", {})])
    assert result.assets == []
    assert result.unsupported == {"aws:mq/broker:Broker": 1, "live:mq:broker": 1}


def test_discovery_registers_planned_and_live_normalizers_of_every_family() -> None:
    load_normalizers()
    families = {fn.__module__.split(".")[2] for fn in NORMALIZERS.values()}
    assert {"kms", "s3", "ec2", "elbv2", "rds", "dynamodb", "backup", "logging", "iam", "secretsmanager", "ecr",
            "ecs"} <= families
    assert any(token.startswith("live:") for token in NORMALIZERS)
    assert any(token.startswith("aws:") for token in NORMALIZERS)
